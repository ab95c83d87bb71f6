"""A node of a real 3-node cluster dies under load: searches keep answering, no acknowledged
write is lost, and the backend uses the node again when it comes back.

Needs the clusters of ``bin/search-nodes start --cluster`` (``bin/test`` starts them); with
single nodes these tests are skipped locally and FAIL in CI. Nodes are killed with SIGKILL
(``bin/search-nodes kill``: a crash, not a clean shutdown) and started again on their data
(``bin/search-nodes revive``, which returns once the node has rejoined its cluster).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from indexer import SearchError, SearchQuery
from indexer.elastic.client import decoded

REPO = Path(__file__).resolve().parents[2]
QUERIES = {"fractions": None, "رياضيات": None, "": None, "collège exercice": None}
WAIT = 180  # seconds any wait for the cluster may take before the test fails


@pytest.fixture(scope="module")
def cluster(engine_url):
    """``(nodes by port, run(action, node))`` of the cluster behind ``engine_url``."""
    hosts = engine_url.split("://", 1)[1].split("/", 1)[0].split(",")
    state = os.environ.get("MAWARID_TEST_SEARCH_NODES_DIR", "")
    if len(hosts) < 3 or not state:
        message = 'needs a 3-node cluster: eval "$(bin/search-nodes start --cluster)"'
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the failover tests: {message}")
        pytest.skip(message)
    nodes = {}
    for line in (Path(state) / "nodes").read_text().splitlines():
        name, _engine, port = line.split()
        nodes[port] = name

    def run(action: str, node: str) -> None:
        subprocess.run(
            [str(REPO / "bin" / "search-nodes"), action, node],
            env={**os.environ, "MAWARID_SEARCH_NODES_DIR": state},
            check=True,
            timeout=300,
            capture_output=True,
        )

    return nodes, run


def primary_node(backend) -> str:
    """The name of the node holding the primary copy of the backend's index."""
    index = backend.client.aliases(backend.alias)[0]
    shards = decoded(backend.client.official.cat.shards(index=index, format="json"))
    return next(s["node"] for s in shards if s["prirep"] == "p")


def observer(backend, avoid: str, nodes: dict[str, str]):
    """Another client, connected to one node other than ``avoid`` only: what it asks about
    ``avoid`` travels between nodes, never over an HTTP connection to ``avoid`` itself."""
    from indexer.elastic.client import EngineClient

    connection = backend.client.connection
    host = next(h for h in connection.hosts if nodes[h.rsplit(":", 1)[1]] != avoid)
    return EngineClient(replace(connection, hosts=(host,)))


def http_connections(client, node: str) -> int:
    """HTTP connections ``node`` has accepted since it started."""
    stats = decoded(client.official.nodes.stats(node_id=node, metric="http"))
    return next(iter(stats["nodes"].values()))["http"]["total_opened"]


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT} s: {what}"
        time.sleep(0.1)


def healed(backend) -> None:
    index = backend.client.aliases(backend.alias)[0]
    assert backend.client.wait_for_copies(index, budget=WAIT), "replicas not back"


class Load:
    """Threads calling ``work(n)`` until stopped; counts successes and keeps failures."""

    def __init__(self, work, threads: int = 3) -> None:
        self.work = work
        self.done = 0
        self.failures: list[str] = []
        self.slowest = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]

    def _run(self, worker: int) -> None:
        n = 0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.work(worker, n)
            except Exception as exc:  # kept, and the test fails on it
                with self._lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
            else:
                with self._lock:
                    self.done += 1
                    self.slowest = max(self.slowest, time.monotonic() - started)
            n += 1

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=WAIT)


def test_searches_keep_answering_while_a_node_dies_and_use_it_again_when_it_returns(
    cluster, make_backend, corpus
):
    nodes, run = cluster
    backend = make_backend("failover-q")
    backend.rebuild(iter(corpus))
    healed(backend)
    expected = {q: backend.search(SearchQuery(q=q, size=5)).total for q in QUERIES}
    assert all(expected.values())
    queries = list(expected)

    def search(worker: int, n: int) -> None:
        q = queries[(worker + n) % len(queries)]
        total = backend.search(SearchQuery(q=q, size=5)).total
        assert total == expected[q], f"{q!r}: {total} hits instead of {expected[q]}"

    victim = primary_node(backend)
    with Load(search) as load:
        wait_until(lambda: load.done >= 30, "30 searches before the kill")
        run("kill", victim)
        at_kill = load.done
        wait_until(lambda: load.done >= at_kill + 150, "150 searches after the kill")
        slowest_after_kill = load.slowest
    assert load.failures == []
    assert slowest_after_kill <= backend.client.connection.search_timeout + 0.5

    run("revive", victim)  # returns once the node has rejoined its cluster
    watcher = observer(backend, victim, nodes)
    index = backend.client.aliases(backend.alias)[0]
    assert watcher.wait_for_copies(index, budget=WAIT)
    before = http_connections(watcher, victim)  # the revive's own health checks

    def revived_gets_requests() -> bool:
        for q in queries * 3:  # round robin over the nodes the client holds alive
            assert backend.search(SearchQuery(q=q, size=5)).total == expected[q]
        return http_connections(watcher, victim) > before

    wait_until(revived_gets_requests, f"the client sending requests to {victim} again")
    watcher.close()


def test_no_acknowledged_write_is_lost_while_a_node_dies(cluster, make_backend, corpus):
    _nodes, run = cluster
    backend = make_backend("failover-w")
    backend.rebuild(iter(corpus[:5]))
    healed(backend)
    acknowledged: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()

    def write(worker: int, n: int) -> None:
        batch = [replace(corpus[k % 30], id=f"w{worker}-{n}-{k}") for k in range(10)]
        try:
            backend.upsert(batch)
        except SearchError:  # not acknowledged: the caller knows (the journal retries it)
            with lock:
                refused.extend(r.id for r in batch)
            raise
        with lock:
            acknowledged.extend(r.id for r in batch)

    def stored(ids: list[str]) -> int:
        answer = backend.client.search(
            backend.alias, {"query": {"ids": {"values": ids}}, "size": 0, "track_total_hits": True}
        )
        return answer["hits"]["total"]["value"]

    victim = primary_node(backend)
    with Load(write) as load:
        wait_until(lambda: len(acknowledged) >= 200, "200 acknowledged writes before the kill")
        run("kill", victim)
        at_kill = len(acknowledged)
        wait_until(lambda: len(acknowledged) >= at_kill + 300, "300 writes after the kill")
    assert load.failures == [], f"refused while a node was down: {load.failures[:3]}"
    assert stored(acknowledged) == len(acknowledged)  # on the surviving copy
    run("revive", victim)
    healed(backend)
    backend.client.refresh(backend.client.aliases(backend.alias)[0])
    assert stored(acknowledged) == len(acknowledged)
    assert backend.count() == 5 + len(acknowledged)
