"""Absolute links: every URL the API and the pages give out starts with the public base URL.

The base comes from the settings (:meth:`core.settings.Settings.public_base_url`), never
from the request's ``Host`` header, which a client or a proxy may forge.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from ..context import current_runtime


def base_url() -> str:
    return current_runtime().settings.public_base_url().rstrip("/")


def absolute(path: str) -> str:
    """``path`` (as ``url_for`` builds it, below the app's root) as an absolute URL."""
    root = request.script_root if request else ""
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return base_url() + path


def external(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL on the public base."""
    return absolute(url_for(endpoint, **values))


def current_url() -> str:
    """The URL of the current request, on the public base."""
    query = request.query_string.decode("latin-1")
    return absolute(request.path) + (f"?{query}" if query else "")
