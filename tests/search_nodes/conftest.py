"""Fixtures: the fixed bilingual corpus of tests/indexer on REAL Elasticsearch and OpenSearch.

Start them with ``eval "$(bin/search-nodes start --cluster)"`` (3-node clusters, as CI
does; ``start`` alone gives single nodes, quicker, without the failover tests); the URLs
come from ``MAWARID_TEST_ELASTICSEARCH_URL`` and ``MAWARID_TEST_OPENSEARCH_URL``. Without a
URL the tests of that engine are skipped locally, and FAIL when ``CI`` is set. Every test
session uses its own alias (``<prefix>-s<random>``) and removes its indices at the end.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime
from pathlib import Path

import pytest

from indexer import IndexableResource, SearchQuery
from indexer.elastic import open_elastic
from metadata_schemas.record import load_record
from metadata_schemas.vocabularies import get_vocabularies

CORPUS = Path(__file__).resolve().parent.parent / "indexer" / "corpus.json"
ENGINES = {
    "elasticsearch": "MAWARID_TEST_ELASTICSEARCH_URL",
    "opensearch": "MAWARID_TEST_OPENSEARCH_URL",
}
SESSION = secrets.token_hex(3)


def _resource(item: dict) -> IndexableResource:
    published = datetime.fromisoformat(item["published_at"].replace("Z", "+00:00"))
    return IndexableResource(
        id=item["id"],
        record=load_record(item["record"], record=item["id"]),
        acquisition_mode=item["acquisition_mode"],
        published_at=published,
        updated_at=published,
    )


@pytest.fixture(scope="session")
def vocabularies():
    return get_vocabularies()


@pytest.fixture(scope="session")
def corpus() -> list[IndexableResource]:
    return [_resource(item) for item in json.loads(CORPUS.read_text("utf-8"))["resources"]]


@pytest.fixture(scope="session", params=list(ENGINES))
def engine_url(request) -> str:
    variable = ENGINES[request.param]
    url = os.environ.get(variable, "").strip()
    if not url:
        message = (
            f"{variable} is not set: start the nodes with 'eval \"$(bin/search-nodes start)\"'"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI must test {request.param} on a real node: {message}")
        pytest.skip(message)
    return url.rstrip("/")


@pytest.fixture(scope="session")
def make_backend(engine_url, vocabularies):
    """``make_backend(name) -> ElasticBackend`` on a fresh alias of this session."""
    made = []

    def make(name: str = "t"):
        backend = open_elastic(
            f"{engine_url}-{SESSION}-{name}-{secrets.token_hex(2)}", vocabularies
        )
        made.append(backend)
        return backend

    yield make
    for backend in made:
        try:
            for index in backend.client.indices(f"{backend.alias}-*"):
                backend.client.delete_index(index)
        finally:
            backend.close()


@pytest.fixture(scope="session")
def corpus_backend(make_backend, corpus):
    backend = make_backend("corpus")
    assert backend.rebuild(iter(corpus), total=len(corpus)) == len(corpus)
    return backend


@pytest.fixture
def backend(make_backend):
    return make_backend()


@pytest.fixture
def search(corpus_backend):
    def run(q: str = "", **kwargs):
        kwargs.setdefault("size", 50)
        return corpus_backend.search(SearchQuery(q=q, **kwargs))

    return run


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}
