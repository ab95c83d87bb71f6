"""Prometheus metrics of the portal, served as text at ``/metrics``.

* ``mawarid_http_requests_total{endpoint,method,status}`` and
  ``mawarid_http_request_duration_seconds{endpoint}``: every request, by Flask endpoint
  (a bounded set of names, never the raw path);
* ``mawarid_search_unavailable_total``: searches answered 503 because the engine did not
  answer;
* ``mawarid_database_up``, ``mawarid_search_up``, ``mawarid_index_documents``,
  ``mawarid_catalogue_published``: what the last ``/health`` check found.

With several worker processes (``mawarid serve --workers N``) each process writes its
values to files in ``PROMETHEUS_MULTIPROC_DIR`` (created by ``mawarid serve`` before the
workers start) and any worker answers ``/metrics`` with the sum over all of them — the
client library's multiprocess mode; a gauge reports the value last set by a live worker.
With one process the values are in memory.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

#: Set by ``mawarid serve`` for several workers (read by the client library too).
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "mawarid_http_requests", "HTTP requests answered", ["endpoint", "method", "status"]
)
LATENCY = Histogram(
    "mawarid_http_request_duration_seconds",
    "Time to answer a request",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SEARCH_UNAVAILABLE = Counter(
    "mawarid_search_unavailable", "Searches answered 503: the search engine did not answer"
)
DATABASE_UP = Gauge(
    "mawarid_database_up",
    "1 if the database answered the last health check",
    multiprocess_mode="livemostrecent",
)
SEARCH_UP = Gauge(
    "mawarid_search_up",
    "1 if the search engine answered the last health check",
    multiprocess_mode="livemostrecent",
)
INDEX_DOCUMENTS = Gauge(
    "mawarid_index_documents",
    "Documents in the search index (last health check)",
    multiprocess_mode="livemostrecent",
)
PUBLISHED = Gauge(
    "mawarid_catalogue_published",
    "Published resources (last health check)",
    multiprocess_mode="livemostrecent",
)


def init_metrics(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_count)


def _start() -> None:
    g.mawarid_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.get("mawarid_started")
    endpoint = request.endpoint or "unmatched"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def exposition() -> tuple[bytes, str]:
    """The metrics as Prometheus text, summed over the worker processes if several."""
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
