"""Fixtures of the OAI-PMH tests: one app with a small published catalogue per session.

The catalogue is built through the real services (create → submit → decide →
publish, and withdraw); tests that change it build their own app
(:func:`make_app`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oai_testdata import OAIClient, build_corpus, make_app, runtime_of

#: 23 published, 2 of them then withdrawn; pages of 5 (ListRecords) and 7 (ListIdentifiers).
CORPUS_SIZE = 23


@pytest.fixture(scope="session")
def oai_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("oai-home"))
    runtime = runtime_of(app)
    corpus = build_corpus(runtime.resources, runtime.catalogue.db, CORPUS_SIZE)
    app.config["CORPUS"] = corpus
    yield app
    runtime.close()


@pytest.fixture(scope="session")
def corpus(oai_app):
    return oai_app.config["CORPUS"]


@pytest.fixture
def oai(oai_app):
    return OAIClient(oai_app.test_client())


@pytest.fixture
def provider(oai_app):
    from portal.oai.views import get_provider

    with oai_app.app_context():
        return get_provider()
