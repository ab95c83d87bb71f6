"""Search: the index of published resources and the faceted, bilingual search over it.

``open_backend(url, vocabularies)`` is the entry point; ``whoosh:///abs/path``
opens the embedded backend (:mod:`indexer.whoosh_backend`);
``elasticsearch://host:port/prefix``, ``opensearch://…`` and ``http(s)://…`` the
scale-out one (:mod:`indexer.elastic`). Both engines implement :class:`SearchBackend` with the same
documents (:mod:`indexer.documents`), facet declarations (:mod:`indexer.facets`)
and query semantics; nothing outside ``whoosh_*``/``facet_arrays`` knows Whoosh.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .analysis import extend_lexicon
from .facets import FACET_NAMES, FACETS, Bucket, Facet
from .model import (
    Hit,
    IndexableResource,
    PublishedView,
    SearchBackend,
    SearchError,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    to_indexable,
)

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = [
    "FACETS",
    "FACET_NAMES",
    "Bucket",
    "Facet",
    "Hit",
    "IndexableResource",
    "PublishedView",
    "SearchBackend",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
    "extend_lexicon",
    "open_backend",
    "to_indexable",
]


def open_backend(
    search_url: str,
    vocabularies: Mapping[str, Any],
    *,
    index_procs: int = 0,
    settings: Settings | None = None,
) -> SearchBackend:
    """Open (creating if needed) the search backend named by ``search_url``.

    ``index_procs``: worker processes of a full Whoosh rebuild (0: one per core).
    ``settings``: a cluster's credentials, TLS files, time budgets and retries.
    Each engine's module is imported only when its URL is used: an instance loads the
    code (and the client libraries) of the one engine it runs on.
    """
    parts = urlsplit(search_url or "")
    if parts.scheme == "whoosh" and not parts.netloc and parts.path.startswith("/"):
        from .whoosh_backend import WhooshBackend

        return WhooshBackend(unquote(parts.path), vocabularies, index_procs=index_procs)
    from .elastic.register import open_elastic

    if (backend := open_elastic(search_url, vocabularies, settings=settings)) is not None:
        return backend
    raise SearchError("bad_url", value=search_url)
