"""Fixtures of the diffusion tests: a real catalogue database (SQLite) with published
resources, the diffusion services built on it as the runtime builds them, and the real
portal app on a copy of the same data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from diffusion_testdata import seed_corpus, settings_for

from catalogue.services import build_services as build_catalogue
from diffusion.services import build_services as build_diffusion
from indexer import open_backend
from mawarid.index_sync import IndexSync
from metadata_schemas.vocabularies import get_vocabularies
from tests.support.settings import settings_of


@pytest.fixture(scope="session")
def _template_home(tmp_path_factory) -> Path:
    """Migrating and publishing take most of a test's time: done once, then copied."""
    home = tmp_path_factory.mktemp("diffusion-template") / "home"
    svc = build_catalogue(settings_of(settings_for(home)), get_vocabularies())
    seed_corpus(svc.resources)
    svc.close()
    return home


@pytest.fixture
def settings(tmp_path: Path, _template_home: Path) -> dict:
    home = tmp_path / "home"
    shutil.copytree(_template_home, home)
    return settings_for(home)


@pytest.fixture
def catalogue(settings):
    svc = build_catalogue(settings_of(settings), get_vocabularies())
    yield svc
    svc.close()


@pytest.fixture
def corpus(catalogue):
    return ["res-fractions", "res-equations", "res-lumiere"]


@pytest.fixture
def diffusion(settings, catalogue):
    svc = build_diffusion(settings_of(settings), catalogue, None, get_vocabularies())
    yield svc
    svc.close()


@pytest.fixture
def search(settings, catalogue):
    """The real Whoosh backend, holding the published corpus (rebuilt as ``mawarid reindex``
    does, through the index journal's drainer)."""
    backend = open_backend(
        f"whoosh://{Path(settings['MAWARID_HOME']) / 'index'}", get_vocabularies()
    )
    IndexSync(catalogue.journal, catalogue.resources, backend).rebuild()
    yield backend
    backend.close()


@pytest.fixture
def diffusion_search(settings, catalogue, search):
    svc = build_diffusion(
        settings_of({**settings, "MAWARID_BUNDLE_DOCUMENT_TYPES": "fiche-production"}),
        catalogue,
        search,
        get_vocabularies(),
    )
    yield svc
    svc.close()


@pytest.fixture
def app(tmp_path: Path, _template_home: Path):
    """The real portal (``portal.create_app``) on a copy of the seeded instance."""
    portal = pytest.importorskip("portal")
    home = tmp_path / "apphome"
    shutil.copytree(_template_home, home)
    app = portal.create_app(
        {
            "MAWARID_HOME": str(home),
            "TESTING": True,
            "SECRET_KEY": "portal-test-key",
            "MAWARID_DATABASE_URL": f"sqlite:///{home / 'm.sqlite3'}",
            "MAWARID_SEARCH_URL": f"whoosh://{home / 'index'}",
            # The writer runs on demand only (dashboards flush first), so these tests never
            # race the catalogue's own write transactions on SQLite.
            "MAWARID_USAGE_FLUSH_SECONDS": 3600,
        }
    )
    yield app
    app.extensions["mawarid"].close()
