"""Settings of one Mawarid instance: declared once here, read by every package.

Each setting is one field of :class:`Settings`, declared with :func:`setting`: the
environment variable that sets it, how its text is read, its default and what it is
for. The CLI, the portal, the harvester and the tests all build their settings with
:meth:`Settings.from_environment`; nothing else reads ``MAWARID_*`` variables, and no
package reads them from the Flask app.

Every default suits the embedded set-up (SQLite + Whoosh in ``MAWARID_HOME``), except the
secret key, which is generated once into the home folder (mode 0600,
:func:`ensure_secret_key`) so that it never lives in the repository.

A value that cannot be used stops start-up with a :class:`ConfigurationError` naming the
variable, the value and what would fix it — never a traceback.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import MawaridError
from .messages import N_, Message

#: Where the portal answers when ``serve`` gives no other address.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_OAI_REPOSITORY_ID = "mawarid.men.gov.ma"


class ConfigurationError(MawaridError):
    """A setting that cannot be used; the message names it and says what would fix it."""

    code = "configuration_error"


class _Invalid(ValueError):
    """A parser's refusal: carries the message saying what is expected."""

    def __init__(self, expected: Message) -> None:
        super().__init__(expected.msgid)
        self.expected = expected


# -- parsers: text → value, or _Invalid saying what is expected -----------------


def _text(text: str) -> str:
    return text.strip()


def _path(text: str) -> Path:
    return Path(text.strip()).expanduser().resolve()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise _Invalid(Message(N_("expected a whole number above 0")))
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise _Invalid(Message(N_("expected a number of seconds above 0")))
    return value


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise _Invalid(Message(N_("expected 1 (on) or 0 (off)")))


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise _Invalid(Message(N_("expected a whole number (0 or more)")))
    return value


def _replicas(text: str) -> int | None:
    """``auto`` (None: one replica as soon as the cluster has two nodes) or a count."""
    if text.strip().lower() == "auto":
        return None
    try:
        return _count(text)
    except _Invalid:
        raise _Invalid(Message(N_("expected auto or a whole number (0 or more)"))) from None


def _file(text: str) -> Path:
    path = Path(text.strip()).expanduser().resolve()
    if not path.is_file():
        raise _Invalid(Message(N_("expected a readable file")))
    return path


#: Where flask-limiter may keep its counters besides the database (the default).
RATE_LIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+unix")


def _storage_url(text: str) -> str:
    value = text.strip()
    if value.split("://", 1)[0] not in RATE_LIMIT_SCHEMES or "://" not in value:
        raise _Invalid(Message(N_("expected redis://host:port/db, rediss://… or memory://")))
    return value


def _base_url(text: str) -> str:
    value = text.strip().rstrip("/")
    if not value.startswith(("http://", "https://")) or "://" not in value or " " in value:
        raise _Invalid(Message(N_("expected an absolute http:// or https:// address")))
    return value


#: How the connection to the mail server is protected (``MAWARID_SMTP_TLS``).
SMTP_TLS_MODES = ("starttls", "ssl", "none")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 0 < value < 65536:
        raise _Invalid(Message(N_("expected a port number from 1 to 65535")))
    return value


def _smtp_tls(text: str) -> str:
    word = text.strip().lower()
    if word not in SMTP_TLS_MODES:
        raise _Invalid(Message(N_("expected starttls, ssl or none")))
    return word


def _address(text: str) -> str:
    value = text.strip()
    if value and ("@" not in value or any(c.isspace() for c in value)):
        raise _Invalid(Message(N_("expected an e-mail address such as mawarid@men.gov.ma")))
    return value


def setting(
    env: str,
    parse: Callable[[str], Any],
    default: Any,
    help: str,
    *,
    secret: bool = False,
) -> Any:
    """Declare one setting (a dataclass field of :class:`Settings`)."""
    metadata = {"env": env, "parse": parse, "help": help, "secret": secret}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """The settings of one instance. Build with :meth:`from_environment`."""

    # -- where things are ----------------------------------------------------
    home: Path = setting(
        "MAWARID_HOME",
        _path,
        Path("instance"),
        N_("data folder: database, search index, uploaded documents (default ./instance)"),
    )
    database_url: str = setting(
        "MAWARID_DATABASE_URL",
        _text,
        "",
        N_("SQLAlchemy URL of the catalogue (default sqlite:///$MAWARID_HOME/mawarid.sqlite3)"),
        secret=True,
    )
    search_url: str = setting(
        "MAWARID_SEARCH_URL",
        _text,
        "",
        N_(
            "search backend: whoosh:///path (default whoosh://$MAWARID_HOME/index), or "
            "elasticsearch://host:9200,host2:9200/alias, opensearch://…"
        ),
        secret=True,
    )
    secret_key: str = setting(
        "MAWARID_SECRET_KEY",
        _text,
        "",
        N_(
            "signs sessions, CSRF tokens and OAI-PMH resumption tokens "
            "(default: generated into $MAWARID_HOME/secret_key)"
        ),
        secret=True,
    )
    base_url: str = setting(
        "MAWARID_BASE_URL",
        _base_url,
        "",
        N_(
            "public base URL of OAI-PMH, the API's links and exports "
            "(default: the address `mawarid serve` listens on)"
        ),
    )
    static_folder: str = setting(
        "MAWARID_STATIC_FOLDER",
        _text,
        "",
        N_("folder served under /static/ (default: the assets shipped with Mawarid)"),
    )
    # -- identity of the repository ------------------------------------------
    oai_repository_id: str = setting(
        "MAWARID_OAI_REPOSITORY_ID",
        _text,
        DEFAULT_OAI_REPOSITORY_ID,
        N_("namespace of OAI identifiers (default mawarid.men.gov.ma)"),
    )
    admin_email: str = setting(
        "MAWARID_ADMIN_EMAIL",
        _text,
        "lnrn@men.gov.ma",
        N_("OAI-PMH Identify adminEmail (default lnrn@men.gov.ma)"),
    )
    # -- web security ----------------------------------------------------------
    secure_cookies: bool = setting(
        "MAWARID_SECURE_COOKIES",
        _flag,
        False,
        N_("1 to mark cookies Secure (behind HTTPS); default 0"),
    )
    trusted_hosts: tuple[str, ...] = setting(
        "MAWARID_TRUSTED_HOSTS",
        _words,
        (),
        N_("comma-separated host names the portal answers to (default: any); set it in production"),
    )
    trusted_proxies: int = setting(
        "MAWARID_TRUSTED_PROXIES",
        _count,
        0,
        N_(
            "reverse proxies in front of the portal whose X-Forwarded-For/-Proto are trusted "
            "(default 0; 1 behind nginx)"
        ),
    )
    login_rate_limit: str = setting(
        "MAWARID_LOGIN_RATE_LIMIT",
        _text,
        "10/minute",
        N_("staff login attempts allowed per IP (default 10/minute)"),
    )
    staff_session_max_age: int = setting(
        "MAWARID_STAFF_SESSION_MAX_AGE",
        _positive_int,
        8 * 3600,
        N_("seconds a staff session lasts at most, however active (default 8 h)"),
    )
    staff_session_idle: int = setting(
        "MAWARID_STAFF_SESSION_IDLE",
        _positive_int,
        30 * 60,
        N_("seconds without a request after which a staff session ends (default 30 min)"),
    )
    login_lockout_threshold: int = setting(
        "MAWARID_LOGIN_LOCKOUT_THRESHOLD",
        _positive_int,
        5,
        N_("failed logins of one account before it must wait (default 5)"),
    )
    login_lockout_seconds: int = setting(
        "MAWARID_LOGIN_LOCKOUT_SECONDS",
        _positive_int,
        60,
        N_(
            "first wait of a locked account, doubled at each further failure up to 1 h (default 60)"
        ),
    )
    # -- OAI-PMH -------------------------------------------------------------
    oai_page_size: int = setting(
        "MAWARID_OAI_PAGE_SIZE",
        _positive_int,
        100,
        N_("records per ListRecords page (default 100)"),
    )
    oai_identifiers_page_size: int = setting(
        "MAWARID_OAI_IDENTIFIERS_PAGE_SIZE",
        _positive_int,
        500,
        N_("headers per ListIdentifiers page (default 500)"),
    )
    oai_token_ttl: int = setting(
        "MAWARID_OAI_TOKEN_TTL",
        _positive_int,
        86400,
        N_("seconds a resumption token stays valid (default 86400)"),
    )
    # -- catalogue, index, diffusion ----------------------------------------------
    auto_upgrade: bool = setting(
        "MAWARID_AUTO_UPGRADE",
        _flag,
        True,
        N_("1 (default) to migrate the database at start-up"),
    )
    procedures_dir: str = setting(
        "MAWARID_PROCEDURES_DIR",
        _text,
        "",
        N_("folder of procedure files replacing the shipped ones"),
    )
    search_lexicon: Path | None = setting(
        "MAWARID_SEARCH_LEXICON",
        _path,
        None,
        N_(
            "staff words for the search: a text file, one word per line with its plurals "
            "and derived forms, added to the shipped lexicon (run mawarid reindex after a change)"
        ),
    )
    index_procs: int = setting(
        "MAWARID_INDEX_PROCS",
        _positive_int,
        0,
        N_("worker processes of a full index rebuild (default: one per core)"),
    )
    ingest_procs: int = setting(
        "MAWARID_INGEST_PROCS",
        _positive_int,
        0,
        N_(
            "processes preparing records in bulk ingests, the writing process included "
            "(default: one per core)"
        ),
    )
    index_follow_round: int = setting(
        "MAWARID_INDEX_FOLLOW_ROUND",
        _count,
        10_000,
        N_(
            "index journal rows per round of the index follower during a bulk ingest "
            "(0: no follower, the index catches up at the end)"
        ),
    )
    index_sync_seconds: float = setting(
        "MAWARID_INDEX_SYNC_SECONDS",
        _seconds,
        5.0,
        N_("how often a running portal applies the index journal to the search index (default 5)"),
    )
    usage_flush_seconds: float = setting(
        "MAWARID_USAGE_FLUSH_SECONDS",
        _seconds,
        5.0,
        N_("how often usage events are written (default 5)"),
    )
    bundle_document_types: tuple[str, ...] = setting(
        "MAWARID_BUNDLE_DOCUMENT_TYPES",
        _words,
        (),
        N_("document types copied into offline bundles (default none)"),
    )
    # -- harvesting partners ---------------------------------------------------------
    harvest_timeout: float = setting(
        "MAWARID_HARVEST_TIMEOUT",
        _seconds,
        60.0,
        N_("seconds a partner's OAI-PMH answer may take (default 60)"),
    )
    harvest_attempts: int = setting(
        "MAWARID_HARVEST_ATTEMPTS",
        _positive_int,
        5,
        N_("attempts per request to a partner that fails or is busy (default 5)"),
    )
    harvest_backoff: float = setting(
        "MAWARID_HARVEST_BACKOFF",
        _seconds,
        2.0,
        N_("first wait between attempts, doubled each time (default 2 s)"),
    )
    harvest_max_wait: float = setting(
        "MAWARID_HARVEST_MAX_WAIT",
        _seconds,
        600.0,
        N_("longest Retry-After obeyed; a partner asking more stops the run (default 600 s)"),
    )
    # -- e-mail notifications (off while MAWARID_SMTP_HOST is empty) ---------------------
    smtp_host: str = setting(
        "MAWARID_SMTP_HOST",
        _text,
        "",
        N_("mail server that sends the staff's notifications (default: none, no e-mail)"),
    )
    smtp_port: int = setting(
        "MAWARID_SMTP_PORT",
        _port,
        587,
        N_("port of the mail server (default 587)"),
    )
    smtp_tls: str = setting(
        "MAWARID_SMTP_TLS",
        _smtp_tls,
        "starttls",
        N_("starttls (default), ssl (implicit TLS, usually port 465) or none (a local relay)"),
    )
    smtp_user: str = setting(
        "MAWARID_SMTP_USER",
        _text,
        "",
        N_("user name on the mail server (default: none, no login)"),
    )
    smtp_password: str = setting(
        "MAWARID_SMTP_PASSWORD",
        _text,
        "",
        N_("password on the mail server"),
        secret=True,
    )
    smtp_sender: str = setting(
        "MAWARID_SMTP_SENDER",
        _address,
        "mawarid@localhost",
        N_("From address of the notifications (default mawarid@localhost)"),
    )
    smtp_timeout: float = setting(
        "MAWARID_SMTP_TIMEOUT",
        _seconds,
        10.0,
        N_("seconds the mail server may take to answer (default 10)"),
    )

    # -- search cluster (Elasticsearch / OpenSearch) ------------------------------
    search_username: str = setting(
        "MAWARID_SEARCH_USERNAME",
        _text,
        "",
        N_("user name for the search cluster (basic authentication)"),
    )
    search_password: str = setting(
        "MAWARID_SEARCH_PASSWORD",
        _text,
        "",
        N_("password for the search cluster (basic authentication)"),
        secret=True,
    )
    search_api_key: str = setting(
        "MAWARID_SEARCH_API_KEY",
        _text,
        "",
        N_("Elasticsearch API key (base64 id:key), instead of a user name and password"),
        secret=True,
    )
    search_ca_certs: Path | None = setting(
        "MAWARID_SEARCH_CA_CERTS",
        _file,
        None,
        N_("PEM file of the certificate authorities that signed the cluster's certificates"),
    )
    search_client_cert: Path | None = setting(
        "MAWARID_SEARCH_CLIENT_CERT",
        _file,
        None,
        N_("PEM client certificate presented to the cluster (with MAWARID_SEARCH_CLIENT_KEY)"),
    )
    search_client_key: Path | None = setting(
        "MAWARID_SEARCH_CLIENT_KEY",
        _file,
        None,
        N_("PEM private key of the client certificate"),
    )
    search_verify_certs: bool = setting(
        "MAWARID_SEARCH_VERIFY_CERTS",
        _flag,
        True,
        N_("1 (default) to check the cluster's TLS certificate; 0 only for a test cluster"),
    )
    search_timeout: float = setting(
        "MAWARID_SEARCH_TIMEOUT",
        _seconds,
        2.0,
        N_("seconds a search may take, retries included, before it answers 503 (default 2)"),
    )
    search_write_timeout: float = setting(
        "MAWARID_SEARCH_WRITE_TIMEOUT",
        _seconds,
        60.0,
        N_("seconds an index write may take, retries included (default 60)"),
    )
    search_retries: int = setting(
        "MAWARID_SEARCH_RETRIES",
        _count,
        3,
        N_("retries of a search request on another node or after a busy answer (default 3)"),
    )
    search_retry_after: int = setting(
        "MAWARID_SEARCH_RETRY_AFTER",
        _positive_int,
        15,
        N_(
            "seconds an unreachable search cluster is left alone; the Retry-After of a 503 (default 15)"
        ),
    )
    search_replicas: int | None = setting(
        "MAWARID_SEARCH_REPLICAS",
        _replicas,
        None,
        N_(
            "replicas of the search index: auto (default: 1 once the cluster has 2 nodes) or a number"
        ),
    )
    # -- serving ----------------------------------------------------------------
    serve_workers: int = setting(
        "MAWARID_SERVE_WORKERS",
        _positive_int,
        1,
        N_("worker processes of `mawarid serve` (default 1)"),
    )
    serve_threads: int = setting(
        "MAWARID_SERVE_THREADS",
        _positive_int,
        8,
        N_("threads per worker process of `mawarid serve` (default 8)"),
    )
    serve_timeout: int = setting(
        "MAWARID_SERVE_TIMEOUT",
        _positive_int,
        30,
        N_("seconds a request may take before its worker is restarted (default 30)"),
    )
    serve_keepalive: int = setting(
        "MAWARID_SERVE_KEEPALIVE",
        _positive_int,
        5,
        N_("seconds an idle kept-alive connection stays open (default 5)"),
    )
    serve_max_connections: int = setting(
        "MAWARID_SERVE_MAX_CONNECTIONS",
        _positive_int,
        1000,
        N_("open client connections per worker process, idle ones included (default 1000)"),
    )
    rate_limit_storage_url: str = setting(
        "MAWARID_RATE_LIMIT_STORAGE_URL",
        _storage_url,
        "",
        N_("where rate-limit counters live: the database (default) or redis://host:6379/0"),
        secret=True,
    )

    def __post_init__(self) -> None:
        home = Path(self.home).expanduser().resolve()
        object.__setattr__(self, "home", home)
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{home / 'mawarid.sqlite3'}")
        if not self.search_url:
            object.__setattr__(self, "search_url", f"whoosh://{home / 'index'}")

    # -- building -------------------------------------------------------------

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> Settings:
        """Settings from ``environ`` (default ``os.environ``), then ``overrides``.

        ``overrides`` are already-typed values by field name (``home=tmp_path``), or
        by variable name (``MAWARID_OAI_PAGE_SIZE=10``); a text override is parsed
        like the environment's.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        by_env = {f.metadata["env"]: f for f in fields(cls)}
        by_name = {f.name: f for f in fields(cls)}
        for f in fields(cls):
            raw = env.get(f.metadata["env"], "")
            if raw.strip():
                values[f.name] = _parse(f, raw)
        for key, value in overrides.items():
            known = by_env.get(key) or by_name.get(key)
            if known is None:
                raise TypeError(f"unknown setting {key!r}")
            values[known.name] = _parse(known, value) if isinstance(value, str) else value
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (by field name)."""
        if "home" in changes:
            # Paths derived from the home follow a home given by the caller.
            for name, var in (("database_url", "sqlite:///"), ("search_url", "whoosh://")):
                if getattr(self, name).startswith(var) and name not in changes:
                    changes[name] = ""
        return dataclasses.replace(self, **changes)

    # -- reading --------------------------------------------------------------

    def public_base_url(self, listening: str | None = None) -> str:
        """The public base URL: configured, else the address ``serve`` listens on."""
        return self.base_url or listening or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"

    def secret(self) -> str:
        """The secret key: configured, else the instance's generated one."""
        return self.secret_key or ensure_secret_key(self.home)


def _parse(f: dataclasses.Field[Any], raw: str) -> Any:
    try:
        return f.metadata["parse"](raw)
    except _Invalid as exc:
        shown = "…" if f.metadata["secret"] else raw
        raise ConfigurationError(
            N_("%(name)s=%(value)r cannot be used: %(expected)s"),
            name=f.metadata["env"],
            value=shown,
            expected=exc.expected,
        ) from None


def describe() -> Iterator[tuple[str, Message]]:
    """``(variable, what it is for)`` of every setting, in declaration order (docs, help)."""
    for f in fields(Settings):
        yield f.metadata["env"], Message(f.metadata["help"])


def ensure_secret_key(home: Path) -> str:
    """Read the instance's secret key, creating it (0600) on first start."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
