"""Mawarid web portal: teacher search UI, resource pages, staff console, JSON API, OAI-PMH.

``create_app`` is the only entry point; the CLI (``portal.cli``) and the tests
use it too.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from . import config as _config
from .runtime import Runtime, build_runtime

# `static/` is a top-level folder shipped as a data package so a wheel carries it too.
STATIC_FOLDER = Path(importlib.util.find_spec("static").origin).parent

_SECURE_DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, static_folder=None, instance_relative_config=False)
    environ = dict(os.environ)
    if test_config and test_config.get("MAWARID_HOME"):
        # Paths derived from the home (database, index) follow a home given by the caller.
        environ["MAWARID_HOME"] = str(test_config["MAWARID_HOME"])
    app.config.from_mapping(_config.from_environment(environ))
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _config.ensure_secret_key(Path(app.config["MAWARID_HOME"]))
    # Flask's defaults hold these keys as None, so setdefault would not apply ours.
    for key, value in _SECURE_DEFAULTS.items():
        if app.config.get(key) is None:
            app.config[key] = value

    runtime = build_runtime(app.config)
    app.extensions["mawarid"] = runtime

    from .web import init_app as init_web

    init_web(app)
    return app


def current_runtime() -> Runtime:
    return current_app.extensions["mawarid"]
