"""Retries, back-off and outages of the cluster client, against a scripted HTTP server.

A real node will not answer 429 or 503 on demand, so a small HTTP server on 127.0.0.1
plays an overloaded one: it answers each request with the next status of its script
(then 200 with a ``_count`` answer), speaking the Elasticsearch product header so that the
official client accepts it. The client under test is the real one, over real sockets;
``sleep`` is recorded instead of slept and time is a :class:`~core.clock.FrozenClock`.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.clock import FrozenClock
from indexer import SearchUnavailable
from indexer.elastic.client import EngineClient, EngineError
from indexer.elastic.connection import Connection


class Scripted(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.seen: list[str] = []
        self.bodies: list[bytes] = []
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(BaseHTTPRequestHandler):
    server: Scripted

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.bodies.append(self.rfile.read(length) if length else b"")
        self.server.seen.append(f"{self.command} {self.path.split('?')[0]}")
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        if self.path.startswith("/_bulk") and status == 200 and len(self.server.seen) == 1:
            body = {"errors": True, "items": [
                {"index": {"_id": "a", "status": 201}},
                {"index": {"_id": "b", "status": 429, "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}},
            ]}  # fmt: skip
        elif self.path.startswith("/_bulk"):
            body = {"errors": False, "items": [{"index": {"_id": "b", "status": 201}}]}
        elif status == 200:
            body = {"count": 42}
        else:
            body = {"error": {"type": "busy", "reason": "try later"}, "status": status}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def scripted():
    servers = []

    def start(statuses: list[int]) -> tuple[Scripted, EngineClient, list[float]]:
        server = Scripted(statuses)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        pauses: list[float] = []
        connection = Connection(
            engine="elasticsearch",
            hosts=(f"http://127.0.0.1:{server.server_address[1]}",),
            retries=3,
            retry_after=15,
        )
        return server, EngineClient(connection, clock=FrozenClock(), sleep=pauses.append), pauses

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_busy_answers_are_retried_with_growing_pauses(scripted, status):
    server, client, pauses = scripted([status, status, status])
    assert client.count("idx") == 42
    assert server.seen == ["POST /idx/_count"] * 4
    assert len(pauses) == 3 and pauses[2] <= 2.0
    # 50, 100, 200 ms each with up to half of jitter: growing, never hammering at once
    assert 0.025 <= pauses[0] <= 0.05 <= pauses[1] <= 0.1 <= pauses[2] <= 0.2


def test_a_refusal_is_not_retried_and_says_why(scripted):
    server, client, pauses = scripted([400])
    with pytest.raises(EngineError) as err:
        client.count("idx")
    assert server.seen == ["POST /idx/_count"] and pauses == []
    assert err.value.status == 400 and "busy: try later" in err.value.message("en")


def test_too_many_busy_answers_make_an_outage_logged_once_and_left_alone(scripted, caplog):
    server, client, _pauses = scripted([503] * 20)
    with caplog.at_level(logging.ERROR), pytest.raises(SearchUnavailable) as err:
        client.count("idx")
    assert len(server.seen) == 4 and err.value.retry_after == 15  # 1 try + 3 retries
    with pytest.raises(SearchUnavailable):
        client.count("idx")  # within retry_after: answered at once, nothing sent
    assert len(server.seen) == 4
    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1
    assert client.outage.state()["ok"] is False

    client.clock.advance(16)  # then one call tries again
    server.statuses.clear()
    with caplog.at_level(logging.WARNING):
        assert client.count("idx") == 42
    assert client.outage.state() == {"ok": True}
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_only_the_refused_items_of_a_bulk_are_sent_again(scripted):
    server, client, pauses = scripted([])
    lines = [{"index": {"_index": "i", "_id": "a"}}, {"x": 1}]
    lines += [{"index": {"_index": "i", "_id": "b"}}, {"x": 2}]
    client.bulk(lines)
    assert server.seen in (["PUT /_bulk"] * 2, ["POST /_bulk"] * 2)
    resent = [json.loads(line) for line in server.bodies[1].decode().splitlines() if line]
    assert resent == [{"index": {"_index": "i", "_id": "b"}}, {"x": 2}]
    assert len(pauses) == 1
