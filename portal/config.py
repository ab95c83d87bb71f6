"""Configuration from the environment.

Every setting has a safe default for the embedded set-up (SQLite + Whoosh in
``MAWARID_HOME``) except the secret key, which is generated once and kept in the
home folder (mode 0600) so that it never lives in the repository.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Environment variables read by :func:`from_environment`, with their meaning.
SETTINGS = {
    "MAWARID_HOME": "data folder: database, search index, uploaded documents (default ./instance)",
    "MAWARID_DATABASE_URL": "SQLAlchemy URL of the catalogue (default sqlite:///$MAWARID_HOME/mawarid.sqlite3)",
    "MAWARID_SEARCH_URL": "search backend: whoosh:///path (default whoosh://$MAWARID_HOME/index)",
    "MAWARID_SECRET_KEY": "signs sessions, CSRF tokens and OAI-PMH resumption tokens (default: generated into $MAWARID_HOME/secret_key)",
    "MAWARID_BASE_URL": "public base URL used in OAI-PMH and exported links (default http://127.0.0.1:5000)",
    "MAWARID_OAI_REPOSITORY_ID": "namespace of OAI identifiers (default mawarid.men.gov.ma)",
    "MAWARID_ADMIN_EMAIL": "OAI-PMH Identify adminEmail (default lnrn@men.gov.ma)",
    "MAWARID_SECURE_COOKIES": "1 to mark cookies Secure (behind HTTPS); default 0",
    "MAWARID_TRUSTED_HOSTS": "comma-separated host names the portal answers to (default: any); set it in production",
}


def _flag(text: str) -> bool:
    if text.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if text.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1 or 0")


class ConfigurationError(ValueError):
    """A setting that cannot be used; the message names it and says what is expected."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError("expected a whole number above 0") from None
    if value <= 0:
        raise ValueError("expected a whole number above 0")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not value > 0:
        raise ValueError("expected a number of seconds above 0")
    return value


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]


#: Tuning settings: read from the environment only when set (each area has its default).
OPTIONAL_SETTINGS: dict[str, tuple[Any, str]] = {
    "MAWARID_OAI_PAGE_SIZE": (_positive_int, "records per ListRecords page (default 100)"),
    "MAWARID_OAI_IDENTIFIERS_PAGE_SIZE": (
        _positive_int,
        "headers per ListIdentifiers page (default 500)",
    ),
    "MAWARID_OAI_TOKEN_TTL": (
        _positive_int,
        "seconds a resumption token stays valid (default 86400)",
    ),
    "MAWARID_LOGIN_RATE_LIMIT": (str, "staff login attempts allowed per IP (default 10/minute)"),
    "MAWARID_STAFF_SESSION_MAX_AGE": (_positive_int, "seconds a staff session lasts (default 8 h)"),
    "MAWARID_USAGE_FLUSH_SECONDS": (_seconds, "how often usage events are written (default 5)"),
    "MAWARID_BUNDLE_DOCUMENT_TYPES": (
        _words,
        "document types copied into offline bundles (default none)",
    ),
    "MAWARID_PROCEDURES_DIR": (str, "folder of procedure files replacing the shipped ones"),
    "MAWARID_AUTO_UPGRADE": (_flag, "1 (default) to migrate the database at start-up"),
}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    home = Path(env.get("MAWARID_HOME") or "instance").resolve()
    return {**_optional(env), **_core(env, home)}


def _optional(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, (parse, _meaning) in OPTIONAL_SETTINGS.items():
        if env.get(key, "").strip():
            try:
                out[key] = parse(env[key])
            except ValueError as exc:
                raise ConfigurationError(f"{key}={env[key]!r}: {exc}") from None
    return out


def _core(env: Mapping[str, str], home: Path) -> dict[str, Any]:
    return {
        "MAWARID_HOME": str(home),
        "MAWARID_DATABASE_URL": env.get("MAWARID_DATABASE_URL")
        or f"sqlite:///{home / 'mawarid.sqlite3'}",
        "MAWARID_SEARCH_URL": env.get("MAWARID_SEARCH_URL") or f"whoosh://{home / 'index'}",
        "SECRET_KEY": env.get("MAWARID_SECRET_KEY") or None,
        "MAWARID_BASE_URL": (env.get("MAWARID_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "MAWARID_OAI_REPOSITORY_ID": env.get("MAWARID_OAI_REPOSITORY_ID") or "mawarid.men.gov.ma",
        "MAWARID_ADMIN_EMAIL": env.get("MAWARID_ADMIN_EMAIL") or "lnrn@men.gov.ma",
        "SESSION_COOKIE_SECURE": env.get("MAWARID_SECURE_COOKIES", "0") == "1",
        "TRUSTED_HOSTS": [
            h.strip() for h in env.get("MAWARID_TRUSTED_HOSTS", "").split(",") if h.strip()
        ]
        or None,
    }


def ensure_secret_key(home: Path) -> str:
    """Read the instance's secret key, creating it (0600) on first start."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
