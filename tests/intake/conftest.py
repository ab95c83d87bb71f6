"""Fixtures of the intake tests: the corpus, an English reader, the catalogue on SQLite and
PostgreSQL (the catalogue's own database fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.messages import use_language
from tests.support.catalogue_db import (  # noqa: F401 - fixtures
    _postgres_server,
    _sqlite_template,
    database_url,
    resources,
    services,
    settings,
)

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, the language of the message ids."""
    with use_language("en"):
        yield


@pytest.fixture
def corpus() -> Path:
    return CORPUS
