"""The index follows a bulk ingest while it writes (:mod:`mawarid.index_follow`), and a
large drain reaches a Whoosh index as one new segment (``WhooshBackend.upsert``): the
same answers as documents added one by one, earlier versions replaced, and nothing
lost when the follower dies."""

from __future__ import annotations

import os
import signal
import time

import pytest
from catalogue_testdata import INDEXER, record

import indexer.elastic.backend
import indexer.whoosh_backend
from catalogue.services.demo import Demo
from core.clock import utcnow
from indexer import SearchQuery
from mawarid.index_follow import IndexFollower
from tests.support.cli import invoke

QUERIES = ["fractions", "géométrie", "الكسور", "sciences", "lecture", "histoire"]


def answers(runtime) -> list:
    """What readers would see: hits in order, totals and facet counts of a few queries."""
    seen = []
    for q in QUERIES:
        result = runtime.search.search(SearchQuery(q=q, size=20))
        facets = [(f.name, [(b.value, b.count) for b in f.buckets]) for f in result.facets]
        scores = [round(hit.score, 6) for hit in result.hits]
        seen.append((q, result.total, [hit.id for hit in result.hits], scores, facets))
    return seen


def ingest(runtime, count: int, *, seed: str = "f", follower: IndexFollower | None = None):
    def written(n: int) -> None:
        if follower is not None:
            follower.written(n)

    return Demo(runtime.resources, seed=seed, batch_size=25).run(count, progress=written)


@pytest.mark.parametrize("engine", ["whoosh"])
def test_a_large_drain_is_one_segment_with_the_same_answers(instance, monkeypatch):
    one_by_one = instance()
    one_by_one.index.follow_commits = False
    ingest(one_by_one, 120)
    monkeypatch.setattr(indexer.whoosh_backend, "BULK_UPSERT", 10**9)
    assert one_by_one.index.drain().upserted == 120

    # The same database drained again into a second index, 120 documents at once.
    bulk = instance(MAWARID_SEARCH_URL=instance.config["MAWARID_SEARCH_URL"] + "-bulk")
    bulk.index.follow_commits = False
    monkeypatch.setattr(indexer.whoosh_backend, "BULK_UPSERT", 50)
    bulk.index.batch = 200
    everything = sorted(bulk.catalogue.journal.published_ids())
    bulk.catalogue.journal.record(everything, "repair", utcnow(bulk.clock))
    with bulk.search._snapshot() as before:
        segments_before = len(before.segments)
    assert bulk.index.drain().upserted == 120
    with bulk.search._snapshot() as after:
        assert len(after.segments) == segments_before + 1  # one segment for the drain
    assert bulk.search.count() == 120
    assert answers(bulk) == answers(one_by_one)

    # Drained again, with one record changed: earlier versions replaced, not doubled.
    rid = everything[7]
    view = bulk.resources.get(rid)
    changed = record(7)
    changed["general"]["title"] = {"fr": "Les quaternions", "ar": "الرباعيات"}
    bulk.resources.update(INDEXER, rid, changed, expected_version=view.version)
    bulk.catalogue.journal.record(everything, "repair", utcnow(bulk.clock))
    assert bulk.index.drain().upserted == 120
    assert bulk.search.count() == 120 and bulk.index.check().in_step
    hits = bulk.search.search(SearchQuery(q="quaternions")).hits
    assert [(hit.id, hit.title["fr"]) for hit in hits] == [(rid, "Les quaternions")]
    everyone = bulk.search.search(SearchQuery(q="", size=100)).total
    assert everyone == 120  # the earlier version of each document is gone


def test_a_drain_can_leave_a_small_rest_for_later(instance):
    rt = instance()
    rt.index.follow_commits = False
    ingest(rt, 30)
    assert rt.index.drain(min_rows=50).applied == 0  # fewer rows than a round: wait
    assert rt.catalogue.journal.state().pending == 30
    report = rt.index.drain(min_rows=20)
    assert report.upserted == 30 and report.complete  # a round of 30 ≥ 20: all of it


def test_the_follower_indexes_a_bulk_ingest_and_reports_it(instance):
    rt = instance(MAWARID_INDEX_FOLLOW_ROUND="50")
    rt.index.follow_commits = False
    with IndexFollower(rt.settings) as follower:
        assert not follower.started  # nothing written yet: no process
        result = ingest(rt, 180, follower=follower)
        assert follower.started
    assert result["created"] == 180
    # Everything the ingest journalled was applied by the follower (rounds of 50 while
    # it wrote, the rest when it ended); the ingest's own catch-up has nothing left.
    assert follower.report.upserted == 180 and follower.report.complete
    assert follower.cpu_seconds > 0
    assert rt.catalogue.journal.state().pending == 0
    assert rt.index.catch_up().applied == 0
    time.sleep(indexer.whoosh_backend.REFRESH_CHECK_SECONDS + 0.1)  # written by another process
    drift = rt.index.check()
    assert drift.in_step and drift.indexed == 180


def test_a_small_ingest_starts_no_follower(instance):
    rt = instance(MAWARID_INDEX_FOLLOW_ROUND="500")
    with IndexFollower(rt.settings) as follower:
        ingest(rt, 40, follower=follower)
    assert not follower.started and follower.report.applied == 0
    assert rt.index.catch_up().upserted == 40 and rt.index.check().in_step


def test_a_killed_follower_leaves_its_rows_to_the_catch_up(instance):
    rt = instance(MAWARID_INDEX_FOLLOW_ROUND="25")
    rt.index.follow_commits = False
    with IndexFollower(rt.settings) as follower:
        ingest(rt, 50, follower=follower)
        assert follower.started
        os.kill(follower._process.pid, signal.SIGKILL)  # type: ignore[union-attr]
        ingest(rt, 100, follower=follower)  # the ingest goes on without it
    assert follower.report.applied == 0  # it never reported
    report = rt.index.catch_up()
    assert report.complete
    drift = rt.index.check()
    assert drift.in_step and drift.indexed == 100


@pytest.mark.parametrize("engine", ["whoosh"])
def test_demo_summary_counts_what_the_follower_applied(instance):
    rt = instance(MAWARID_INGEST_PROCS="2", MAWARID_INDEX_FOLLOW_ROUND="40")
    result = invoke(rt, "demo", "--count", "130", "--batch", "20", env={"LANG": "en_US.UTF-8"})
    assert result.exit_code == 0, result.output
    # every change counted once, whether the follower or the catch-up applied it
    assert "search index up to date (130 changes applied)" in result.output
    # The follower wrote from its own process: this one sees its commits within a second.
    time.sleep(indexer.whoosh_backend.REFRESH_CHECK_SECONDS + 0.1)
    assert rt.index.check().in_step


@pytest.mark.parametrize("engine", ["whoosh"])
def test_a_write_only_whoosh_backend_still_reads_its_last_commit(instance):
    # The follower builds no search arrays after its writes (its memory stays flat over
    # the rounds); whoever reads next from such a backend still sees every commit.
    rt = instance()
    rt.index.follow_commits = False
    rt.search.refresh_after_write = False
    ingest(rt, 30)
    assert rt.search.count() == 0
    assert rt.index.drain().upserted == 30
    assert rt.search.count() == 30 and rt.index.check().in_step
    hit = rt.search.search(SearchQuery(q="", size=1)).hits[0]
    rt.search.delete([hit.id])
    assert rt.search.count() == 29 and hit.id not in set(rt.search.ids())


def test_a_large_drain_reaches_every_engine_in_bounded_writes(instance, monkeypatch):
    # Whoosh: one new segment from BULK_UPSERT documents on; Elasticsearch/OpenSearch:
    # requests of BULK_DOCS documents at most (a follower's round is 10,000).
    monkeypatch.setattr(indexer.whoosh_backend, "BULK_UPSERT", 10)
    monkeypatch.setattr(indexer.elastic.backend, "BULK_DOCS", 7)
    rt = instance()
    rt.index.follow_commits = False
    rt.index.batch = 100
    ingest(rt, 40)
    report = rt.index.drain()
    assert report.upserted == 40 and report.complete
    drift = rt.index.check()
    assert drift.in_step and drift.indexed == 40
    assert rt.search.search(SearchQuery(q="", size=0)).total == 40
