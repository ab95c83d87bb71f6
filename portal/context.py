"""The running instance behind the current Flask app (set up by :func:`portal.create_app`)."""

from __future__ import annotations

from flask import current_app

from mawarid.runtime import Runtime

EXTENSION_KEY = "mawarid"


def current_runtime() -> Runtime:
    runtime: Runtime = current_app.extensions[EXTENSION_KEY]
    return runtime
