"""Fixtures of the harvester tests: a source Mawarid served over HTTP, a target Mawarid.

The source is a real app with published records (built as in ``tests/oai``),
served by waitress on 127.0.0.1; the target is a fresh app the harvester fills.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

OAI_TESTS = Path(__file__).resolve().parent.parent / "oai"
sys.path.insert(0, str(OAI_TESTS))

from oai_testdata import LiveServer, build_corpus  # noqa: E402
from oai_testdata import make_app as _make_app  # noqa: E402


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    app = _make_app(tmp_path_factory.mktemp("source"))
    runtime = app.extensions["mawarid"]
    corpus = build_corpus(runtime.resources, runtime.catalogue.db, 8)
    with LiveServer(app) as server:
        server.corpus = corpus
        yield server
    runtime.close()


@pytest.fixture
def target(tmp_path):
    app = _make_app(tmp_path / "target")
    yield app
    app.extensions["mawarid"].close()


@pytest.fixture
def make_partner():
    """Serve canned OAI-PMH responses: ``make_partner(lambda args: bytes)`` → base URL."""
    servers = []

    def start(responder):
        def wsgi(environ, start_response):
            from urllib.parse import parse_qsl

            args = dict(parse_qsl(environ.get("QUERY_STRING", "")))
            body = responder(args)
            start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
            return [body]

        server = LiveServer(wsgi).__enter__()
        servers.append(server)
        return server.url + "/oai"

    yield start
    for server in servers:
        server.__exit__(None, None, None)
