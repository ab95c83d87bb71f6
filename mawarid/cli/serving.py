"""How ``mawarid serve`` runs the portal: gunicorn worker processes on Linux, waitress elsewhere.

**gunicorn** (POSIX only): ``workers`` processes forked from a master that restarts any
that dies or hangs past ``MAWARID_SERVE_TIMEOUT``; each runs ``threads`` threads
(``gthread`` workers). A new or kept-alive connection that sends nothing waits in the
worker's event loop, not in a thread (gunicorn ≥ 25), so idle and half-open sockets cannot
starve the threads; a worker holds at most ``MAWARID_SERVE_MAX_CONNECTIONS`` of them and
closes idle ones after ``MAWARID_SERVE_KEEPALIVE`` seconds; request lines and headers are
bounded. In production a reverse proxy (``deploy/nginx``) buffers slow clients in front.

Per-process resources: ``mawarid serve`` first builds the app once — the first-start work
(schema upgrade, secret key, compiled message catalogues, the Whoosh folder) happens once,
in one process — closes it, then *becomes* the gunicorn master (``exec``: the service's
process is gunicorn, signals go straight to it). Each worker builds its own app
(:func:`worker_app`, no ``preload_app``): its own database pool, search client,
usage-event writer thread, caches and index watch, never shared across a fork; Whoosh
readers in every worker notice a new snapshot by themselves. The hooks of
:mod:`mawarid.cli.gunicorn_conf` start the index watch in each worker, write a stopping
worker's queued usage events, and keep the Prometheus files of all workers
(``PROMETHEUS_MULTIPROC_DIR``, set before gunicorn starts so that every process writes its
metrics there; see :mod:`portal.metrics`).

**waitress** (where gunicorn cannot run, e.g. Windows): one process, ``threads`` threads,
the same connection limit and an inactivity timeout.
"""

from __future__ import annotations

import os
import sys
import tempfile

from flask import Flask

from core.settings import Settings
from portal import create_app
from portal.metrics import MULTIPROCESS_DIR

#: Bounds on what a client may send before its request is read (gunicorn's defaults,
#: stated): the request line, the number of headers and the size of one.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190


def gunicorn_available() -> bool:
    return os.name == "posix"


def prepare(settings: Settings) -> None:
    """Do the first-start work once, in this process, before any worker starts."""
    settings.secret()  # generated now if missing: workers starting together only read it
    app = create_app(settings=settings)
    app.extensions["mawarid"].close()


def gunicorn_arguments(
    settings: Settings, host: str, port: int, workers: int, threads: int
) -> list[str]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    app = f"mawarid.cli.serving:worker_app({settings.base_url!r})"
    return [
        "--config=python:mawarid.cli.gunicorn_conf",
        f"--bind={bind}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        f"--timeout={settings.serve_timeout}",
        f"--graceful-timeout={settings.serve_timeout}",
        f"--keep-alive={settings.serve_keepalive}",
        f"--worker-connections={settings.serve_max_connections}",
        f"--limit-request-line={LIMIT_REQUEST_LINE}",
        f"--limit-request-fields={LIMIT_REQUEST_FIELDS}",
        f"--limit-request-field_size={LIMIT_REQUEST_FIELD_SIZE}",
        "--name=mawarid",
        "--error-logfile=-",
        "--log-level=warning",
        app,
    ]


def serve_gunicorn(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Prepare, then replace this process by the gunicorn master (does not return)."""
    prepare(settings)
    environ = dict(os.environ)
    environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="mawarid-metrics-")
    arguments = gunicorn_arguments(settings, host, port, workers, threads)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "gunicorn", *arguments], environ)


def worker_app(base_url: str = "") -> Flask:
    """The app of one gunicorn worker, from the environment's settings (the schema was
    upgraded before the workers started: they never migrate)."""
    settings = Settings.from_environment().replace(auto_upgrade=False)
    if base_url and not settings.base_url:
        settings = settings.replace(base_url=base_url)
    return create_app(settings=settings)


def serve_waitress(settings: Settings, host: str, port: int, threads: int) -> None:
    from waitress import serve  # imported only where gunicorn cannot run

    app = create_app(settings=settings)
    runtime = app.extensions["mawarid"]
    runtime.start_background()
    try:
        serve(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=settings.serve_max_connections,
            channel_timeout=settings.serve_timeout,
            ident="mawarid",
        )
    finally:
        runtime.close()
