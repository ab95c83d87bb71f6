"""Fixtures of the portal tests (public pages, JSON API, staff console).

The real services run everywhere (SQLite catalogue, Whoosh index, diffusion);
nothing is stubbed. The corpus (``portal_corpus.py``) is published once per
session through the catalogue's lifecycle into a template home; then:

* ``app`` / ``client`` / ``runner`` — a *fresh copy* of that home per test:
  tests may write (staff actions, usage events) without disturbing each other.
  Extra settings: parametrize indirectly or use ``make_app({...})``.
* ``public_app`` / ``public_client`` — one shared app per session, for
  read-only tests (much faster); never change data through it.
* ``corpus`` — ``{name: resource id}`` of the seeded resources (same ids in
  every copy); ``EXPECTED`` counts are in ``portal_corpus``.

``portal_corpus.settings_for(home)`` gives the config mapping pointing every
store at ``home`` (the environment's ``MAWARID_*`` variables are never used).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import portal_corpus
import pytest
from portal_corpus import close_app, settings_for

import portal
from tests.support.cli import cli_runner


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A home folder with the corpus published (database + index), built once."""
    home = tmp_path_factory.mktemp("portal-template")
    app = portal.create_app(settings_for(home))
    try:
        ids = portal_corpus.seed(app.extensions["mawarid"])
    finally:
        close_app(app)
    return home, ids


@pytest.fixture(scope="session")
def corpus(seeded_home) -> dict[str, str]:
    return dict(seeded_home[1])


@pytest.fixture
def make_app(seeded_home, tmp_path) -> Iterator[Callable[..., Any]]:
    """``make_app(extra_settings=None)``: an app over a fresh copy of the seeded home."""
    apps = []

    def make(extra: Mapping[str, Any] | None = None):
        home = tmp_path / f"home{len(apps)}"
        shutil.copytree(seeded_home[0], home)
        app = portal.create_app(settings_for(home, **dict(extra or {})))
        apps.append(app)
        return app

    yield make
    for app in apps:
        close_app(app)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return cli_runner(app)


@pytest.fixture(scope="session")
def public_app(seeded_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("portal-public") / "home"
    shutil.copytree(seeded_home[0], home)
    app = portal.create_app(settings_for(home))
    yield app
    close_app(app)


@pytest.fixture
def public_client(public_app):
    return public_app.test_client()
