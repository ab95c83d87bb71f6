"""Fixtures of the harvester tests: a partner Mawarid served over HTTP, a harvesting Mawarid.

The partner is a real app with published records (built as in ``tests/oai``), served by
waitress on 127.0.0.1; the harvesting instance is a fresh app whose sources follow it.
``recorded_partner`` serves canned OAI-PMH answers (a tiny real HTTP server) for the
behaviours a Mawarid partner never shows: day granularity, 503, garbage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

OAI_TESTS = Path(__file__).resolve().parent.parent / "oai"
sys.path.insert(0, str(OAI_TESTS))

from mini_provider import MiniProvider  # noqa: E402
from oai_testdata import LiveServer, build_corpus  # noqa: E402
from oai_testdata import make_app as _make_app  # noqa: E402


@pytest.fixture
def partner(tmp_path):
    app = _make_app(tmp_path / "partner")
    runtime = app.extensions["mawarid"]
    corpus = build_corpus(runtime.resources, runtime.catalogue.db, 8)
    with LiveServer(app) as server:
        server.corpus = corpus
        server.runtime = runtime
        server.oai = server.url + "/oai"
        yield server
    runtime.close()


@pytest.fixture
def target(tmp_path):
    app = _make_app(tmp_path / "target", MAWARID_OAI_REPOSITORY_ID="harvester.test.ma")
    yield app
    app.extensions["mawarid"].close()


@pytest.fixture
def mini():
    """A tiny OAI-PMH provider (:mod:`mini_provider`) served on 127.0.0.1."""
    provider = MiniProvider()
    server = LiveServer(provider).__enter__()
    provider.base = server.url + "/oai"
    yield provider
    server.__exit__(None, None, None)


@pytest.fixture
def recorded_partner():
    """Serve answers of ``responder(args, request_number) -> (status, headers, body)``."""
    servers = []

    def start(responder):
        calls = []

        def wsgi(environ, start_response):
            from urllib.parse import parse_qsl

            args = dict(parse_qsl(environ.get("QUERY_STRING", "")))
            calls.append(args)
            status, headers, body = responder(args, len(calls))
            start_response(status, headers)
            return [body]

        server = LiveServer(wsgi).__enter__()
        server.calls = calls
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)
