"""An empty index is rebuilt from the database by itself (the embedded backend)."""

from __future__ import annotations

import socket
import threading

from indexer import SearchQuery, open_backend
from indexer.watch import IndexWatch


def _watch(backend, corpus, published=None, **kwargs):
    rebuilt = []

    def rebuild() -> int:
        rebuilt.append(1)
        return backend.rebuild(iter(corpus))

    watch = IndexWatch(
        backend,
        published=published or (lambda: len(corpus)),
        rebuild=rebuild,
        **kwargs,
    )
    return watch, rebuilt


def test_an_empty_index_is_rebuilt_after_two_looks(backend, corpus):
    watch, rebuilt = _watch(backend, corpus)
    assert watch.check() is False  # one look is not enough (an index being swapped…)
    assert watch.check() is True
    watch.wait(timeout=120)
    assert rebuilt == [1] and watch.rebuilds == 1 and not watch.rebuilding
    assert backend.count() == len(corpus)
    assert backend.search(SearchQuery(q="fractions")).total > 0
    assert watch.check() is False and watch.check() is False  # full now: left alone


def test_a_full_index_or_an_empty_catalogue_is_left_alone(backend, corpus):
    watch, rebuilt = _watch(backend, corpus, published=lambda: 0)
    for _ in range(3):
        assert watch.check() is False  # empty index, but nothing is published
    backend.rebuild(iter(corpus[:2]))
    watch, rebuilt = _watch(backend, corpus)
    for _ in range(3):
        assert watch.check() is False
    assert rebuilt == []


def test_an_unreachable_engine_is_not_empty(vocabularies, corpus):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = open_backend(f"elasticsearch://127.0.0.1:{port}/m", vocabularies)
    watch, rebuilt = _watch(down, corpus)
    for _ in range(3):
        assert watch.check() is False
    assert rebuilt == []
    down.close()


def test_a_failed_rebuild_is_logged_and_tried_again(backend, corpus, caplog):
    attempts = []

    def failing() -> int:
        attempts.append(1)
        raise RuntimeError("database connection lost")

    watch = IndexWatch(backend, published=lambda: len(corpus), rebuild=failing, confirm=1)
    assert watch.check() is True
    watch.wait(timeout=30)
    assert "rebuilding the empty index failed" in caplog.text
    assert watch.check() is True  # the next look tries again
    watch.wait(timeout=30)
    assert len(attempts) == 2 and watch.rebuilds == 0


def test_the_watch_looks_by_itself_until_stopped(backend, corpus):
    done = threading.Event()

    def rebuild() -> int:
        count = backend.rebuild(iter(corpus))
        done.set()
        return count

    watch = IndexWatch(
        backend, published=lambda: len(corpus), rebuild=rebuild, interval=0.05, confirm=1
    )
    watch.start()
    try:
        assert done.wait(timeout=120), "the watch never rebuilt the empty index"
    finally:
        watch.stop()
        watch.wait(timeout=120)
    assert backend.count() == len(corpus) and watch.rebuilds == 1
