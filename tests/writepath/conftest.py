"""Fixtures of the write-path tests: a whole instance (catalogue + search index + journal)
on every combination the project supports — SQLite and PostgreSQL, Whoosh,
Elasticsearch and OpenSearch (real nodes, ``source /work/devsrv/search.env`` or
``bin/search-nodes start``; without a node URL its variants are skipped locally and FAIL
when ``CI`` is set)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from argon2 import PasswordHasher

from core.clock import FrozenClock
from mawarid.runtime import Runtime, build_runtime
from tests.support.catalogue_db import (  # noqa: F401 - fixtures
    _postgres_server,
    _sqlite_template,
    database_url,
)
from tests.support.settings import settings_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "catalogue"))

ENGINES = {
    "whoosh": None,
    "elasticsearch": "MAWARID_TEST_ELASTICSEARCH_URL",
    "opensearch": "MAWARID_TEST_OPENSEARCH_URL",
}


def engine_url(engine: str, tmp_path: Path) -> str:
    variable = ENGINES[engine]
    if variable is None:
        return f"whoosh://{tmp_path / 'index'}"
    url = os.environ.get(variable, "").strip().rstrip("/")
    if not url:
        message = f"{variable} is not set: source /work/devsrv/search.env or bin/search-nodes"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test {engine} on a real node: {message}")
        pytest.skip(message)
    return f"{url}-w{secrets.token_hex(4)}"


def drop_alias(search_url: str) -> None:
    """Remove the indices a test made behind its alias (a real node is shared)."""
    if search_url.startswith("whoosh:"):
        return
    parts = urlsplit(search_url)
    # A cluster URL names every node (host:port,host:port): any of them answers.
    base = "http://" + parts.netloc.split(",")[0]
    alias = parts.path.strip("/")
    listing = requests.get(f"{base}/_cat/indices/{alias}-*?format=json", timeout=30)
    for row in listing.json() if listing.ok else []:
        requests.delete(f"{base}/{row['index']}", timeout=30)


@pytest.fixture(params=list(ENGINES))
def engine(request) -> str:
    return request.param


@pytest.fixture
def instance(database_url, engine, tmp_path) -> Iterator[Callable[..., Runtime]]:
    """``instance(**settings) -> Runtime`` on this test's database and search engine;
    every runtime made is closed (and the engine's indices dropped) at the end."""
    search_url = engine_url(engine, tmp_path)
    made: list[Runtime] = []
    config: dict[str, Any] = {
        "MAWARID_HOME": str(tmp_path / "home"),
        "MAWARID_DATABASE_URL": database_url,
        "MAWARID_SEARCH_URL": search_url,
        "MAWARID_OAI_REPOSITORY_ID": "mawarid.test",
        "MAWARID_INGEST_PROCS": "1",
    }

    def make(**overrides: Any) -> Runtime:
        runtime = build_runtime(settings_of({**config, **overrides}), clock=FrozenClock())
        runtime.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        made.append(runtime)
        return runtime

    make.config = config  # type: ignore[attr-defined]
    yield make
    for runtime in made:
        runtime.close()
    drop_alias(search_url)
