"""Real-browser fixtures: the real app under waitress, driven by Debian's headless Chromium.

* ``live_server`` (session): the app built by :func:`portal.create_app` over a
  temporary home seeded with ``tests/portal/portal_corpus.py`` (published through
  the catalogue), served by waitress on 127.0.0.1 with a free port in a background
  thread. ``.url``, ``.app``, ``.corpus`` (name → id), ``.home``.
  With ``MAWARID_TEST_STACK=nginx`` (a CI job of ``bin/test``) the same corpus is served by
  the production stack instead: ``mawarid serve --workers 2`` (gunicorn) on PostgreSQL
  (``MAWARID_TEST_POSTGRES_URL``, a fresh database) and the OpenSearch cluster
  (``MAWARID_TEST_OPENSEARCH_URL``, a fresh alias), behind Debian's nginx over TLS with the
  files of ``deploy/nginx`` (:mod:`tests.support.stack`); ``.app`` is then an app of
  another process over the same database and index (for staff accounts).
* ``browser`` (session, from ``tests/conftest.py``): Playwright on ``/usr/bin/chromium``.
* ``page`` (function): a fresh context (French browser, 1280×900) and page;
  ``new_page(locale=..., viewport=...)`` for other set-ups.
* ``screenshot(page, name)``: saves ``test-artifacts/screenshots/<name>.png``.

Every test here is marked ``browser``; run them with ``pytest tests/browser -m browser``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import portal

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


def _load_corpus():
    # The corpus lives with the portal tests; load it by path (tests are not packages).
    spec = importlib.util.spec_from_file_location(
        "portal_corpus", REPO / "tests" / "portal" / "portal_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    app: Any
    corpus: dict[str, str]
    home: Path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if os.environ.get("MAWARID_TEST_STACK") == "nginx":
        yield from _production_stack(tmp_path_factory)
        return
    from waitress.server import create_server

    home = tmp_path_factory.mktemp("browser-home")
    corpus_module = _load_corpus()
    # TESTING off: the live server answers errors with pages, as in production.
    app = portal.create_app(corpus_module.settings_for(home, TESTING=False))
    corpus = corpus_module.seed(app.extensions["mawarid"])
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="mawarid-test")
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10):
        pass
    yield LiveServer(url=url, app=app, corpus=corpus, home=home)
    server.close()
    thread.join(timeout=5)
    app.extensions["mawarid"].close()


def _production_stack(tmp_path_factory):
    """gunicorn + PostgreSQL + the OpenSearch cluster behind nginx (see the module docstring)."""
    from tests.support.stack import Nginx, Portal, free_port, scratch_alias, scratch_database

    postgres = os.environ.get("MAWARID_TEST_POSTGRES_URL", "")
    opensearch = os.environ.get("MAWARID_TEST_OPENSEARCH_URL", "")
    if not postgres or not opensearch:
        pytest.fail("MAWARID_TEST_STACK=nginx needs MAWARID_TEST_POSTGRES_URL and _OPENSEARCH_URL")
    home = tmp_path_factory.mktemp("stack-home")
    corpus_module = _load_corpus()
    nginx_port = free_port()
    with scratch_database(postgres) as database, scratch_alias(opensearch) as search:
        settings = corpus_module.settings_for(
            home,
            TESTING=False,
            MAWARID_DATABASE_URL=database,
            MAWARID_SEARCH_URL=search,
            MAWARID_BASE_URL=f"https://127.0.0.1:{nginx_port}",
            MAWARID_SECURE_COOKIES="1",
            MAWARID_TRUSTED_PROXIES="1",
        )
        app = portal.create_app(settings)
        try:
            corpus = corpus_module.seed(app.extensions["mawarid"])
            env = {k: str(v) for k, v in settings.items() if k.startswith("MAWARID_")}
            env["MAWARID_SECRET_KEY"] = settings["SECRET_KEY"]
            backend = Portal(env, workers=2)
            try:
                front = Nginx(backend.port, port=nginx_port)
                # code of this process calling the portal (a harvest of its own OAI-PMH
                # endpoint) trusts the stack's throwaway certificate, as a browser told to
                previous = os.environ.get("REQUESTS_CA_BUNDLE")
                os.environ["REQUESTS_CA_BUNDLE"] = str(front.certificate)
                try:
                    yield LiveServer(url=front.url, app=app, corpus=corpus, home=home)
                finally:
                    if previous is None:
                        os.environ.pop("REQUESTS_CA_BUNDLE", None)
                    else:
                        os.environ["REQUESTS_CA_BUNDLE"] = previous
                    front.stop()
            finally:
                backend.stop()
        finally:
            app.extensions["mawarid"].close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(locale: str = "fr-FR", viewport: dict | None = None, **options):
        context = browser.new_context(
            locale=locale,
            base_url=live_server.url,
            ignore_https_errors=True,  # the production stack's throwaway certificate
            viewport=viewport or {"width": 1280, "height": 900},
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def staff_login():
    """``staff_login(page, username, password)``: through the console's login form."""

    def login(page, username: str, password: str) -> None:
        page.goto("/staff/login")
        page.locator("#username").fill(username)
        page.locator("#password").fill(password)
        page.locator("form[action='/staff/login'] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/staff/$"))

    return login


@pytest.fixture(scope="session")
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
