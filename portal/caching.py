"""HTTP caching of public answers: ``ETag``, conditional GET (``304 Not Modified``) and
``Cache-Control``.

A view marks its answer cacheable with :func:`cache_for` (seconds a shared cache may keep
it); :func:`apply` (an ``after_request`` hook) then gives a successful GET an ``ETag``
computed from the body, answers ``304`` when the client's ``If-None-Match`` matches, and
sets ``Cache-Control``: ``public`` — or ``private`` when the answer depends on the
visitor's session (a language chosen with ``?lang=`` is kept in the cookie).
"""

from __future__ import annotations

from flask import Response, g, request

from . import i18n


def cache_for(seconds: int) -> None:
    """This request's answer may be kept ``seconds`` by browsers and shared caches."""
    g.cache_max_age = seconds


def apply(response: Response) -> Response:
    max_age = g.pop("cache_max_age", None)
    if max_age is None or request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough or response.is_streamed:
        return response
    response.add_etag()
    scope = "private" if i18n.depends_on_session() else "public"
    response.headers["Cache-Control"] = f"{scope}, max-age={max_age}"
    response.make_conditional(request)  # 304 and an empty body when the ETag matches
    return response
