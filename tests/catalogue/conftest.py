"""Fixtures of the catalogue tests: every store test runs on SQLite and on PostgreSQL
(the database fixtures are shared with the intake's tests: :mod:`tests.support.catalogue_db`).
"""

from __future__ import annotations

import pytest
from catalogue_testdata import ACHAT, INDEXER, VALIDATOR, record

from tests.support.catalogue_db import (  # noqa: F401 - fixtures
    _postgres_server,
    _sqlite_template,
    database_url,
    resources,
    services,
    settings,
)


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
