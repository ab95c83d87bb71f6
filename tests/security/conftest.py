"""Fixtures of the cross-cutting security tests.

A home folder is seeded once per session through the real catalogue lifecycle
(create_draft → submit → decide "conforme" → publish) with synthetic records,
one published record carrying an XSS payload in its title and description, a
draft and a withdrawn record. Tests that may write get a fresh copy of it.
CSRF and rate limits stay at their production defaults (on).
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from security_support import CURATOR, XSS, make_app

from metadata_schemas.synthetic import generate_dataset
from tests.support.records import complete


def _publish(resources, record, acquisition, reference):
    view = resources.create_draft(CURATOR, complete(record), acquisition=acquisition)
    resources.submit(CURATOR, view.id)
    resources.decide(
        CURATOR, view.id, commission="validation", decision="conforme", reference=reference
    )
    resources.publish(CURATOR, view.id)
    return view.id


def seed(runtime) -> dict[str, object]:
    resources = runtime.resources
    pairs = list(generate_dataset(7, seed="security"))
    published = []
    for n, (record, acquisition) in enumerate(pairs[:5]):
        published.append(_publish(resources, record, acquisition, f"PV {n + 1}/2025"))
    # A published record whose visible texts are hostile: stored XSS must come out escaped.
    hostile = copy.deepcopy(pairs[0][0])
    hostile["general"]["title"] = {"fr": f"Titre {XSS}", "ar": f"عنوان {XSS}"}
    hostile["general"]["description"] = {"fr": f"Description {XSS} \u202e fin"}
    hostile["general"].pop("identifier", None)
    xss_id = _publish(resources, hostile, pairs[0][1], "PV 99/2025")
    draft = resources.create_draft(CURATOR, pairs[5][0], acquisition=pairs[5][1]).id
    withdrawn = _publish(resources, pairs[6][0], pairs[6][1], "PV 77/2025")
    resources.withdraw(CURATOR, withdrawn, reason="doublon")
    return {"published": published, "xss": xss_id, "draft": draft, "withdrawn": withdrawn}


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory) -> tuple[Path, dict]:
    home = tmp_path_factory.mktemp("security-template")
    app = make_app(home)
    try:
        ids = seed(app.extensions["mawarid"])
    finally:
        app.extensions["mawarid"].close()
    return home, ids


@pytest.fixture(scope="session")
def ids(seeded_home) -> dict:
    return seeded_home[1]


@pytest.fixture
def fresh_app(seeded_home, tmp_path):
    """An app over a private copy of the seeded home (tests may write)."""
    home = tmp_path / "home"
    shutil.copytree(seeded_home[0], home)
    app = make_app(home)
    yield app
    app.extensions["mawarid"].close()


@pytest.fixture(scope="session")
def shared_app(seeded_home, tmp_path_factory):
    """One app for read-only tests (crawls, fuzzing): never change data through it."""
    home = tmp_path_factory.mktemp("security-shared") / "home"
    shutil.copytree(seeded_home[0], home)
    app = make_app(home)
    yield app
    app.extensions["mawarid"].close()


@pytest.fixture
def client(shared_app):
    return shared_app.test_client()


@pytest.fixture(scope="session")
def staff_user(shared_app) -> str:
    """An admin (also indexer and validator) account on the shared app."""
    shared_app.extensions["mawarid"].accounts.create_user(
        "sec-admin",
        "ifrane lake pines 15",
        display_name="Security admin",
        roles=["admin", "indexer", "validator"],
        commissions=["validation"],
    )
    return "sec-admin"


@pytest.fixture
def staff_client(shared_app, staff_user):
    """A client holding the session a successful staff login leaves."""
    import time

    from portal.auth import session_values

    epoch = shared_app.extensions["mawarid"].accounts.get(staff_user).session_epoch
    client = shared_app.test_client()
    with client.session_transaction() as session:
        session.update(session_values(staff_user, epoch, int(time.time())))
    return client
