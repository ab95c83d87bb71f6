"""Relevance on real Elasticsearch/OpenSearch nodes: the SAME expectations as the Whoosh
backend (tests/support/search_relevance_contract.py), plus answers equal to Whoosh's on
every judged query (corrections, understood terms, empty states, totals)."""

from __future__ import annotations

import pytest

from indexer import SearchQuery, open_backend
from tests.support.relevance import harness
from tests.support.search_relevance_contract import *  # noqa: F403  (the shared expectations, collected here)


@pytest.fixture(scope="module")
def relevance_backends(make_backend):
    backends = {}
    for judged_set in harness.SETS:
        backend = make_backend(f"rel-{judged_set}")
        backend.rebuild(iter(harness.resources(harness.load_corpus(judged_set))))
        backends[judged_set] = backend
    return backends


@pytest.fixture(scope="module")
def relevance_engine(engine_url):
    return "opensearch" if engine_url.startswith("opensearch") else "elasticsearch"


def test_every_judged_query_is_answered_as_whoosh_answers_it(
    relevance_backends, vocabularies, tmp_path
):
    whoosh = open_backend(f"whoosh://{tmp_path / 'w'}", vocabularies)
    whoosh.rebuild(iter(harness.resources(harness.load_corpus("main"))))
    try:
        for query in harness.load_queries("main"):
            mine = relevance_backends["main"].search(SearchQuery(q=query["q"], size=5))
            theirs = whoosh.search(SearchQuery(q=query["q"], size=5))
            assert (
                mine.total,
                mine.corrected,
                mine.did_you_mean,
                mine.understood,
                mine.empty_reason,
                mine.relaxed,
            ) == (
                theirs.total,
                theirs.corrected,
                theirs.did_you_mean,
                theirs.understood,
                theirs.empty_reason,
                theirs.relaxed,
            ), query["q"]
    finally:
        whoosh.close()
