"""``open_backend`` support for Elasticsearch/OpenSearch URLs.

Accepted URLs (the path is the alias name; query parameters are optional)::

    elasticsearch://host:9200/mawarid        opensearch://host:9200/mawarid
    elasticsearch+https://user:password@host:9200/mawarid?verify=false
    http://host:9200/mawarid                 https://host:9200/mawarid?replicas=1&timeout=10

``open_elastic`` returns None for any other scheme, so ``indexer.open_backend`` can
try it before raising ``bad_url``. Nothing is contacted until the first use: the
portal starts even while the search cluster is down (searches then raise a clear
``SearchError("search_unavailable")``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..model import SearchError

SCHEMES = {
    "elasticsearch": ("elasticsearch", "http"),
    "elasticsearch+http": ("elasticsearch", "http"),
    "elasticsearch+https": ("elasticsearch", "https"),
    "opensearch": ("opensearch", "http"),
    "opensearch+http": ("opensearch", "http"),
    "opensearch+https": ("opensearch", "https"),
    "http": ("elasticsearch", "http"),
    "https": ("elasticsearch", "https"),
}
# Elasticsearch/OpenSearch index name rules (lower case, no \ / * ? " < > | , # : space)
_ALIAS = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,150}$")


def open_elastic(search_url: str, vocabularies: Mapping[str, Any]):
    """An :class:`~indexer.elastic.backend.ElasticBackend` for ``search_url``, or None."""
    parts = urlsplit(search_url or "")
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return None
    engine, protocol = SCHEMES[scheme]
    alias = unquote(parts.path).strip("/")
    try:
        port = parts.port
    except ValueError:
        raise SearchError("bad_url", value=search_url) from None
    if not parts.hostname or not _ALIAS.match(alias) or alias.endswith("-building"):
        raise SearchError("bad_url", value=search_url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        replicas = int(options.get("replicas", 0))
        timeout = float(options.get("timeout", 30))
    except ValueError:
        raise SearchError("bad_url", value=search_url) from None
    from .backend import ElasticBackend
    from .client import ElasticClient

    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    base = f"{protocol}://{host}" + (f":{port}" if port else "")
    auth = (unquote(parts.username), unquote(parts.password or "")) if parts.username else None
    client = ElasticClient(
        base,
        engine=engine,
        auth=auth,
        timeout=timeout,
        verify=options.get("verify", "true").lower() not in ("false", "0", "no"),
    )
    return ElasticBackend(client, alias, vocabularies, replicas=replicas)
