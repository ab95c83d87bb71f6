"""Errors as a page in the visitor's language, or as one JSON shape.

JSON (for ``/api/…``, ``….json`` and ``Accept: application/json``)::

    {"ok": false, "status": 404, "error": "Ressource introuvable", "errors": {"id": ["…"]}}

``errors`` names what was wrong (a parameter, a record field). Views raise
:func:`bad_request` / :func:`not_found` with that detail; service errors
(:class:`catalogue.errors.CatalogueError`, :class:`metadata_schemas.errors.MetadataError`)
become clear 4xx answers here, so no view needs a try/except for them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from metadata_schemas.errors import MetadataError

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Requête invalide"),
    403: _l("Accès refusé"),
    404: _l("Page introuvable"),
    405: _l("Méthode non autorisée"),
    409: _l("Conflit"),
    413: _l("Envoi trop volumineux"),
    422: _l("Données invalides"),
    429: _l("Trop de requêtes"),
    500: _l("Erreur interne du serveur"),
    503: _l("Service momentanément indisponible"),
}
EXPLANATIONS = {
    400: _l("La requête contient un paramètre incorrect."),
    403: _l("Vous n'avez pas le droit d'accéder à cette page."),
    404: _l("Cette adresse ne correspond à aucune page ni ressource publiée."),
    405: _l("Cette adresse n'accepte pas cette méthode."),
    409: _l("L'opération entre en conflit avec l'état actuel de la ressource."),
    413: _l("Le contenu envoyé dépasse la taille autorisée."),
    429: _l("Vous avez envoyé trop de requêtes. Patientez une minute puis réessayez."),
    500: _l("Une erreur inattendue s'est produite. L'équipe technique en a été informée."),
}
#: Catalogue error class name → HTTP status (by name: the catalogue owns its classes).
CATALOGUE_STATUS = {
    "NotFound": 404,
    "UnknownEntity": 404,
    "PermissionDenied": 403,
    "WrongCommission": 403,
    "IllegalTransition": 409,
    "StaleVersion": 409,
    "DuplicateIdentifier": 409,
}


class PortalError(HTTPException):
    """An HTTP error raised by a view with a message and per-parameter details."""

    def __init__(
        self, status: int, message: Any = None, errors: Mapping[str, list[str]] | None = None
    ) -> None:
        self.code = status
        super().__init__(description=str(message) if message is not None else None)
        self.message = message
        self.errors = dict(errors or {})


def bad_request(errors: Mapping[str, list[str]], message: Any = None) -> PortalError:
    return PortalError(400, message, errors)


def not_found(message: Any = None, errors: Mapping[str, list[str]] | None = None) -> PortalError:
    return PortalError(404, message, errors)


def wants_json() -> bool:
    path = request.path
    if path.startswith("/api/") or path.endswith(".json"):
        return True
    accept = request.accept_mimetypes
    return (
        accept.best_match(["text/html", "application/json"]) == "application/json"
        and accept["application/json"] > accept["text/html"]
    )


def error_response(
    status: int,
    message: Any = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    title = str(TITLES.get(status, TITLES[500 if status >= 500 else 400]))
    detail = str(message) if message else str(EXPLANATIONS.get(status, ""))
    errors = {str(k): [str(m) for m in v] for k, v in (errors or {}).items()}
    if wants_json():
        response = jsonify(
            {"ok": False, "status": status, "error": detail if message else title, "errors": errors}
        )
    else:
        html = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
        # A request refused before routing (untrusted Host header) cannot build URLs,
        # so the full page cannot render: the minimal page above is the answer.
        if getattr(request_ctx, "url_adapter", None) is not None:
            try:
                html = render_template(
                    "error.html", status=status, title=title, detail=detail, errors=errors
                )
            except Exception:  # never let a broken template hide the first error
                log.exception("error page failed to render")
        response = Response(html, mimetype="text/html")
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _kept_headers(exc: HTTPException) -> dict[str, str]:
    # 405 says which methods are allowed, 429 when to retry: keep those.
    return {k: v for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")}


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if isinstance(exc, PortalError):
        return error_response(status, exc.message, exc.errors)
    if isinstance(exc, CSRFError):
        return error_response(
            400,
            _l(
                "Le formulaire a expiré ou son jeton de sécurité manque : "
                "rechargez la page puis renvoyez-le."
            ),
            {"csrf_token": [exc.description]},
        )
    return error_response(status, None, None, _kept_headers(exc))


def _catalogue_error(exc: Exception) -> Response:
    status = CATALOGUE_STATUS.get(type(exc).__name__, 400)
    message = getattr(exc, "message", None) or str(exc)
    errors = getattr(exc, "errors", None) or {}
    return error_response(status, message, errors if isinstance(errors, Mapping) else {})


def _metadata_error(exc: MetadataError) -> Response:
    return error_response(400, exc.message, exc.errors)


def _internal_error(exc: InternalServerError) -> Response:
    original = getattr(exc, "original_exception", None)
    if original is not None:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return error_response(500)


#: indexer SearchError key → the parameter it is about (``facet`` comes from its params).
SEARCH_ERROR_PARAMETER = {
    "query_too_long": "q",
    "bad_page": "page",
    "page_too_deep": "page",
    "bad_size": "size",
    "bad_sort": "sort",
}


#: SearchError keys that are the reader's mistake (400); any other is the engine's (503).
READER_MISTAKES = frozenset(
    {*SEARCH_ERROR_PARAMETER, "unknown_facet", "too_many_values", "bad_value"}
)
#: Retry-After of a search refused for a reason other than an outage (a misconfiguration).
RETRY_AFTER_FAILED = 60


def _search_error(exc: Exception) -> Response:
    from indexer.model import SearchUnavailable

    from .. import i18n

    key = getattr(exc, "key", "")
    if isinstance(exc, SearchUnavailable):
        # Logged once by the search client when the outage began; the cause may name
        # internal hosts and stays in the log.
        return _search_unavailable(exc.message(i18n.current_lang()), exc.retry_after)
    if key not in READER_MISTAKES:  # the engine refused us: not the reader's fault
        log.error("search failed on %s %s: %s", request.method, request.path, exc)
        unavailable = SearchUnavailable(engine="", cause=str(exc), retry_after=RETRY_AFTER_FAILED)
        return _search_unavailable(unavailable.message(i18n.current_lang()), RETRY_AFTER_FAILED)
    params = getattr(exc, "params", {}) or {}
    name = SEARCH_ERROR_PARAMETER.get(key) or str(
        params.get("facet") or params.get("value") or "query"
    )
    message = exc.message(i18n.current_lang()) if hasattr(exc, "message") else str(exc)
    return error_response(400, message, {name: [message]})


def _search_unavailable(message: str, retry_after: int) -> Response:
    from ..metrics import SEARCH_UNAVAILABLE

    SEARCH_UNAVAILABLE.inc()
    response = error_response(503, message, {}, {"Retry-After": str(retry_after)})
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    from catalogue.errors import CatalogueError
    from indexer.model import SearchError

    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(MetadataError, _metadata_error)
    app.register_error_handler(CatalogueError, _catalogue_error)
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(InternalServerError, _internal_error)
