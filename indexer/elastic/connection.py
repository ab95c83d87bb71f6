"""How to reach a cluster: its nodes, credentials, TLS material, time budgets and retries.

:class:`Connection` gathers what :mod:`core.settings` says about the search cluster
(``MAWARID_SEARCH_*``) with the engine and nodes named by ``MAWARID_SEARCH_URL``;
:func:`official_client` turns it into the engine's own client: ``elasticsearch`` 8 for
Elasticsearch, ``opensearch-py`` 2 for OpenSearch. Each speaks one engine only
(``elasticsearch`` refuses an OpenSearch server), so the URL's scheme chooses.

What the official clients bring: a pool of nodes (round robin; a node that fails is
set aside and tried again after a growing pause, so a node that comes back is used
again by itself), HTTP keep-alive, authentication, TLS with CA and client certificates,
JSON/NDJSON serialisation. What they do not: a *pause* between retries and a total time
budget per call; :mod:`indexer.elastic.client` adds those, so the transports' own
retries are switched off here (``max_retries=0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.settings import Settings

ENGINES = ("elasticsearch", "opensearch")
#: A node set aside after a failure is tried again after at most this many seconds.
MAX_DEAD_NODE_BACKOFF = 10.0
#: Kept-alive connections per node: one per serving thread (``MAWARID_SERVE_THREADS``)
#: and a few for the background writers, so no request opens a new connection.
CONNECTIONS_PER_NODE = 16


@dataclass(frozen=True)
class Connection:
    """One cluster as the backend reaches it (built by :meth:`from_settings`)."""

    engine: str
    hosts: tuple[str, ...]  # "http://127.0.0.1:9200", "https://[::1]:9200"
    username: str = ""
    password: str = ""
    api_key: str = ""
    ca_certs: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    verify_certs: bool = True
    #: Seconds one search may take, retries included (then: SearchUnavailable, 503).
    search_timeout: float = 2.0
    #: Seconds one write or index operation may take, retries included.
    write_timeout: float = 60.0
    retries: int = 3
    #: Seconds an unreachable cluster is left alone before it is tried again.
    retry_after: int = 15
    #: Replicas of each index; None: one as soon as the cluster has two nodes.
    replicas: int | None = None

    @classmethod
    def from_settings(
        cls, engine: str, hosts: tuple[str, ...], settings: Settings | None
    ) -> Connection:
        if settings is None:
            return cls(engine=engine, hosts=hosts)
        return cls(
            engine=engine,
            hosts=hosts,
            username=settings.search_username,
            password=settings.search_password,
            api_key=settings.search_api_key,
            ca_certs=settings.search_ca_certs,
            client_cert=settings.search_client_cert,
            client_key=settings.search_client_key,
            verify_certs=settings.search_verify_certs,
            search_timeout=settings.search_timeout,
            write_timeout=settings.search_write_timeout,
            retries=settings.search_retries,
            retry_after=settings.search_retry_after,
            replicas=settings.search_replicas,
        )

    @property
    def label(self) -> str:
        """For logs and /health: the engine and how many nodes (no address: logs only)."""
        return f"{self.engine} ({len(self.hosts)} node{'s' if len(self.hosts) > 1 else ''})"


def official_client(connection: Connection) -> Any:
    """The engine's own client for ``connection``; it contacts nothing until used."""
    tls: dict[str, Any] = {}
    if connection.ca_certs:
        tls["ca_certs"] = str(connection.ca_certs)
    if connection.client_cert:
        tls["client_cert"] = str(connection.client_cert)
    if connection.client_key:
        tls["client_key"] = str(connection.client_key)
    secure = any(h.startswith("https:") for h in connection.hosts)
    if secure:
        tls["verify_certs"] = connection.verify_certs
        if not connection.verify_certs:
            tls["ssl_show_warn"] = False
    timeout = max(connection.search_timeout, connection.write_timeout)
    if connection.engine == "elasticsearch":
        # Imported here: an instance loads the client of the one engine it runs on.
        from elasticsearch import Elasticsearch

        auth: dict[str, Any] = {}
        if connection.api_key:
            auth["api_key"] = connection.api_key
        elif connection.username:
            auth["basic_auth"] = (connection.username, connection.password)
        return Elasticsearch(
            list(connection.hosts),
            request_timeout=timeout,
            max_retries=0,
            retry_on_timeout=False,
            dead_node_backoff_factor=0.5,
            max_dead_node_backoff=MAX_DEAD_NODE_BACKOFF,
            http_compress=False,
            connections_per_node=CONNECTIONS_PER_NODE,
            **auth,
            **tls,
        )
    from opensearchpy import OpenSearch  # as above: only on an OpenSearch instance

    auth = {"http_auth": (connection.username, connection.password)} if connection.username else {}
    if secure:
        tls["use_ssl"] = True
    return OpenSearch(
        list(connection.hosts),
        timeout=timeout,
        max_retries=0,
        retry_on_timeout=False,
        pool_maxsize=CONNECTIONS_PER_NODE,
        # a failed node is set aside 1.25 s, doubled at each failure in a row, at most 10 s
        dead_timeout=MAX_DEAD_NODE_BACKOFF / 8,
        timeout_cutoff=3,
        **auth,
        **tls,
    )


@dataclass(frozen=True)
class Failure:
    """What went wrong with one request, in engine-neutral terms."""

    kind: str  # "connection" (refused, reset, TLS), "timeout" or "status" (an HTTP error)
    status: int | None = None
    type: str = ""  # the engine's error type: index_not_found_exception, …
    reason: str = ""  # the engine's explanation
    cause: str = ""  # for the log only: may name hosts and ports


def classify(engine: str, exc: BaseException) -> Failure | None:
    """``exc`` raised by the official client of ``engine`` as a :class:`Failure`, or None
    when it is not a failure of the cluster (a programming error propagates as is)."""
    cause = f"{type(exc).__name__}: {str(exc)[:300]}"
    if engine == "elasticsearch":
        import elastic_transport  # the Elasticsearch client's transport (see official_client)
        from elasticsearch import ApiError

        if isinstance(exc, elastic_transport.ConnectionTimeout):
            return Failure("timeout", cause=cause)
        if isinstance(exc, elastic_transport.ConnectionError):
            return Failure("connection", cause=cause)
        if isinstance(exc, ApiError):
            kind, reason = error_reason(exc.body)
            return Failure("status", exc.meta.status, kind, reason, cause)
        return None
    import opensearchpy  # as above

    if isinstance(exc, opensearchpy.ConnectionTimeout):
        return Failure("timeout", cause=cause)
    if isinstance(exc, opensearchpy.ConnectionError):
        return Failure("connection", cause=cause)
    if isinstance(exc, opensearchpy.TransportError):
        status = exc.status_code if isinstance(exc.status_code, int) else None
        kind, reason = error_reason(exc.info if isinstance(exc.info, dict) else exc.error)
        return Failure("status", status, kind, reason, cause)
    return None


DETAIL_CHARS = 300


def error_reason(body: Any) -> tuple[str, str]:
    """(error type, reason) from an engine's error body (a whole answer or one bulk item)."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            root = (error.get("root_cause") or [error])[0]
            return str(root.get("type", "")), str(root.get("reason", ""))[:DETAIL_CHARS]
        if error:
            return "", str(error)[:DETAIL_CHARS]
    return "", str(body)[:DETAIL_CHARS]
