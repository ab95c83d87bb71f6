"""Index writes on Whoosh: upsert/delete (idempotent), atomic rebuild, crash mid-rebuild,
writes during a rebuild (also from another process), concurrent readers.

Which changes of the catalogue reach the index is the journal drainer's job
(:mod:`mawarid.index_sync`, tests/writepath and test_cli_and_catalogue.py); here the
backend is written directly, with documents made by :func:`indexer.to_indexable`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from indexer import SearchError, SearchQuery, open_backend, to_indexable


@dataclass(frozen=True)
class View:
    """Shaped like the catalogue's ``ResourceView`` as far as the index reads it."""

    id: str
    record: dict[str, Any]
    acquisition: dict[str, Any] | None
    published_at: datetime | None
    updated_at: datetime | None


def view_of(resource) -> View:
    return View(
        resource.id,
        resource.record,
        {"mode": resource.acquisition_mode, "supplier": "LNRN"},
        resource.published_at,
        resource.updated_at,
    )


def titles(backend, q):
    return {h.id for h in backend.search(SearchQuery(q=q)).hits}


def test_publish_update_withdraw(backend, corpus):
    c02 = to_indexable(view_of(corpus[1]))
    assert backend.upsert([c02]) == 1
    assert titles(backend, "fractions") == {"c02"} and backend.count() == 1
    backend.upsert([c02])  # idempotent
    assert backend.count() == 1
    # Re-indexing the same resource keeps every word of it findable (the deleted copy's
    # postings once made the scores negative and hid it).
    assert titles(backend, "fractions") == titles(backend, "vidéo") == {"c02"}

    edited = dict(
        c02.record,
        general={
            **c02.record["general"],
            "title": {"fr": "Les pourcentages"},
            "description": {"fr": "Calculer un pourcentage."},
        },
    )
    backend.upsert([replace(c02, record=edited)])
    assert titles(backend, "fractions") == titles(backend, "vidéo") == set()
    assert titles(backend, "pourcentages") == {"c02"} and backend.count() == 1

    facets = backend.search(SearchQuery()).to_dict()["facets"]
    assert facets["acquisition_mode"][0]["value"] == "production"

    backend.delete(["c02"])
    assert backend.count() == 0 and titles(backend, "pourcentages") == set()
    backend.delete(["c02"])  # idempotent
    assert backend.search(SearchQuery()).to_dict()["facets"]["subject"] == []


def test_a_resource_without_acquisition_has_no_acquisition_mode(backend, corpus):
    view = replace(view_of(corpus[1]), acquisition=None)
    assert to_indexable(view).acquisition_mode is None
    backend.upsert([to_indexable(view)])
    assert titles(backend, "fractions") == {"c02"}
    assert backend.search(SearchQuery()).to_dict()["facets"]["acquisition_mode"] == []


def test_rebuild_reports_progress(backend, corpus):
    seen = []
    assert backend.rebuild(iter(corpus), total=len(corpus), progress=seen.append) == 30
    assert backend.count() == 30 and seen[-1] == 30
    assert titles(backend, "الكسور") == {"c01"}


def generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_rebuild_switches_atomically_and_keeps_one_previous_generation(
    tmp_path, vocabularies, corpus
):
    root = tmp_path / "ix"
    backend = open_backend(f"whoosh://{root}", vocabularies)
    backend.rebuild(iter(corpus[:10]))
    first = (root / "CURRENT").read_text().strip()
    other = open_backend(f"whoosh://{root}", vocabularies)  # e.g. the web server process
    assert other.count() == 10
    backend.rebuild(iter(corpus))
    second = (root / "CURRENT").read_text().strip()
    assert second != first and backend.count() == 30
    assert generations(root) == sorted([first, second])
    import indexer.whoosh_backend as wb

    other._snap.checked -= wb.REFRESH_CHECK_SECONDS + 1  # as if a second had passed
    assert other.count() == 30  # noticed the switch
    other.close()
    backend.close()


def test_crash_mid_rebuild_leaves_the_previous_index_serving(tmp_path, vocabularies, corpus):
    root = tmp_path / "ix"
    backend = open_backend(f"whoosh://{root}", vocabularies)
    backend.rebuild(iter(corpus))
    current = (root / "CURRENT").read_text()

    def crashing():
        for i, resource in enumerate(corpus):
            if i == 15:
                raise RuntimeError("database connection lost")
            yield resource

    with pytest.raises(RuntimeError, match="connection lost"):
        backend.rebuild(crashing())
    assert backend.count() == 30 and titles(backend, "fractions") == {"c02"}
    assert (root / "CURRENT").read_text() == current
    assert not [g for g in generations(root) if g.startswith("build-")]  # partial folder removed
    before = generations(root)

    # a hard crash (no cleanup) leaves a build folder: the next open removes it
    (root / "build-20260101T000000-deadbeef").mkdir()
    (root / "build-20260101T000000-deadbeef" / "junk").write_text("x")
    reopened = open_backend(f"whoosh://{root}", vocabularies)
    assert generations(root) == before and reopened.count() == 30
    reopened.close()
    backend.close()


@contextmanager
def rebuild_held_open(backend, corpus) -> Iterator[None]:
    """A rebuild running in another thread, held after its first resource until the block
    ends; it then indexes its second resource and switches."""
    started, release = threading.Event(), threading.Event()

    def slow():
        yield corpus[0]
        started.set()
        release.wait(10)
        yield corpus[1]

    worker = threading.Thread(target=lambda: backend.rebuild(slow()))
    worker.start()
    started.wait(10)
    try:
        yield
    finally:
        release.set()
        worker.join(10)


def test_one_rebuild_at_a_time(backend, corpus):
    with rebuild_held_open(backend, corpus), pytest.raises(SearchError) as err:
        backend.rebuild(iter(corpus))
    assert err.value.key == "rebuild_in_progress"
    assert backend.count() == 2


def test_changes_during_a_rebuild_are_not_lost(backend, corpus):
    with rebuild_held_open(backend, corpus):
        backend.upsert([corpus[7]])  # c08 published meanwhile
        backend.delete([corpus[1].id])  # c02 withdrawn meanwhile
    assert {h.id for h in backend.search(SearchQuery()).hits} == {"c01", "c08"}


def test_searches_from_threads_while_the_index_is_written(backend, corpus):
    backend.rebuild(iter(corpus[:20]))
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        queries = ["fractions", "الرياضيات", "", "mathématiques 1AC"]
        i = 0
        while not stop.is_set():
            try:
                result = backend.search(
                    SearchQuery(q=queries[i % 4], filters={"subject": ["mathematiques"]})
                )
                assert result.total >= 0
                backend.suggest("ma")
            except BaseException as exc:
                errors.append(exc)
                return
            i += 1

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for resource in corpus[20:]:
        backend.upsert([resource])
    for resource in corpus[:5]:
        backend.delete([resource.id])
    stop.set()
    for t in threads:
        t.join(10)
    assert not errors, errors[:3]
    assert backend.count() == 25


def _slow_rebuild_in_another_process(root, items, started, release):
    # a separate process, like `mawarid reindex` next to the running portal
    from indexer_corpus import _resource

    from metadata_schemas.vocabularies import get_vocabularies

    backend = open_backend(f"whoosh://{root}", get_vocabularies())

    def slow():
        yield _resource(items[0])
        started.set()
        release.wait(20)
        yield _resource(items[1])

    backend.rebuild(slow())
    backend.close()


def test_changes_made_by_another_process_during_a_rebuild_are_replayed(
    tmp_path, vocabularies, corpus
):
    import json
    import multiprocessing

    from indexer_corpus import CORPUS

    items = json.loads(CORPUS.read_text("utf-8"))["resources"][:2]
    root = tmp_path / "ix"
    portal = open_backend(f"whoosh://{root}", vocabularies)
    portal.rebuild(iter(corpus[5:8]))
    ctx = multiprocessing.get_context("fork")
    started, release = ctx.Event(), ctx.Event()
    child = ctx.Process(
        target=_slow_rebuild_in_another_process, args=(root, items, started, release)
    )
    child.start()
    assert started.wait(20)
    portal.upsert([corpus[9]])  # c10, published meanwhile
    portal.delete([corpus[1].id])  # c02, withdrawn meanwhile
    assert portal.count() == 4  # old generation still serves
    release.set()
    child.join(30)
    assert child.exitcode == 0
    import indexer.whoosh_backend as wb

    portal._snap.checked -= wb.REFRESH_CHECK_SECONDS + 1
    assert {h.id for h in portal.search(SearchQuery()).hits} == {"c01", "c10"}
    assert not (root / "journal.jsonl").exists()
    portal.close()
