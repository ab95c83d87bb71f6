"""``mawarid serve --workers 2``: real gunicorn worker processes over one home.

Checked from outside, as a client and as an operator would: the workers are separate
processes that share rate limits (in the database), see each other's publications in the
index, answer while hundreds of idle or half-sent connections are open, add their metrics
up, and write their queued usage events when they stop.
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import socket
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import portal
from catalogue.services import SYSTEM
from tests.portal.portal_corpus import close_app, seed, settings_for
from tests.support.stack import Portal, fetch


def _get(url: str, *, data: bytes | None = None, timeout: float = 10) -> tuple[int, bytes]:
    status, body, _headers = fetch(url, data=data, timeout=timeout)
    return status, body


def _settings(home: Path) -> dict[str, str]:
    settings = settings_for(home, MAWARID_LOGIN_RATE_LIMIT="3/minute")
    env = {k: str(v) for k, v in settings.items() if k.startswith("MAWARID_")}
    env["MAWARID_SECRET_KEY"] = settings["SECRET_KEY"]
    return env


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("serve-home")
    app = portal.create_app(settings_for(home))
    try:
        ids = seed(app.extensions["mawarid"])
    finally:
        close_app(app)
    return home, ids


@pytest.fixture(scope="module")
def server(home):
    running = Portal(_settings(home[0]), workers=2)
    yield running
    running.stop()


def test_workers_are_separate_processes_behind_one_address(server):
    workers = server.workers()
    assert len(workers) == 2 and server.process.pid not in workers
    status, body = _get(server.url + "/api/search?q=fractions")
    assert status == 200 and json.loads(body)["total"] >= 1


def test_rate_limits_are_shared_by_the_workers(server):
    def attempt(_n: int) -> int:
        """One visitor's login attempt: the form (its CSRF token), then a wrong password."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(server.url + "/staff/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, "no CSRF token on the login form"
        form = urllib.parse.urlencode(
            {"csrf_token": token.group(1), "username": "nobody", "password": "wrong"}
        ).encode()
        try:
            return opener.open(server.url + "/staff/login", data=form, timeout=10).status
        except urllib.error.HTTPError as exc:
            return exc.code

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(12)))
    # 3 a minute for the whole server, whichever worker answers (per worker: up to 6)
    assert sorted(statuses) == [401] * 3 + [429] * 9, statuses


def test_idle_and_half_open_connections_do_not_starve_the_workers(server):
    """Hundreds of clients that connect and send nothing (the waitress set-up stopped
    answering at 120); slow senders are cut by the reverse proxy (tests/serving/test_nginx)."""
    idle = []
    try:
        for _ in range(400):
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        for _ in range(5):
            started = time.monotonic()
            status, _body = _get(server.url + "/api/search?q=fractions", timeout=10)
            assert status == 200
            assert time.monotonic() - started < 2.0
    finally:
        for conn in idle:
            conn.close()


def test_a_publication_by_another_process_reaches_every_worker(server, home):
    app = portal.create_app(settings_for(home[0]))  # e.g. the staff console of another server
    try:
        runtime = app.extensions["mawarid"]
        view = runtime.resources.get(home[1]["fractions"])
        record = dict(view.record)
        record["general"] = {**record["general"], "title": {"fr": "Zythologie appliquée"}}
        runtime.resources.create_published(SYSTEM, record, reference="PV 9/2026")
    finally:
        close_app(app)

    def found(_n: int) -> int:
        return json.loads(_get(server.url + "/api/search?q=zythologie")[1])["total"]

    deadline = time.monotonic() + 10
    while True:
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            totals = list(pool.map(found, range(16)))
        if totals == [1] * 16:
            break
        assert time.monotonic() < deadline, f"not every worker sees it: {totals}"
        time.sleep(0.2)


def test_metrics_add_up_over_the_workers(server):
    def count() -> float:
        text = _get(server.url + "/metrics")[1].decode()
        line = 'mawarid_http_requests_total{endpoint="api.suggest",method="GET",status="200"}'
        values = [float(row.split()[-1]) for row in text.splitlines() if row.startswith(line)]
        return sum(values)

    before = count()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _n: _get(server.url + "/api/suggest?q=fra"), range(40)))
    assert count() - before == 40


def test_stopping_workers_write_their_usage_events(home):
    running = Portal(_settings(home[0]), workers=2)
    rid = home[1]["fractions"]
    try:
        for _ in range(7):
            assert _get(f"{running.url}/resources/{rid}")[0] == 200
    finally:
        assert running.stop() == 0
    with sqlite3.connect(home[0] / "mawarid.sqlite3") as db:
        (views,) = db.execute(
            "SELECT count(*) FROM usage_events WHERE kind = 'view' AND resource_id = ?", (rid,)
        ).fetchone()
    assert views == 7  # queued in the workers, written as they stopped
