"""Fixtures of the indexer tests: the real vocabularies, the fixed corpus, backends in tmp dirs."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from indexer import IndexableResource, SearchQuery, open_backend
from metadata_schemas.record import load_record
from metadata_schemas.vocabularies import get_vocabularies

CORPUS = Path(__file__).with_name("corpus.json")


def _resource(item: dict) -> IndexableResource:
    published = datetime.fromisoformat(item["published_at"].replace("Z", "+00:00"))
    return IndexableResource(id=item["id"], record=load_record(item["record"], record=item["id"]),
                             acquisition_mode=item["acquisition_mode"], published_at=published,
                             updated_at=published)


@pytest.fixture(scope="session")
def vocabularies():
    return get_vocabularies()


@pytest.fixture(scope="session")
def corpus() -> list[IndexableResource]:
    return [_resource(item) for item in json.loads(CORPUS.read_text("utf-8"))["resources"]]


@pytest.fixture(scope="session")
def corpus_backend(tmp_path_factory, vocabularies, corpus):
    """The corpus indexed once (read-only tests share it)."""
    backend = open_backend(f"whoosh://{tmp_path_factory.mktemp('corpus-index')}", vocabularies)
    backend.rebuild(iter(corpus), total=len(corpus))
    yield backend
    backend.close()


@pytest.fixture
def backend(tmp_path, vocabularies):
    b = open_backend(f"whoosh://{tmp_path / 'index'}", vocabularies)
    yield b
    b.close()


@pytest.fixture
def search(corpus_backend):
    """``search(q, **kwargs) -> SearchResult`` over the corpus."""
    def run(q: str = "", **kwargs):
        kwargs.setdefault("size", 50)
        return corpus_backend.search(SearchQuery(q=q, **kwargs))
    return run


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}
