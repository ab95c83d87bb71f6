"""The search index follows a bulk ingest as it commits, from a process of its own.

An ingest (``mawarid demo``, ``mawarid import``) writes its resources and their index
journal rows batch by batch (:mod:`catalogue.services.bulk`); until now the index caught
up once the whole ingest was stored, so indexing added its own minutes to the run while
a core waited for the writer. :class:`IndexFollower` starts one more process that drains
the journal while the ingest writes — the same drain as any other
(:meth:`mawarid.index_sync.IndexSync.drain`: the drain lock, the current state of each
resource read from the database, rows acknowledged only once the index holds them), in
rounds of ``MAWARID_INDEX_FOLLOW_ROUND`` rows (10,000) so that each round becomes one
segment of the index (:data:`indexer.whoosh_backend.BULK_UPSERT`).

Nothing here is needed for correctness: if the follower dies, is killed with the ingest,
or cannot write the index, its rows stay in the journal and the ingest's own catch-up (or
the next drain of anyone) applies them. When the ingest ends the follower drains what is
left and reports what it did, which the ingest's summary adds to its own.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import resource
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from types import TracebackType
from typing import Self

from catalogue.services.workers import follow_parent
from core.collector import tune_for_bulk
from core.settings import Settings

from .index_sync import IndexSync, SyncReport

log = logging.getLogger(__name__)

#: Seconds between two looks at the journal while the ingest writes.
POLL_SECONDS = 0.5
#: Seconds the ingest waits, at its end, for the follower to drain what is left.
FINISH_TIMEOUT = 600.0


class IndexFollower:
    """``with IndexFollower(settings) as f: <ingest, calling f.written(n)>`` — the index
    drained beside the ingest, from the first full round on (a small ingest never starts
    the process: its catch-up at the end is a moment).

    ``enabled=False`` (one core, or the index left to a running portal) makes it do
    nothing. :attr:`report` is what the follower applied, once the block has ended.
    """

    def __init__(self, settings: Settings, *, enabled: bool = True) -> None:
        self.settings = settings
        self.round = settings.index_follow_round  # MAWARID_INDEX_FOLLOW_ROUND
        self.enabled = enabled and self.round > 0
        self.report = SyncReport()
        #: CPU seconds and peak memory (KiB) of the follower process (for benchmarks).
        self.cpu_seconds = 0.0
        self.peak_kib = 0
        self._process: multiprocessing.process.BaseProcess | None = None
        self._stop: Event | None = None
        self._results: Queue[tuple[SyncReport, float, int]] | None = None

    def __enter__(self) -> Self:
        return self

    def written(self, count: int) -> None:
        """The ingest has handled ``count`` records so far (its progress callback)."""
        if self.enabled and self._stop is None and count >= self.round:
            self._start()

    @property
    def started(self) -> bool:
        return self._stop is not None

    def _start(self) -> None:
        context = multiprocessing.get_context("forkserver")
        self._stop = context.Event()
        self._results = context.Queue()
        self._process = context.Process(
            target=follow,
            args=(self.settings, self._stop, self._results, os.getpid(), self.round),
            name="mawarid-index-follower",
            daemon=True,
        )
        try:
            self._process.start()
        except OSError as exc:  # no processes left: the ingest's catch-up does it all
            log.warning("index follower not started (%s)", exc)
            self._process = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        assert self._stop is not None and self._results is not None
        if kind is not None and not issubclass(kind, Exception):  # interrupted: stop now
            process.terminate()
            process.join()
            return
        self._stop.set()  # drain what is left, then report
        waited = 0.0
        while True:
            try:
                self.report, self.cpu_seconds, self.peak_kib = self._results.get(timeout=1.0)
                break
            except queue.Empty:
                waited += 1.0
                if not process.is_alive() or waited >= FINISH_TIMEOUT:
                    # killed, or stuck: its rows are still in the journal
                    log.warning("index follower did not report: the catch-up applies its rows")
                    process.terminate()
                    break
        process.join()


def follow(
    settings: Settings,
    stop: Event,
    results: Queue[tuple[SyncReport, float, int]],
    parent: int,
    round: int,
) -> None:
    """In the follower process: drain full rounds until ``stop``, then the rest; put the
    :class:`SyncReport` of all the drains on ``results``, with the process's CPU seconds
    and peak memory."""
    follow_parent(parent)
    tune_for_bulk()
    # Imported here: the follower opens the instance like any command does.
    from .runtime import build_runtime

    total = SyncReport()
    rt = build_runtime(settings)
    try:
        if hasattr(rt.search, "refresh_after_write"):  # Whoosh: nothing is read here
            rt.search.refresh_after_write = False
        sync = IndexSync(rt.catalogue.journal, rt.catalogue.resources, rt.search, batch=round)
        sync.follow_commits = False
        while True:
            stopping = stop.wait(POLL_SECONDS)
            total.absorb(sync.drain(wait=True, min_rows=None if stopping else round))
            if stopping:
                break
    except Exception as exc:  # the ingest's catch-up applies what is left, and says so
        log.exception("index follower stopped")
        total.error = " ".join(f"{type(exc).__name__}: {exc}".split())
    finally:
        rt.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        results.put((total, time.process_time(), peak))
