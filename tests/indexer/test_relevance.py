"""Relevance of the Whoosh backend on the judged sets of bench/relevance.py: the shared
expectations of tests/support/search_relevance_contract.py run here against Whoosh."""

from __future__ import annotations

import pytest

from indexer import open_backend
from tests.support.relevance import harness
from tests.support.search_relevance_contract import *  # noqa: F403  (the shared expectations, collected here)


@pytest.fixture(scope="module")
def relevance_backends(tmp_path_factory, vocabularies):
    backends = {}
    for judged_set in harness.SETS:
        folder = tmp_path_factory.mktemp(f"relevance-{judged_set}")
        backend = open_backend(f"whoosh://{folder}", vocabularies)
        backend.rebuild(iter(harness.resources(harness.load_corpus(judged_set))))
        backends[judged_set] = backend
    yield backends
    for backend in backends.values():
        backend.close()


@pytest.fixture(scope="module")
def relevance_engine():
    return "whoosh"
