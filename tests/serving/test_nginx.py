"""deploy/nginx in front of ``mawarid serve``: Debian's nginx with the shipped files.

Static files come from disk, slow and idle clients are held (and cut) by nginx while the
portal keeps answering, request floods get 429 at the door, and /health answers locally.
The browser tests also run through this stack in CI (``MAWARID_TEST_STACK=nginx``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

import portal
from tests.portal.portal_corpus import close_app, seed, settings_for
from tests.support.stack import NGINX, Nginx, Portal, fetch


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not Path(NGINX).exists():
        message = "nginx is not installed (bin/test installs Debian's nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("nginx-home")
    app = portal.create_app(settings_for(home))
    try:
        seed(app.extensions["mawarid"])
    finally:
        close_app(app)
    settings = settings_for(home, MAWARID_TRUSTED_PROXIES="1")
    env = {k: str(v) for k, v in settings.items() if k.startswith("MAWARID_")}
    env["MAWARID_SECRET_KEY"] = settings["SECRET_KEY"]
    backend = Portal(env, workers=2)
    front = Nginx(backend.port)
    yield front
    front.stop()
    backend.stop()


def _tls(port: int) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30))


def test_static_files_come_from_disk_and_pages_from_the_portal(stack):
    status, body, headers = fetch(stack.url + "/static/css/mawarid.css")
    assert status == 200 and body == Path("static/css/mawarid.css").read_bytes()
    assert headers["Cache-Control"] == "max-age=3600"
    assert "Content-Security-Policy" not in headers  # from disk: the portal never saw it
    status, body, headers = fetch(stack.url + "/api/search?q=fractions")
    assert status == 200 and json.loads(body)["total"] >= 1
    assert "Content-Security-Policy" in headers
    assert fetch(stack.url + "/static/../mawarid/runtime.py")[0] in (400, 404)


def test_health_and_metrics_answer_locally(stack):
    status, body, _headers = fetch(stack.url + "/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert fetch(stack.url + "/metrics")[0] == 200


def test_slow_and_idle_clients_are_held_by_nginx_and_cut(stack):
    """300 clients that stall (half a request line, or nothing at all): the portal never
    sees them, answers others at once, and nginx closes them after client_header_timeout."""
    stalled = []
    try:
        for n in range(300):
            conn = _tls(stack.port)
            if n % 2:
                conn.sendall(b"GET /search?q=x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            stalled.append(conn)
        for _ in range(5):
            started = time.monotonic()
            assert fetch(stack.url + "/api/search?q=fractions")[0] == 200
            assert time.monotonic() - started < 2.0
        started = time.monotonic()
        answer = stalled[1].recv(4096)  # cut: a 408 or a closed connection
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
        assert time.monotonic() - started < 15
    finally:
        for conn in stalled:
            conn.close()


def test_a_flood_of_login_pages_meets_429_at_the_door(stack):
    """30 a minute per address (burst 10): the portal never sees the rest. (The portal's
    own limit counts POSTed passwords only; reading the form is nginx's to limit.)"""
    answers = [fetch(stack.url + "/staff/login") for _ in range(25)]
    statuses = [status for status, _body, _headers in answers]
    assert 10 <= statuses.count(200) <= 13 and set(statuses) == {200, 429}
    refused = next(body for status, body, _headers in answers if status == 429)
    assert b"nginx" in refused  # nginx's own page: refused at the door


def test_the_deploy_files_pass_nginx_own_check(tmp_path):
    if not shutil.which("nginx") and not Path(NGINX).exists():
        pytest.skip("nginx is not installed")
    # the production site as shipped, with its include paths made absolute
    deploy = Path("deploy/nginx").resolve()
    site = (deploy / "mawarid.conf").read_text()
    site = site.replace(
        "include snippets/mawarid-locations.conf;", f"include {deploy}/mawarid-locations.conf;"
    )
    site = site.replace(
        "ssl_certificate     /etc/letsencrypt/live/mawarid.men.gov.ma/fullchain.pem;",
        f"ssl_certificate {tmp_path}/c.pem;",
    )
    site = site.replace(
        "ssl_certificate_key /etc/letsencrypt/live/mawarid.men.gov.ma/privkey.pem;",
        f"ssl_certificate_key {tmp_path}/k.pem;",
    )
    assert "letsencrypt/live" not in site
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=x", "-keyout", f"{tmp_path}/k.pem", "-out", f"{tmp_path}/c.pem"),
        ],
        check=True,
        capture_output=True,
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ include {deploy}/mawarid-http.conf; include {tmp_path}/site.conf; }}\n"
    )
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
