"""Web wiring: extensions, blueprints, error pages. Owned by the portal area.

Each area's blueprint lives in its own module exporting ``bp``; the list below
is the one place they are registered.
"""

from __future__ import annotations

import importlib

from flask import Flask

from .extensions import init_extensions
from .views import _errors, _present

BLUEPRINTS = (
    "portal.views.public",  # home, browse, search, resource pages, tracked access route
    "portal.views.api",  # JSON API + OpenAPI
    "portal.views.staff",  # staff console (login, records, decisions, users)
    "portal.oai.views",  # OAI-PMH 2.0 endpoint /oai
    "portal.views.diffusion",  # diffusion dashboards and campaigns (staff)
    "portal.views.review",  # review queue of imported records, spreadsheet template (staff)
    "portal.views.sources",  # harvest sources and their runs (staff)
)


def init_app(app: Flask) -> None:
    init_extensions(app)
    _errors.register(app)
    _present.register(app)
    for path in BLUEPRINTS:
        module = importlib.import_module(path)
        app.register_blueprint(module.bp)
