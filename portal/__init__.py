"""Mawarid web portal: teacher search UI, resource pages, staff console, JSON API, OAI-PMH.

``create_app`` is the only entry point; ``mawarid serve`` and the tests use it. The
instance's settings come from :class:`core.settings.Settings` (the environment), its
services from :func:`mawarid.runtime.build_runtime`; the Flask config only carries what
Flask and its extensions read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from core.settings import Settings
from mawarid.runtime import Runtime, build_runtime

from .context import EXTENSION_KEY, current_runtime

# `static/` is a top-level folder shipped as a data package so a wheel carries it too.
from .extensions import STATIC_FOLDER
from .web import init_app as init_web

__all__ = ["STATIC_FOLDER", "create_app", "current_runtime", "flask_config"]

_SECURE_DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
}


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    runtime: Runtime | None = None,
) -> Flask:
    """The portal of one instance.

    :param test_config: Flask settings (``TESTING``…) and instance settings by variable
        name (``MAWARID_HOME``…), overriding the environment's.
    :param settings: the instance's settings (default: from the environment).
    :param runtime: an instance already running (the CLI's ``serve`` builds it first).
    """
    test_config = dict(test_config or {})
    if settings is None:
        settings = runtime.settings if runtime else _settings(test_config)
    app = Flask(__name__, static_folder=None, instance_relative_config=False)
    app.config.from_mapping(flask_config(settings))
    app.config.from_mapping({k: v for k, v in test_config.items() if not k.startswith("MAWARID_")})
    # Flask's defaults hold these keys as None, so setdefault would not apply ours.
    for key, value in _SECURE_DEFAULTS.items():
        if app.config.get(key) is None:
            app.config[key] = value

    app.extensions[EXTENSION_KEY] = runtime or build_runtime(settings)

    init_web(app)
    return app


def _settings(test_config: Mapping[str, Any]) -> Settings:
    overrides = {k: v for k, v in test_config.items() if k.startswith("MAWARID_")}
    if test_config.get("SECRET_KEY"):
        overrides["secret_key"] = test_config["SECRET_KEY"]
    return Settings.from_environment(None, **overrides)


def flask_config(settings: Settings) -> dict[str, Any]:
    """What Flask and its extensions read, derived from the instance's settings."""
    return {
        "SECRET_KEY": settings.secret(),
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "TRUSTED_HOSTS": list(settings.trusted_hosts) or None,
    }
