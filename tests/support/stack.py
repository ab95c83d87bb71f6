"""The production stack on this machine, for tests: ``mawarid serve`` (gunicorn workers)
behind Debian's nginx, configured with the very files of ``deploy/nginx``.

``Portal(env)`` starts ``mawarid serve`` with the given ``MAWARID_*`` settings and waits for
``/health``; ``Nginx(upstream_port)`` writes an ``nginx.conf`` in a temporary folder that
includes ``deploy/nginx/mawarid-http.conf`` and ``mawarid-locations.conf``, serves TLS with
a throwaway self-signed certificate on a free port, and proxies to the portal. Both stop
with ``stop()``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, *, data: bytes | None = None, timeout: float = 10) -> tuple[int, bytes, dict]:
    """(status, body, headers) of a GET (or a POST with ``data``); any certificate accepted."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, data=data)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _wait(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if fetch(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{url} not answering after {START_TIMEOUT}s:\n{log.read_text()[-3000:]}"
            )
        time.sleep(0.2)


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the server of ``url``, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(url)
    name = f"mawarid_stack_{secrets.token_hex(4)}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_alias(url: str) -> Iterator[str]:
    """A fresh alias on the cluster of ``url``; its indices are deleted afterwards."""
    from indexer.elastic import open_elastic
    from metadata_schemas.vocabularies import get_vocabularies

    alias_url = f"{url.rstrip('/')}-stack-{secrets.token_hex(3)}"
    try:
        yield alias_url
    finally:
        backend = open_elastic(alias_url, get_vocabularies())
        try:
            for index in backend.client.indices(f"{backend.alias}-*"):
                backend.client.delete_index(index)
        finally:
            backend.close()


class Portal:
    """``mawarid serve --workers N`` on a free port of 127.0.0.1."""

    def __init__(self, settings: Mapping[str, str], *, workers: int = 2, threads: int = 4) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="mawarid-portal-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAWARID_", "PROMETHEUS"))}
        env.update(settings)
        self.log = self.folder / "serve.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("mawarid")),
                    "serve",
                    f"--port={self.port}",
                    f"--workers={workers}",
                    f"--threads={threads}",
                ],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait(self.url + "/health", self.process, self.log)

    def workers(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)
        return self.process.returncode


class Nginx:
    """Debian's nginx with deploy/nginx's files, TLS on a free port, in front of a portal."""

    def __init__(self, upstream_port: int, *, www: Path = REPO, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="mawarid-nginx-"))
        self.folder.chmod(0o755)
        for sub in ("tmp", "logs"):
            (self.folder / sub).mkdir()
            (self.folder / sub).chmod(0o777)  # nginx's workers run as nobody under root
        key, cert = self.folder / "key.pem", self.folder / "cert.pem"
        self.certificate = cert  # clients of this process may trust it (REQUESTS_CA_BUNDLE)
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
                *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
                *("-keyout", str(key), "-out", str(cert)),
            ],
            check=True,
            capture_output=True,
        )
        deploy = REPO / "deploy" / "nginx"
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        tmp = self.folder / "tmp"
        (self.folder / "nginx.conf").write_text(
            f"""{user}
worker_processes 2;
pid {self.folder}/nginx.pid;
error_log {self.folder}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.folder}/logs/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {deploy}/mawarid-http.conf;
    upstream mawarid_portal {{
        server 127.0.0.1:{upstream_port};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{self.port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        set $mawarid_www {www};
        include {deploy}/mawarid-locations.conf;
    }}
}}
"""
        )
        self.log = self.folder / "logs" / "error.log"
        self.process = subprocess.Popen(
            [
                NGINX,
                "-p",
                str(self.folder),
                "-c",
                str(self.folder / "nginx.conf"),
                "-g",
                "daemon off;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        _wait(self.url + "/health", self.process, self.log)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
