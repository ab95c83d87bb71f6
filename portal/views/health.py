"""``/health`` (is this instance able to serve?) and ``/metrics`` (Prometheus), for operators.

``/health`` checks the two things a page needs, each with its time in milliseconds::

    {"status": "ok", "checks": {
        "database": {"ok": true, "ms": 1.9, "published": 98231},
        "search": {"ok": true, "ms": 6.4, "documents": 98231}}}

* ``ok``: both answer and the index holds documents when the catalogue has some;
* ``degraded`` (still 200): the database answers, the search engine does not or its index
  is empty — search answers 503 meanwhile, the pages served from the database work, and an
  empty index is being rebuilt (``"rebuilding": true``);
* ``down`` (503): the database does not answer: nothing can be served.

Errors are named by their kind (``search_unavailable``…), never with an internal address
(that is in the log). The deployment guide keeps both routes to the monitoring network
(``deploy/nginx/mawarid.conf``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify

from indexer import SearchError, SearchUnavailable

from .. import metrics
from ._present import runtime

bp = Blueprint("health", __name__)


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        found = {"ok": True, **check()}
    except SearchUnavailable as exc:
        found = {"ok": False, "error": exc.key, "retry_after": exc.retry_after}
    except SearchError as exc:
        found = {"ok": False, "error": exc.key}
    except Exception as exc:  # the database driver's errors: report the kind, not the text
        found = {"ok": False, "error": type(exc).__name__}
    found["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return found


@bp.get("/health")
def health() -> Response:
    services = runtime()

    def database_check() -> dict[str, Any]:
        services.catalogue.ping()
        return {"published": services.catalogue.browse.total()}  # counted once a minute

    database = _timed(database_check)
    search = _timed(lambda: {"documents": services.search.count()})
    if services.index_watch.rebuilding:
        search["rebuilding"] = True
    metrics.DATABASE_UP.set(1 if database["ok"] else 0)
    metrics.SEARCH_UP.set(1 if search["ok"] else 0)
    if database["ok"]:
        metrics.PUBLISHED.set(database["published"])
    if search["ok"]:
        metrics.INDEX_DOCUMENTS.set(search["documents"])
    empty = search["ok"] and database.get("published") and not search["documents"]
    if empty:
        search["error"] = "index_empty"
    if not database["ok"]:
        status = "down"
    elif not search["ok"] or empty:
        status = "degraded"
    else:
        status = "ok"
    response = jsonify({"status": status, "checks": {"database": database, "search": search}})
    response.status_code = 503 if status == "down" else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def prometheus() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
