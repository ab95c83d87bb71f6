"""Fixtures of the catalogue tests: every store test runs on SQLite and on PostgreSQL
(``database_url``, see :mod:`tests.support.databases`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from catalogue_testdata import ACHAT, INDEXER, VALIDATOR, record

from catalogue.services import build_services
from core.clock import FrozenClock
from core.messages import use_language
from metadata_schemas.vocabularies import get_vocabularies
from tests.support.databases import (  # noqa: F401 - fixtures
    _postgres_server,
    _sqlite_template,
    database_url,
)
from tests.support.settings import settings_of


@pytest.fixture(autouse=True)
def _english():
    """Refusals read in English here (the ids of the messages); the CLI tests set their
    reader's language through LANG, and test_messages_i18n reads them in Arabic."""
    with use_language("en"):
        yield


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> dict:
    return {
        "MAWARID_HOME": str(tmp_path / "home"),
        "MAWARID_DATABASE_URL": database_url,
        "MAWARID_OAI_REPOSITORY_ID": "mawarid.test",
    }


@pytest.fixture
def clock() -> FrozenClock:
    """The catalogue's time: tests move it (``clock.advance(1)``), never sleep."""
    return FrozenClock()


@pytest.fixture
def services(settings, clock):
    svc = build_services(settings_of(settings), get_vocabularies(), clock=clock)
    yield svc
    svc.close()


@pytest.fixture
def resources(services):
    return services.resources


@pytest.fixture
def validated(resources):
    """A resource with an acquisition, submitted and found conforme."""
    view = resources.create_draft(INDEXER, record(), acquisition=ACHAT)
    resources.submit(INDEXER, view.id)
    return resources.decide(
        VALIDATOR, view.id, commission="validation", decision="conforme", reference="PV 3/2025"
    )


@pytest.fixture
def published(resources, validated):
    return resources.publish(INDEXER, validated.id)
