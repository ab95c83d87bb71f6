"""Staff sessions end when they should: logout (a replayed cookie opens nothing), a new
password, a deactivation or a role taken away (every session of the account, at once),
idle and absolute timeouts; per-account lockout with back-off; known passwords refused.

Time is the instance's :class:`core.clock.FrozenClock`: tests move it, never sleep.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from staff_fixtures import PASSWORDS, USERS, StaffClient, build_app  # noqa: F401

from core.clock import FrozenClock
from core.settings import Settings
from mawarid.runtime import build_runtime
from portal import create_app


@pytest.fixture
def clocked(tmp_path):
    """An app on a frozen clock, with the staff accounts of staff_fixtures."""
    home = tmp_path / "home"
    config = {
        "TESTING": True,
        "SECRET_KEY": "session-tests-secret",
        "MAWARID_HOME": str(home),
        "MAWARID_STAFF_SESSION_IDLE": "600",
        "MAWARID_STAFF_SESSION_MAX_AGE": "3600",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
    }
    clock = FrozenClock()
    settings = Settings.from_environment(
        {}, **{k: v for k, v in config.items() if k.startswith("MAWARID_")}
    )
    runtime = build_runtime(settings, clock=clock)
    runtime.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    for name, (roles, commissions) in USERS.items():
        runtime.accounts.create_user(name, PASSWORDS[name], roles=roles, commissions=commissions)
    app = create_app(config, runtime=runtime)
    yield app, clock
    runtime.close()


def logged_in_client(app, username: str) -> StaffClient:
    client = StaffClient(app.test_client())
    assert client.login(username).status_code == 302
    return client


def cookie_of(client: StaffClient) -> str:
    cookie = client.client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/staff/")


def test_a_cookie_replayed_after_logout_opens_nothing(clocked):
    app, _clock = clocked
    client = logged_in_client(app, "adm")
    stolen = cookie_of(client)
    assert replay(app, stolen).status_code == 200  # the cookie works while logged in
    elsewhere = logged_in_client(app, "adm")  # the same person on another device
    assert client.post("/staff/logout").status_code == 302
    again = replay(app, stolen)
    assert again.status_code == 302 and "/staff/login" in again.headers["Location"]
    # Logging out ends every session of the account, the other device's too.
    assert elsewhere.get("/staff/").status_code == 302
    assert logged_in_client(app, "adm").get("/staff/").status_code == 200  # a new login works


@pytest.mark.parametrize(
    "change",
    [
        lambda accounts: accounts.set_password("idx", "une phrase de passe toute neuve"),
        lambda accounts: accounts.set_active("idx", False),
        lambda accounts: accounts.set_roles("idx", ["validator"], ["validation"]),
    ],
    ids=["new password", "deactivated", "role taken away"],
)
def test_account_changes_end_every_session_at_once(clocked, change):
    app, _clock = clocked
    client = logged_in_client(app, "idx")
    assert client.get("/staff/").status_code == 200
    change(app.extensions["mawarid"].accounts)
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_role_given_applies_without_ending_the_session(clocked):
    app, _clock = clocked
    client = logged_in_client(app, "idx")
    assert client.get("/staff/users").status_code == 403
    app.extensions["mawarid"].accounts.set_roles("idx", ["indexer", "admin"])
    assert client.get("/staff/users").status_code == 200


def test_idle_and_absolute_timeouts(clocked):
    app, clock = clocked
    client = logged_in_client(app, "adm")
    clock.advance(590)
    assert client.get("/staff/").status_code == 200  # activity within the idle window
    clock.advance(590)
    assert client.get("/staff/").status_code == 200  # … which that request renewed
    clock.advance(601)
    assert client.get("/staff/").status_code == 302  # idle for too long

    client = logged_in_client(app, "adm")
    for _ in range(7):  # active every 500 s: alive at 3,500 s …
        clock.advance(500)
        assert client.get("/staff/").status_code == 200
    clock.advance(500)  # … but an hour is the most a session lasts, however active
    last = client.get("/staff/")
    assert last.status_code == 302 and "/staff/login" in last.headers["Location"]


def test_failed_logins_lock_the_name_with_back_off(clocked):
    app, clock = clocked
    client = StaffClient(app.test_client())
    for _ in range(5):
        assert client.login("idx", "not the password").status_code == 401
    locked = client.login("idx")  # the right password waits too
    assert locked.status_code == 429
    assert "réessayez dans 1 minute." in locked.get_data(as_text=True)
    # An unknown name is answered alike: the lockout tells nothing about which names exist.
    for _ in range(5):
        client.login("nobody-here", "not the password")
    assert client.login("nobody-here", "still not").status_code == 429
    clock.advance(61)
    assert client.login("idx", "wrong again").status_code == 401  # 6th failure: 2 minutes
    clock.advance(61)
    assert client.login("idx").status_code == 429
    clock.advance(61)
    assert client.login("idx").status_code == 302  # the right password, after the wait
    other = StaffClient(app.test_client())
    assert other.login("idx", "one wrong").status_code == 401  # the count started again


def test_known_passwords_are_refused_when_an_account_is_created(clocked):
    app, _clock = clocked
    adm = logged_in_client(app, "adm")
    for password in ("password1234", "Azerty123456!", "Bibliothèque2024"):
        response = adm.post(
            "/staff/users",
            {
                "username": "nadia.idrissi",
                "display_name": "Nadia Idrissi",
                "password": password,
                "confirm": password,
                "roles": ["indexer"],
            },
        )
        assert response.status_code == 422
        assert "ce mot de passe est connu des attaquants" in response.get_data(as_text=True)
    accounts = app.extensions["mawarid"].accounts
    assert "nadia.idrissi" not in {u.username for u in accounts.list()}
