"""Rate limits count across processes: in the database by default, in Redis when configured.

Two apps over the same database stand for two worker processes (or two servers): a client
that spends its login attempts on one is refused by the other. Redis is a real
``redis-server`` (``MAWARID_TEST_REDIS_URL``, started by ``bin/test``): without it the Redis
tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from portal_corpus import close_app, settings_for

import portal
from catalogue.services import RateLimitCounters
from core.clock import FrozenClock

LIMIT = "3/minute"


def _attempt(app, ip: str = "198.51.100.7") -> int:
    client = app.test_client()
    response = client.post(
        "/staff/login",
        data={"username": "nobody", "password": "wrong"},
        environ_base={"REMOTE_ADDR": ip},
    )
    return response.status_code


@pytest.fixture
def twin_apps(seeded_home, tmp_path):
    """``twins(extra) -> (app, app)``: two apps over one copy of the seeded home."""
    made = []

    def twins(extra: dict | None = None):
        home = tmp_path / "shared"
        if not home.exists():
            shutil.copytree(seeded_home[0], home)
        settings = settings_for(
            home,
            MAWARID_LOGIN_RATE_LIMIT=LIMIT,
            RATELIMIT_ENABLED=True,
            WTF_CSRF_ENABLED=False,
            **(extra or {}),
        )
        pair = (portal.create_app(settings), portal.create_app(settings))
        made.extend(pair)
        return pair

    yield twins
    for app in made:
        close_app(app)


def test_the_database_counts_for_every_process(twin_apps):
    first, second = twin_apps()
    assert [_attempt(first), _attempt(second), _attempt(first)] == [401, 401, 401]
    assert _attempt(second) == 429  # the fourth attempt, whichever process gets it
    assert _attempt(first) == 429
    assert _attempt(first, ip="198.51.100.8") == 401  # another client has its own count


def test_database_windows_open_count_and_end(seeded_home, tmp_path):
    home = tmp_path / "h"
    shutil.copytree(seeded_home[0], home)
    app = portal.create_app(settings_for(home))
    try:
        clock = FrozenClock()
        counters = RateLimitCounters(app.extensions["mawarid"].catalogue.db, clock=clock)
        assert [counters.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        assert counters.get("k") == 3
        assert counters.get_expiry("k") == clock.now().timestamp() + 60
        clock.advance(61)  # the window ended: the next hit opens a new one
        assert counters.get("k") == 0 and counters.incr("k", 60, amount=2) == 2
        counters.clear("k")
        assert counters.get("k") == 0 and counters.incr("other", 10) == 1
        assert counters.reset() == 1 and counters.check()
    finally:
        close_app(app)


def _redis_url() -> str:
    url = os.environ.get("MAWARID_TEST_REDIS_URL", "")
    if not url:
        message = "MAWARID_TEST_REDIS_URL is not set (bin/test starts redis-server)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test Redis rate limits: {message}")
        pytest.skip(message)
    return url


def test_redis_counts_for_every_process(twin_apps):
    first, second = twin_apps({"MAWARID_RATE_LIMIT_STORAGE_URL": _redis_url()})
    storage = first.extensions["mawarid_rate_limits"]
    assert type(storage).__name__ == "RedisStorage"
    storage.reset()
    assert [_attempt(first), _attempt(second), _attempt(second)] == [401, 401, 401]
    assert _attempt(first) == 429 and _attempt(second) == 429
    storage.reset()


def test_logins_stay_possible_and_limited_when_redis_is_down(twin_apps):
    _redis_url()  # the same set-up as production, with Redis gone
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    first, _second = twin_apps({"MAWARID_RATE_LIMIT_STORAGE_URL": f"redis://127.0.0.1:{port}/0"})
    # counted in this process's memory meanwhile: neither a 500 nor an open door
    assert [_attempt(first) for _ in range(3)] == [401, 401, 401]
    assert _attempt(first) == 429
