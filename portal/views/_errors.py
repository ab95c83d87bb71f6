"""Errors as a page in the visitor's language, or as RFC 9457 problem details.

JSON (for ``/api/…``, ``….json`` and clients asking for JSON), ``application/problem+json``::

    {"type": "https://…/api/problems/invalid_parameter", "title": "Invalid parameter",
     "status": 400, "detail": "Page between 1 and 500.", "instance": "https://…/api/search?page=0",
     "code": "invalid_parameter", "errors": {"page": ["Page between 1 and 500."]}}

``type`` is an absolute URL (the public base URL of the settings, never the Host header)
that answers with the description of the problem (:func:`problem_type`); ``code`` is the
same stable code, for clients matching on it; ``errors`` names what was wrong (a parameter,
a record field) with its messages. Every text is in the reader's language.

Views raise :func:`bad_request` / :func:`not_found`; any :class:`core.errors.MawaridError`
(and the refusals of packages not yet on it) becomes a clear 4xx here, so no view needs a
try/except for them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from catalogue.errors import CatalogueError, StoreUnavailable, is_unavailable, store_unavailable
from core.errors import MawaridError
from core.messages import N_, Message, gettext, render
from indexer.model import SearchError, SearchUnavailable
from metadata_schemas.errors import MetadataError

from .. import i18n, metrics
from ._links import absolute, current_url

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

#: Every problem type: code → (HTTP status, title, what it means). The titles are short
#: and stable; the occurrence's own sentence is the ``detail``.
PROBLEMS: dict[str, tuple[int, str, str]] = {
    "bad_request": (
        400,
        N_("Bad request"),
        N_("The request has an invalid parameter."),
    ),
    "invalid_parameter": (
        400,
        N_("Invalid parameter"),
        N_("A query parameter has a value that cannot be used; errors names it."),
    ),
    "invalid_record": (
        422,
        N_("Invalid data"),
        N_("The record does not follow the schema; errors names each field."),
    ),
    "csrf": (
        400,
        N_("Form expired"),
        N_(
            "The form has expired or its security token is missing: reload the page, "
            "then send it again."
        ),
    ),
    "forbidden": (
        403,
        N_("Access denied"),
        N_("You are not allowed to open this page."),
    ),
    "not_found": (
        404,
        N_("Page not found"),
        N_("This address matches no page and no published resource."),
    ),
    "method_not_allowed": (
        405,
        N_("Method not allowed"),
        N_("This address does not accept this method."),
    ),
    "conflict": (
        409,
        N_("Conflict"),
        N_("The operation conflicts with the current state of the resource."),
    ),
    "too_large": (
        413,
        N_("Upload too large"),
        N_("What was sent is larger than allowed."),
    ),
    "invalid_data": (
        422,
        N_("Invalid data"),
        N_("What was sent cannot be used; errors names each field."),
    ),
    "too_many_requests": (
        429,
        N_("Too many requests"),
        N_("You sent too many requests. Wait a minute, then try again."),
    ),
    "internal_error": (
        500,
        N_("Internal server error"),
        N_("An unexpected error happened. The technical team has been told."),
    ),
    "unavailable": (
        503,
        N_("Service unavailable"),
        N_("The service is briefly unavailable. Try again in a moment."),
    ),
}
#: HTTP status → the problem code of a plain HTTP error.
STATUS_CODES = {status: code for code, (status, _t, _d) in reversed(PROBLEMS.items())}
#: Error code of a refusal (its ``code``) → HTTP status; other refusals are 400.
ERROR_STATUS = {
    "not_found": 404,
    "unknown_entity": 404,
    "permission_denied": 403,
    "wrong_commission": 403,
    "illegal_transition": 409,
    "stale_version": 409,
    "duplicate_identifier": 409,
    "account_locked": 429,
    "configuration_error": 500,
}
#: indexer SearchError key → the parameter it is about (``facet`` comes from its params).
SEARCH_ERROR_PARAMETER = {
    "query_too_long": "q",
    "bad_page": "page",
    "page_too_deep": "page",
    "bad_size": "size",
    "bad_sort": "sort",
}


class PortalError(HTTPException):
    """An HTTP error raised by a view, with its sentence and per-parameter details."""

    def __init__(
        self,
        status: int,
        message: str | Message | None = None,
        errors: Mapping[str, list[str]] | None = None,
        *,
        problem: str | None = None,
    ) -> None:
        self.code = status
        super().__init__(description=str(message) if message is not None else None)
        self.message = message
        self.errors = dict(errors or {})
        self.problem = problem or STATUS_CODES.get(status, "bad_request")


def bad_request(errors: Mapping[str, list[str]], message: Any = None) -> PortalError:
    return PortalError(400, message, errors, problem="invalid_parameter")


def not_found(message: Any = None, errors: Mapping[str, list[str]] | None = None) -> PortalError:
    return PortalError(404, message, errors)


def wants_json() -> bool:
    path = request.path
    if path.startswith("/api/") or path.endswith(".json"):
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best in ("application/json", PROBLEM_JSON) and accept[best] > accept["text/html"]


def problem_type(code: str) -> str:
    return absolute(f"/api/problems/{code}")


def problem_document(
    status: int,
    code: str,
    detail: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The RFC 9457 members of one problem, in the reader's language."""
    _status, title, explanation = (
        PROBLEMS.get(code) or PROBLEMS[STATUS_CODES.get(status, "bad_request")]
    )
    return {
        "type": problem_type(code if code in PROBLEMS else STATUS_CODES.get(status, "bad_request")),
        "title": gettext(title),
        "status": status,
        "detail": detail or gettext(explanation),
        "instance": current_url(),
        "code": code,
        "errors": {str(k): [str(m) for m in v] for k, v in (errors or {}).items()},
    }


def error_response(
    status: int,
    message: Any = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    code: str | None = None,
) -> Response:
    code = code or STATUS_CODES.get(status, "internal_error" if status >= 500 else "bad_request")
    document = problem_document(status, code, str(message) if message else None, errors)
    if wants_json():
        response = current_app.response_class(
            current_app.json.dumps(document), mimetype=PROBLEM_JSON
        )
    else:
        html = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
        # A request refused before routing (untrusted Host header) cannot build URLs,
        # so the full page cannot render: the minimal page above is the answer.
        if getattr(request_ctx, "url_adapter", None) is not None:
            try:
                html = render_template(
                    "error.html",
                    status=status,
                    title=document["title"],
                    detail=document["detail"],
                    errors=document["errors"],
                )
            except Exception:  # never let a broken template hide the first error
                log.exception("error page failed to render")
        response = Response(html, mimetype="text/html")
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _kept_headers(exc: HTTPException) -> dict[str, str]:
    # 405 says which methods are allowed, 429 when to retry, 503 too: keep those.
    return {k: v for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")}


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if isinstance(exc, PortalError):
        return error_response(status, exc.message, exc.errors, code=exc.problem)
    if isinstance(exc, CSRFError):
        return error_response(
            400, None, {"csrf_token": [gettext(PROBLEMS["csrf"][2])]}, code="csrf"
        )
    return error_response(status, None, None, _kept_headers(exc))


def refusal_text(exc: Exception) -> tuple[str, dict[str, list[str]]]:
    """The sentence and the field errors of a refusal, in the reader's language.

    A :class:`MawaridError` renders itself; packages not yet moved to it (``CatalogueError``,
    ``MetadataError``) carry a ``message`` text and an ``errors`` mapping."""
    if isinstance(exc, MawaridError):
        return exc.message(), exc.field_errors()
    raw = getattr(exc, "errors", None) or {}
    errors = render(dict(raw)) if isinstance(raw, Mapping) else {}
    return str(getattr(exc, "message", None) or exc), errors


def _refusal(exc: Exception) -> Response:
    """A refusal of a service (a :class:`MawaridError`, or a package not yet on it)."""
    if isinstance(exc, StoreUnavailable):
        # Not the visitor's fault, and not for long: 503 with a retry hint, never a 500.
        log.warning("%s %s: %s", request.method, request.path, exc.message("en"))
        message, _errors = refusal_text(exc)
        return error_response(503, message, None, {"Retry-After": "30"}, code="unavailable")
    code = str(getattr(exc, "code", "") or "bad_request")
    status = ERROR_STATUS.get(code, 400)
    message, errors = refusal_text(exc)
    if status >= 500:
        log.error("refusal %s on %s %s: %s", code, request.method, request.path, message)
        return error_response(status)
    return error_response(status, message, errors, code=code)


def _database_error(exc: DBAPIError) -> Response:
    """A database that cannot work now (full disk, lock, lost server) reached by a reader
    outside the catalogue services (OAI lists, usage counting): 503 as well, not 500."""
    if not is_unavailable(exc):
        log.error("database error on %s %s", request.method, request.path, exc_info=exc)
        return error_response(500)
    return _refusal(store_unavailable(exc))


def _metadata_error(exc: MetadataError) -> Response:
    message, errors = refusal_text(exc)
    return error_response(400, message, errors, code="invalid_record")


#: SearchError keys that are the reader's mistake (400); any other is the engine's (503).
READER_MISTAKES = frozenset(
    {*SEARCH_ERROR_PARAMETER, "unknown_facet", "too_many_values", "bad_value"}
)
#: Retry-After of a search refused for a reason other than an outage (a misconfiguration).
RETRY_AFTER_FAILED = 60


def _search_error(exc: SearchError) -> Response:
    lang = i18n.current_lang()
    if isinstance(exc, SearchUnavailable):
        # Logged once by the search client when the outage began; its cause may name
        # internal hosts and stays in the log.
        return _search_unavailable(exc.message(lang), exc.retry_after)
    if exc.key not in READER_MISTAKES:  # the engine refused the request: not the reader's fault
        log.error("search failed on %s %s: %s", request.method, request.path, exc)
        unavailable = SearchUnavailable(engine="", cause=str(exc), retry_after=RETRY_AFTER_FAILED)
        return _search_unavailable(unavailable.message(lang), RETRY_AFTER_FAILED)
    params = exc.params or {}
    name = SEARCH_ERROR_PARAMETER.get(exc.key) or str(
        params.get("facet") or params.get("value") or "query"
    )
    message = exc.message(lang)
    return error_response(400, message, {name: [message]}, code="invalid_parameter")


def _search_unavailable(message: str, retry_after: int) -> Response:
    metrics.SEARCH_UNAVAILABLE.inc()
    return error_response(503, message, {}, {"Retry-After": str(retry_after)}, code="unavailable")


def _internal_error(exc: InternalServerError) -> Response:
    original = exc.original_exception
    if original is not None:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return error_response(500)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(MetadataError, _metadata_error)
    app.register_error_handler(CatalogueError, _refusal)
    app.register_error_handler(MawaridError, _refusal)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(InternalServerError, _internal_error)
