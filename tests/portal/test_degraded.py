"""The search engine unreachable or hanging: search answers 503 at once, in the reader's
language and without an internal address; home, browse and resource pages come from the
database; the outage is logged once and reported by /health.

The engines here are real sockets: a port nobody listens on (a cluster that is down) and a
server that accepts connections and never answers (a cluster that hangs).
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from portal_corpus import EXPECTED

from portal.views._data import browse_data, home_data

FRENCH = "La recherche est momentanément indisponible"
ARABIC = "البحث غير متاح مؤقتًا"


@pytest.fixture
def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hung_port():
    """A server that accepts every connection, reads, and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.fixture
def degraded_app(make_app, dead_port):
    return make_app({"MAWARID_SEARCH_URL": f"opensearch://127.0.0.1:{dead_port}/mawarid"})


def _no_internal_address(text: str, port: int) -> None:
    assert "127.0.0.1" not in text and str(port) not in text and "opensearch" not in text


@pytest.mark.parametrize(
    "path",
    ["/search?q=fractions", "/search.json?q=fractions", "/api/search?q=fractions&level=1ac"],
)
def test_search_answers_503_with_retry_after_in_the_readers_language(degraded_app, dead_port, path):
    client = degraded_app.test_client()
    started = time.monotonic()
    french = client.get(path, headers={"Accept-Language": "fr"})
    assert time.monotonic() - started < 2.5
    assert french.status_code == 503
    assert french.headers["Retry-After"] == "15"
    assert FRENCH in french.get_data(as_text=True)
    _no_internal_address(french.get_data(as_text=True), dead_port)

    started = time.monotonic()
    arabic = client.get(path, headers={"Accept-Language": "ar"})
    assert time.monotonic() - started < 0.5  # known down: answered at once
    assert arabic.status_code == 503 and ARABIC in arabic.get_data(as_text=True)


def test_a_hanging_engine_answers_503_within_the_search_timeout(make_app, hung_port):
    app = make_app(
        {
            "MAWARID_SEARCH_URL": f"elasticsearch://127.0.0.1:{hung_port}/mawarid",
            "MAWARID_SEARCH_TIMEOUT": "1",
        }
    )
    client = app.test_client()
    started = time.monotonic()
    response = client.get("/search?q=fractions")
    assert response.status_code == 503
    assert time.monotonic() - started < 1.8
    _no_internal_address(response.get_data(as_text=True), hung_port)
    assert client.get("/").status_code == 200  # the home page does not wait for it


def test_home_and_browse_are_served_from_the_database_with_the_engines_numbers(degraded_app, app):
    """Same counts and latest publications as with the (working) embedded engine."""

    def pages(an_app):
        with an_app.test_request_context("/"):
            home = home_data("fr")
            browse = {level: browse_data(level, "fr") for level in ("1ac", "primaire")}
        return home, browse

    (home, browse), (normal_home, normal_browse) = pages(degraded_app), pages(app)
    assert home["degraded"].startswith(FRENCH) and normal_home["degraded"] is None
    assert home["total"] == normal_home["total"] == EXPECTED["published"]
    assert home["cycles"] == normal_home["cycles"]
    assert home["subjects"] == normal_home["subjects"]
    # the seeded resources were published within one second: "latest" ties, so compare
    # the hits both pages show, and that the database's are the latest published
    assert len(home["recent"]) == len(normal_home["recent"]) == 6
    engine_hits = {h["id"]: h for h in normal_home["recent"]}
    shown_by_both = [h for h in home["recent"] if h["id"] in engine_hits]
    assert shown_by_both
    for hit in shown_by_both:
        assert {**hit, "score": 0} == {**engine_hits[hit["id"]], "score": 0}
    services = degraded_app.extensions["mawarid"]
    published = sorted(
        services.resources.iter_published(), key=lambda v: (-v.published_at.timestamp(), v.id)
    )
    assert [h["id"] for h in home["recent"]] == [v.id for v in published[:6]]
    for level in browse:
        assert {k: v for k, v in browse[level].items() if k != "degraded"} == {
            k: v for k, v in normal_browse[level].items() if k != "degraded"
        }
    assert browse["1ac"]["total"] == EXPECTED["level:1ac"]
    assert browse["primaire"]["total"] == EXPECTED["cycle:primaire"]


def test_pages_served_from_the_database_stay_up_and_say_search_is_down(degraded_app, corpus):
    client = degraded_app.test_client()
    home = client.get("/", headers={"Accept-Language": "ar"})
    assert home.status_code == 200 and ARABIC in home.get_data(as_text=True)
    browse = client.get("/browse/1ac")
    assert browse.status_code == 200 and FRENCH in browse.get_data(as_text=True)
    assert client.get("/browse/1ac.json").get_json()["total"] == EXPECTED["level:1ac"]
    page = client.get(f"/resources/{corpus['fractions']}")
    assert page.status_code == 200 and FRENCH not in page.get_data(as_text=True)


def test_the_outage_is_logged_once_with_its_cause(degraded_app, dead_port, caplog):
    client = degraded_app.test_client()
    with caplog.at_level(logging.ERROR):
        for _ in range(5):
            assert client.get("/search?q=x").status_code == 503
            assert client.get("/api/suggest?q=fra").status_code == 503
    outages = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(outages) == 1
    assert str(dead_port) in outages[0].getMessage()  # the cause, for the operator


def test_health_reports_the_outage_without_an_address(degraded_app, dead_port):
    response = degraded_app.test_client().get("/health")
    assert response.status_code == 200  # the database answers: degraded, not down
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {
        "ok": True,
        "published": EXPECTED["published"],
        "ms": body["checks"]["database"]["ms"],
    }
    assert body["checks"]["search"]["ok"] is False
    assert body["checks"]["search"]["error"] == "search_unavailable"
    _no_internal_address(response.get_data(as_text=True), dead_port)


def test_health_is_ok_when_both_answer(app):
    body = app.test_client().get("/health").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["search"]["documents"] == EXPECTED["published"]


def test_metrics_count_requests_and_503s(degraded_app):
    client = degraded_app.test_client()
    client.get("/search?q=x")
    client.get("/health")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'mawarid_http_requests_total{endpoint="public.search",method="GET",status="503"}' in text
    assert "mawarid_search_unavailable_total" in text
    assert "mawarid_search_up 0.0" in text and "mawarid_database_up 1.0" in text
