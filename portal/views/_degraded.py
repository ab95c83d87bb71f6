"""The home and browse pages without a search engine: their numbers from the database.

When the search engine cannot answer (:class:`indexer.SearchUnavailable`), the search page
answers 503 (see :mod:`portal.views._errors`), but the pages that only show counts and the
latest publications need no engine: :func:`database_result` builds the same
:class:`~indexer.SearchResult` the engine would have given them — facet counts by level
and subject from the catalogue (:class:`catalogue.services.browse.BrowseCounts`), turned
into facets by the very code the engines use (:func:`indexer.facets.build_facets`), and
the latest publications as hits built from their records like index documents
(:func:`indexer.documents.build_document`). The page then says that search is unavailable
for a moment.
"""

from __future__ import annotations

from typing import Any

from indexer import Hit, PublishedView, SearchResult, to_indexable
from indexer.documents import build_document
from indexer.facets import build_facets
from indexer.snippets import snippet

from ._present import runtime


def database_result(
    lang: str, *, level: Any = None, facet: str = "cycle", latest: int = 0
) -> SearchResult:
    """Published resources counted by the catalogue: the whole catalogue, or those filed under
    the ``level`` term (selected as ``facet``), with the ``latest`` publications as hits."""
    services = runtime()
    browse = services.catalogue.browse
    vocabularies = services.vocabularies
    paths = browse.levels()
    by_term = {path[-1]: count for path, count in paths.items()}
    if level is None:
        filters: dict[str, list[str]] = {}
        subjects, total = browse.subjects(), browse.total()
    else:
        path = tuple(t.id for t in vocabularies["level"].path(level.id))
        filters = {facet: [level.id]}
        subjects, total = browse.subjects(path), paths.get(path, 0)
    counts = {"cycle": by_term, "level": by_term, "subject": subjects}
    hits = [_hit(view, lang, vocabularies) for view in browse.latest(latest)] if latest else []
    return SearchResult(
        total=total,
        page=1,
        size=latest,
        hits=hits,
        facets=build_facets(counts, filters, lang, vocabularies),
    )


def _hit(view: PublishedView, lang: str, vocabularies: Any) -> Hit:
    document = build_document(to_indexable(view), vocabularies)
    data = document["hit"]
    return Hit(
        id=data["id"],
        title=data["title"],
        description=data["description"],
        snippet=snippet(document["snippet_text"], set(), lang),
        levels=data["levels"],
        subjects=data["subjects"],
        types=data["types"],
        languages=data["languages"],
        year=data["year"],
        score=0.0,
    )
