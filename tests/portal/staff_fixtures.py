"""Fixtures of the staff console tests: a real app (SQLite + Whoosh in a temporary home),
real accounts, a client that logs in and sends CSRF tokens like a browser does.

The app is built here rather than taken from the portal's ``conftest.py`` so that
these tests always run with CSRF and the login rate limit switched ON, whatever
conveniences other areas choose for their own tests.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal import create_app

PASSWORDS = {
    "idx": "indexer-password-1",
    "val": "validator-password-1",
    "val2": "validator-password-2",
    "adm": "admin-password-1",
}
USERS = {
    # username: (roles, commissions)
    "idx": (["indexer"], []),
    "val": (["validator"], ["validation"]),
    "val2": (["validator"], ["appel-offres"]),  # a validator, but not on the validation commission
    "adm": (["admin"], []),
}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def build_app(home: Path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "staff-tests-secret",
        "MAWARID_HOME": str(home),
        "MAWARID_DATABASE_URL": f"sqlite:///{home / 'mawarid.sqlite3'}",
        "MAWARID_SEARCH_URL": f"whoosh://{home / 'index'}",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
    }
    config.update(overrides)
    return create_app(config)


def _app_with_users(home: Path):
    app = build_app(home)
    accounts = app.extensions["mawarid"].accounts
    for name, (roles, commissions) in USERS.items():
        accounts.create_user(
            name, PASSWORDS[name], display_name=f"User {name}", roles=roles, commissions=commissions
        )
    return app


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory):
    """One app per test module (argon2 hashing is deliberately slow): tests create their
    own resources and never change the shared accounts (they create their own)."""
    app = _app_with_users(tmp_path_factory.mktemp("staff-home"))
    yield app
    app.extensions["mawarid"].close()


@pytest.fixture
def fresh_app(tmp_path):
    """An app of its own, for tests that count (rate limits) or change accounts."""
    app = _app_with_users(tmp_path / "home")
    yield app
    app.extensions["mawarid"].close()


@pytest.fixture
def runtime(staff_app):
    return staff_app.extensions["mawarid"]


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@dataclass
class StaffClient:
    """A test client that behaves like a browser on the console."""

    client: object

    def login(self, username: str, password: str | None = None):
        page = self.client.get("/staff/login")
        return self.client.post(
            "/staff/login",
            data={
                "username": username,
                "password": password or PASSWORDS[username],
                "csrf_token": csrf_token(page.get_data(as_text=True)),
            },
        )

    def token(self) -> str:
        return csrf_token(self.client.get("/staff/login").get_data(as_text=True))

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, *, token: bool = True, **kwargs):
        data = dict(data or {})
        if token and "csrf_token" not in data:
            data["csrf_token"] = self.token()
        return self.client.post(url, data=data, **kwargs)

    def text(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)


@pytest.fixture
def staff_client(staff_app):
    return StaffClient(staff_app.test_client())


def logged_in(app, username: str) -> StaffClient:
    """A client with the session a successful login leaves (the login form itself is
    tested in test_staff_login.py; skipping it here saves an argon2 verification)."""
    client = StaffClient(app.test_client())
    with client.client.session_transaction() as session:
        session["staff_user"] = username
        session["staff_since"] = int(time.time())
    return client


@pytest.fixture
def as_user(staff_app):
    """``as_user("idx")`` → a StaffClient logged in as ``idx``."""
    return lambda username: logged_in(staff_app, username)


def record_form(**overrides) -> dict:
    """Form fields of a valid record (French and Arabic titles, levels, subjects…)."""
    data = {
        "title_fr": "Les fractions au collège",
        "title_ar": "الكسور في الإعدادي",
        "description_fr": "Une leçon vidéo sur les fractions.",
        "description_ar": "درس مصور حول الكسور.",
        "keywords_fr": "fraction\nnumérateur",
        "keywords_ar": "كسر",
        "languages": ["fr", "ar"],
        "levels": ["1ac"],
        "subjects": ["mathematiques"],
        "learning_resource_type": ["video-lesson"],
        "interactivity_type": "expositive",
        "intended_end_user_role": ["learner"],
        "context": ["school"],
        "difficulty": "medium",
        "typical_age_range": "12-13",
        "typical_learning_time": "PT30M",
        "format": "video/mp4",
        "location": "https://example.org/fractions.mp4",
        "size": "123456",
        "duration": "PT12M",
        "licence": "cc-by-sa-4.0",
        "cost": "no",
        "copyright": "yes",
        "contributors-0-role": "author",
        "contributors-0-entity": "Amina Benali; Youssef Alaoui",
        "contributors-0-date": "2024-05-01",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def created_id(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    match = re.search(r"/staff/resources/([^/?#]+)$", location)
    assert match, location
    return match.group(1)
