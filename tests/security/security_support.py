"""Shared helpers of the security tests: hostile values, response checks, row counts.

Named ``security_support`` (not ``support``/``helpers``) because test folders have
no ``__init__.py`` and module names must be unique across the whole test tree.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import column, func, inspect, select, table

import portal
from catalogue.services.actors import Actor

#: An account that holds every staff role and a seat on the validation commission.
CURATOR = Actor("secops", frozenset({"admin", "validator", "indexer"}), frozenset({"validation"}))

XSS = "<script>alert(1)</script>"

#: Path-segment values, already in URL form (percent-escapes meant literally).
HOSTILE_SEGMENTS: dict[str, str] = {
    "xss": quote(XSS, safe=""),
    "traversal": "..%2F..%2Fetc%2Fpasswd",
    "dots": "..",
    "long": "a" * 5000,
    "nul": "abc%00def",
    "lone-surrogate": "%ED%A0%80",
    "invalid-utf8": "%FF%FE",
    "rtl-override": quote("abc\u202etxt.exe", safe=""),
    "arabic": quote("الكسور", safe=""),
    "tifinagh": quote("ⵜⴰⵎⴰⵣⵉⵖⵜ", safe=""),
    "sql": quote("' OR 1=1 --", safe=""),
    "json-suffix": quote("x.json", safe=""),
}

#: Query strings sent to every GET route (raw, as a client would put them on the wire).
HOSTILE_QUERIES: dict[str, str] = {
    "xss-q": "q=" + quote(XSS, safe=""),
    "repeated": "q=a&q=b&page=1&page=2&level=1ac&level=1ac&level=" + quote(XSS, safe=""),
    "huge": "q=" + "x" * 20000,
    "unknown": "zzz=1&__proto__=x&" + quote(XSS, safe="") + "=1",
    "whoosh": "q=" + quote("title:* OR (", safe=""),
    "page-neg": "page=-1",
    "page-huge": "page=99999999999999999999",
    "size-zero": "size=0",
    "size-huge": "size=100000",
    "sort-dunder": "sort=__class__",
    "lang-xx": "lang=xx",
    "lang-xss": "lang=" + quote(XSS, safe=""),
    "nul": "q=a%00b&level=%00",
    "surrogate": "q=%ED%A0%80&subject=%ED%A0%80",
    "invalid-utf8": "q=%FF%FE&type=%FF",
    "rtl": "q=" + quote("\u202eevil", safe=""),
    "tifinagh": "q=" + quote("ⵜⴰⵎⴰⵣⵉⵖⵜ", safe="") + "&lang=zgh",
    "arabic": "q=" + quote("الكسور", safe="") + "&lang=ar",
    "sql": "q=" + quote("' OR 1=1 --", safe="") + "&level=" + quote("1ac' OR '1'='1", safe=""),
    "oai-junk": "verb=" + quote(XSS, safe="") + "&metadataPrefix=oai_dc&resumptionToken=%FF",
}

TRACEBACK_MARKERS = (
    "Traceback (most recent call last)",
    'File "/',
    "werkzeug.debug",
    "sqlalchemy.exc",
    "Exception:",
    "\n    raise ",
)


def settings_for(home: Path, **extra: Any) -> dict[str, Any]:
    home = Path(home)
    return {
        "MAWARID_HOME": str(home),
        "MAWARID_DATABASE_URL": f"sqlite:///{home / 'mawarid.sqlite3'}",
        "MAWARID_SEARCH_URL": f"whoosh://{home / 'index'}",
        "SECRET_KEY": "security-tests-secret",
        "TESTING": True,
        # the real defaults: CSRF and rate limits on, as in production
        "WTF_CSRF_ENABLED": True,
        **extra,
    }


def make_app(home: Path, **extra: Any):
    return portal.create_app(settings_for(home, **extra))


def url_for_rule(rule, value: str) -> str:
    """The rule's path with every variable replaced by ``value`` (ints stay numeric)."""

    def repl(match: re.Match) -> str:
        converter = match.group(1) or ""
        if converter.startswith("int"):
            return "1"
        return value

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", repl, rule.rule)


def fetch(client, method: str, url: str, **kwargs):
    """Issue a request; an exception escaping the app (TESTING propagates them) is a 500.

    Returns ``(response | None, error text | None)``.
    """
    try:
        response = client.open(url, method=method, **kwargs)
        # consume streamed bodies inside the call: an abandoned stream_with_context
        # generator would pop its request context at garbage collection
        response.direct_passthrough = False
        response.get_data()
        return response, None
    except Exception as exc:
        tb = traceback.format_exception(exc)
        where = [line for line in tb if 'File "/work/main/' in line]
        return (
            None,
            f"{type(exc).__name__}: {exc!s:.300} at {(where[-1].strip() if where else '?')}",
        )


def problems(response, *, payload: str = XSS) -> list[str]:
    """What is wrong with one response, from a security point of view."""
    out = []
    if response.status_code >= 500:
        out.append(f"status {response.status_code}")
    response.direct_passthrough = False
    body = response.get_data().decode("utf-8", "replace")  # downloads (XLSX) are bytes
    mimetype = response.mimetype or ""
    if mimetype == "text/html" and payload in body:
        out.append("payload echoed unescaped in HTML")
    for marker in TRACEBACK_MARKERS[:3]:
        if marker in body:
            out.append(f"stack trace in body ({marker!r})")
    if response.is_json and response.status_code >= 400:
        data = response.get_json(silent=True)
        if not (
            isinstance(data, dict)
            and data.get("status") == response.status_code
            and data.get("title")
            and data.get("detail")
            and str(data.get("type", "")).startswith("http")
        ):
            out.append(f"JSON error not in the documented shape: {body[:200]!r}")
    return out


def is_json_route(path: str) -> bool:
    return path.startswith("/api/") or path.endswith(".json")


def engine_of(app):
    return app.extensions["mawarid"].catalogue.db.engine


def row_counts(app) -> dict[str, int]:
    engine = engine_of(app)
    names = inspect(engine).get_table_names()
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
        }


def text_cells(app) -> Iterable[tuple[str, str, str]]:
    """Every value of every text-ish column of every table: ``(table, column, value)``."""
    engine = engine_of(app)
    insp = inspect(engine)
    with engine.connect() as conn:
        for name in insp.get_table_names():
            cols = [c["name"] for c in insp.get_columns(name)]
            for row in conn.execute(select(*[column(c) for c in cols]).select_from(table(name))):
                for col, value in zip(cols, row, strict=False):
                    if value is None or isinstance(value, (int, float)):
                        continue
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value).decode("latin-1")
                    yield name, col, str(value)
