"""``open_backend`` support for Elasticsearch/OpenSearch URLs.

The URL names the engine, the nodes and the alias; everything else (credentials, TLS
files, time budgets, retries, replicas) is a setting (``MAWARID_SEARCH_*``, see
:mod:`core.settings`), so the URL holds no secret::

    elasticsearch://127.0.0.1:9200/mawarid
    opensearch://node1:9200,node2:9200,node3:9200/mawarid       # a cluster: any node answers
    opensearch+https://search.lnrn.ma/mawarid                    # TLS (port 443 unless given)
    https://node1:9200,node2:9200/mawarid                        # http(s): Elasticsearch

``open_elastic`` returns None for any other scheme, so ``indexer.open_backend`` can try
it before raising ``bad_url``. Nothing is contacted until the first use: the portal
starts while the cluster is down (searches then raise
:class:`~indexer.model.SearchUnavailable`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from core.messages import N_, Message
from core.settings import ConfigurationError

from .backend import ElasticBackend
from .client import EngineClient, EngineError
from .connection import Connection

if TYPE_CHECKING:
    from core.settings import Settings

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
_HOST = re.compile(r"^(?:\[(?P<v6>[0-9a-fA-F:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::(?P<port>\d+))?$")


def parse_url(search_url: str) -> tuple[str, tuple[str, ...], str] | None:
    """``(engine, node base URLs, alias)`` of a cluster URL; None if not one of ours."""
    text = (search_url or "").strip()
    scheme, sep, _rest = text.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        return None
    engine, protocol = SCHEMES[scheme.lower()]
    parts = urlsplit(text)
    if parts.query or parts.fragment or "@" in parts.netloc:
        # credentials and options are settings: never in a URL that ends up in logs
        raise bad_url(
            search_url,
            N_("credentials and options are settings (MAWARID_SEARCH_…), not part of the URL"),
        )
    alias = unquote(parts.path).strip("/")
    if not _ALIAS.match(alias) or alias.endswith("-building"):
        raise bad_url(
            search_url,
            N_(
                "the path must name the index alias: lower-case letters, digits, '.', '_' "
                "or '-', not ending in -building"
            ),
        )
    hosts = []
    for node in parts.netloc.split(","):
        match = _HOST.match(node.strip())
        port = match["port"] if match else None
        if not match or (port is not None and not 0 < int(port) < 65536):
            raise bad_url(search_url, N_("expected host:port of each node, separated by commas"))
        if match["v6"]:
            try:
                ipaddress.IPv6Address(match["v6"])
            except ValueError:
                raise bad_url(search_url, N_("expected host:port of each node")) from None
            host = f"[{match['v6']}]"
        else:
            host = match["name"]
        hosts.append(f"{protocol}://{host}" + (f":{port}" if port else ""))
    return engine, tuple(dict.fromkeys(hosts)), alias


def bad_url(url: str, expected: str) -> EngineError:
    return EngineError(
        "bad_url",
        Message(
            N_("Invalid search URL %(value)s: %(expected)s."),
            value=_shown(url),
            expected=Message(expected),
        ),
    )


def _shown(url: str) -> str:
    """The URL as an error message may show it: without what could be a password."""
    scheme, _, rest = (url or "").partition("://")
    return f"{scheme}://…@{rest.rsplit('@', 1)[1]}" if "@" in rest else url


def open_elastic(
    search_url: str, vocabularies: Mapping[str, Any], *, settings: Settings | None = None
) -> ElasticBackend | None:
    """An :class:`~indexer.elastic.backend.ElasticBackend` for ``search_url``, or None."""
    parsed = parse_url(search_url)
    if parsed is None:
        return None
    engine, hosts, alias = parsed
    connection = Connection.from_settings(engine, hosts, settings)
    if engine == "opensearch" and connection.api_key:
        raise ConfigurationError(
            N_(
                "MAWARID_SEARCH_API_KEY is for Elasticsearch: OpenSearch takes "
                "MAWARID_SEARCH_USERNAME and MAWARID_SEARCH_PASSWORD"
            )
        )
    return ElasticBackend(EngineClient(connection), alias, vocabularies)
