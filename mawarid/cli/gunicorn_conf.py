"""gunicorn hooks of ``mawarid serve`` (loaded with ``--config python:mawarid.cli.gunicorn_conf``).

gunicorn reads the module's names that are its settings: only hooks are defined here (the
options are ``mawarid serve``'s command-line arguments, see :mod:`mawarid.cli.serving`).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from flask import Flask
from gunicorn.workers import gthread

from portal.metrics import MULTIPROCESS_DIR

# One instance per machine is not a given (tests, staging): no control socket in $HOME.
control_socket_disable = True

# A new connection that has sent nothing holds a thread at most this long (10 ms) before it waits in the
# worker's event loop instead (gunicorn's default, 5 s, lets 8 idle sockets per 5 s hold
# every thread: a few hundred idle or half-open connections starve the worker for minutes).
# A client that stops in the middle of a request is the reverse proxy's to cut
# (client_header_timeout / client_body_timeout in deploy/nginx/mawarid.conf).
gthread.DEFAULT_WORKER_DATA_TIMEOUT = 0.01


def on_starting(server: Any) -> None:
    """In the master, before the first worker: an empty folder for the workers' metrics."""
    folder = os.environ.get(MULTIPROCESS_DIR)
    if folder:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))


def post_worker_init(worker: Any) -> None:
    """In a worker, once its app is loaded: watch the index (rebuilt if found empty)."""
    worker.wsgi.extensions["mawarid"].start_background()


def worker_exit(server: Any, worker: Any) -> None:
    """In a worker that stops: write its queued usage events, close its connections."""
    if isinstance(worker.wsgi, Flask):  # not when the app failed to load
        worker.wsgi.extensions["mawarid"].close()


def child_exit(server: Any, worker: Any) -> None:
    """In the master, when a worker has exited: forget its live gauges."""
    from prometheus_client import multiprocess  # after MULTIPROCESS_DIR is known

    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """In the master, at the very end: remove the metrics folder."""
    folder = os.environ.get(MULTIPROCESS_DIR)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
