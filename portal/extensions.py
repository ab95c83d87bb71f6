"""Cross-cutting web machinery, set up once per app by :func:`init_extensions`.

* flask-babel: interface language per request, words from :mod:`core.messages`' catalogues
  (see :mod:`portal.i18n`).
* flask-wtf ``CSRFProtect``: every POST/PUT/PATCH/DELETE needs a CSRF token,
  except the OAI-PMH blueprint (harvesters POST without a session, and OAI-PMH
  changes nothing). The JSON API is read-only (GET), so never checked.
* flask-limiter (``limiter``): areas decorate their sensitive views, e.g.
  ``@limiter.limit("10/minute")`` on the staff login; the counters are shared by every
  process (the database or Redis, see :mod:`portal.rate_limits`). No global limit: a
  whole school often shares one IP address.
* Security headers on every response: a CSP without inline scripts or styles,
  ``nosniff``, a strict referrer policy, no framing.
* Error pages: see :mod:`portal.views._errors`.
* ``/static/…`` served from the repository's ``static/`` folder.

State lives in ``app.extensions`` (flask-babel, flask-wtf and flask-limiter put
theirs there); the module-level objects keep no app.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, current_app, request, send_from_directory
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import caching, i18n
from .context import EXTENSION_KEY
from .rate_limits import APP_STORAGE_URI, init_rate_limits

#: The assets shipped with Mawarid (the ``static`` package), served under /static/.
STATIC_FOLDER = Path(importlib.util.find_spec("static").origin).parent  # type: ignore[union-attr, arg-type]


class _Babel(Babel):  # flask-babel ships no types (ignore_missing_imports: Any)
    """flask-babel reading the one catalogue per language of :mod:`core.messages`."""

    @cached_property
    def domain_instance(self) -> i18n.CatalogueDomain:
        return i18n.CatalogueDomain()


babel = _Babel()
csrf = CSRFProtect()
#: Decorate views with ``@limiter.limit("10/minute")``; counters per app (portal.rate_limits).
limiter = Limiter(get_remote_address, storage_uri=APP_STORAGE_URI, headers_enabled=True)

#: Blueprints (module paths) whose POSTs carry no CSRF token by design.
CSRF_EXEMPT_BLUEPRINTS = ("portal.oai.views",)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class HtmlSafeJSONProvider(DefaultJSONProvider):
    """JSON with ``<``, ``>``, ``&`` and ``'`` as ``\\u`` escapes, Arabic and French kept readable.

    The API echoes visitors' input (queries, unknown ids); escaped this way a
    payload stays inert even if a browser or proxy ever sniffed JSON as HTML.
    """

    ensure_ascii = False

    def dumps(self, obj, **kwargs) -> str:
        text = super().dumps(obj, **kwargs)
        return (
            text.replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
            .replace("'", "\\u0027")
        )


class QueryStringGuard:
    """WSGI middleware: percent-encode raw non-ASCII bytes in the query string.

    Browsers always percent-encode, but a hand-made request may send raw bytes
    (``?q=\xff``); Werkzeug then fails to decode ``request.args`` with a 500.
    Encoded, they become ordinary (if invalid) ``%FF`` escapes that Werkzeug
    keeps as text, and the views answer 200 or a clear 400.
    """

    _SAFE = "/?&=+%;:@,$!*'()~-._[]"

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if query and not query.isascii():
            try:
                raw = query.encode("latin-1")  # PEP 3333: bytes carried as latin-1
            except UnicodeEncodeError:
                raw = query.encode("utf-8", "surrogatepass")
            environ["QUERY_STRING"] = quote(raw, safe=self._SAFE)
        return self.wsgi_app(environ, start_response)


def init_extensions(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", i18n.DEFAULT_LANGUAGE)
    runtime = app.extensions[EXTENSION_KEY]
    init_rate_limits(app, runtime.settings.rate_limit_storage_url, runtime.catalogue.rate_limits)
    app.config.setdefault(
        "STATIC_ASSETS",
        app.extensions[EXTENSION_KEY].settings.static_folder or str(_static_folder()),
    )
    # Staff forms are long; an hour keeps a half-written record submittable.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 3600)

    # "/resources//x" is no resource: answer 404, not a redirect to another address.
    app.url_map.merge_slashes = False
    app.json = HtmlSafeJSONProvider(app)
    app.wsgi_app = QueryStringGuard(app.wsgi_app)  # type: ignore[method-assign]  # Flask's middleware idiom
    proxies = runtime.settings.trusted_proxies
    if proxies:  # the client's address and scheme as the reverse proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    babel.init_app(app, locale_selector=i18n.select_locale, default_locale=i18n.DEFAULT_LANGUAGE)
    # First of the before-request hooks: a refusal of the next ones (CSRF, rate limit)
    # is already in the visitor's language.
    app.before_request(i18n.start_request)
    app.teardown_request(i18n.end_request)
    csrf.init_app(app)
    for path in CSRF_EXEMPT_BLUEPRINTS:
        csrf.exempt(importlib.import_module(path).bp)
    limiter.init_app(app)

    app.after_request(_security_headers)
    app.after_request(caching.apply)

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=_static)


def _static_folder() -> Path:
    return STATIC_FOLDER


def _static(filename: str) -> Response:
    return send_from_directory(current_app.config["STATIC_ASSETS"], filename, max_age=3600)


def _security_headers(response: Response) -> Response:
    # setdefault: a view that needs a different policy (a dashboard, an embed)
    # sets its own header and keeps it.
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html":
        # The same URL renders differently by language choice (cookie) and browser.
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        response.vary.add("Accept-Language")  # labels and errors follow it
    return response
