"""Search quality on real Elasticsearch/OpenSearch nodes: the SAME expectations as the
Whoosh backend (tests/support/search_quality_contract.py), plus a direct comparison with it."""

from __future__ import annotations

from indexer import SearchQuery
from tests.support.search_quality_contract import *  # noqa: F403  (the shared expectations, collected here)


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}


def test_results_equal_the_whoosh_backend(search, corpus_backend, corpus, vocabularies, tmp_path):
    """Beyond the pinned expectations: a mixed query set gives the same ids, totals,
    facet counts and did-you-mean as the embedded backend (order for date/title sorts)."""
    from indexer import open_backend

    whoosh = open_backend(f"whoosh://{tmp_path / 'w'}", vocabularies)
    whoosh.rebuild(iter(corpus))
    try:
        cases = [
            ("", {}),
            ("fractions", {}),
            ("رياضيات", {}),
            ("collège exercice", {}),
            ("xyzzy fractions", {}),
            ("mathématiques", {"type": ["exercise", "lecture"]}),
            ("", {"cycle": ["primaire"], "language": ["ar"]}),
            ("bac", {"year": ["2024"]}),
            ("phillosophie", {}),
            ('"premier degré"', {}),
        ]
        for q, filters in cases:
            for sort in ("relevance", "date", "title"):
                query = SearchQuery(q=q, filters=filters, sort=sort, size=50, lang="ar")
                mine, theirs = (
                    search(q, filters=filters, sort=sort, lang="ar"),
                    whoosh.search(query),
                )
                assert (mine.total, mine.relaxed, mine.did_you_mean) == (
                    theirs.total,
                    theirs.relaxed,
                    theirs.did_you_mean,
                ), (q, filters, sort)
                assert ids(mine) == ids(theirs), (q, filters, sort)
                if sort != "relevance" or not q:
                    assert [h.id for h in mine.hits] == [h.id for h in theirs.hits], (q, sort)
                assert mine.to_dict()["facets"] == theirs.to_dict()["facets"], (q, filters)
                assert [h.snippet for h in mine.hits if h.id == "c06"] == [
                    h.snippet for h in theirs.hits if h.id == "c06"
                ]
        for prefix, lang in [("fract", "fr"), ("الكس", "ar"), ("1a", "fr"), ("mathé", "fr")]:
            assert (
                corpus_backend.suggest(prefix, lang=lang)[:1]
                == whoosh.suggest(prefix, lang=lang)[:1]
            )
            assert set(corpus_backend.suggest(prefix, lang=lang)) == set(
                whoosh.suggest(prefix, lang=lang)
            )
    finally:
        whoosh.close()
