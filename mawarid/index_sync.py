"""Keeping the search index in step with the catalogue: the drainer of the index journal.

The catalogue writes one ``index_journal`` row in the transaction of every change of a
resource's public view (see :mod:`catalogue.services.journal`); this module, above both
the catalogue and the indexer, brings the index up to date from those rows:

* :meth:`IndexSync.drain` reads pending rows in batches, applies the *current* state of
  their resources (published → upsert, anything else → delete), and acknowledges the
  rows. Repeated changes of one resource cost one index write; replays are harmless;
  one drainer at a time across processes (the journal's drain lock), the others skip.
* **When it runs**: after every commit of the portal or a command (commit hook:
  synchronously, or by waking the background thread of a running portal), when
  ``serve`` starts and every ``MAWARID_INDEX_SYNC_SECONDS`` while it runs
  (:meth:`IndexSync.start`), and at the end of every command that writes.
* **When the index cannot be written** (engine stopped, disk full, locked): the drain
  stops, the rows stay pending — nothing is lost — and the next drain applies them. A
  resource the index refuses (a document it cannot build) is set aside with the reason
  instead of blocking the others; ``mawarid index repair`` retries it.
* :meth:`IndexSync.check` compares the published resources with the indexed ids
  (counts and the first differing ids); :meth:`IndexSync.repair` journals every
  difference and drains, so the index is fixed in place, without a rebuild or downtime;
  :meth:`IndexSync.rebuild` is the full rebuild (fresh index, atomic switch).

After a crash at any point (``kill -9`` included) the journal still holds what was not
acknowledged, and the next drain converges to what the database holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from catalogue.services import IndexJournal, ResourceService
from catalogue.services.views import IndexEntry, ResourceChange
from core.clock import SYSTEM_CLOCK, Clock, utcnow
from core.collector import bulk_collection
from core.errors import MawaridError
from core.messages import N_, Message, gettext
from indexer import IndexableResource, SearchBackend, SearchError

log = logging.getLogger(__name__)

#: Journal rows read (and resources applied) per round.
BATCH = 500
#: How many differing ids a check names.
SAMPLE = 10
#: A backlog from this size on, larger than the index, is caught up by a full rebuild.
REBUILD_BACKLOG = 5000

Progress = Callable[[int], None]


def unwritable_reason(exc: BaseException) -> Message | str:
    """Why the index could not be written, for the reader (never a traceback)."""
    if isinstance(exc, MawaridError):
        return exc.msg
    if isinstance(exc, SearchError):
        return exc.message()
    if isinstance(exc, OSError):
        return Message(
            N_("the search index cannot be written (%(reason)s)"),
            reason=exc.strerror or type(exc).__name__,
        )
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def is_transient(exc: BaseException) -> bool:
    """The engine (not the record) failed: retry later, refuse nothing."""
    return isinstance(exc, (SearchError, OSError, TimeoutError, ConnectionError))


@dataclass
class SyncReport:
    """What one drain did, and what is left."""

    upserted: int = 0
    removed: int = 0
    #: ``(resource id, why)`` of the resources the index refused (set aside).
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: Journal rows still pending after the drain.
    pending: int = 0
    #: Why the drain stopped early (the index could not be written), if it did.
    error: Message | str | None = None
    #: Another process was draining: nothing was done here.
    busy: bool = False
    seconds: float = 0.0

    def absorb(self, later: SyncReport) -> None:
        """Add what a later drain did; its error and pending rows are the news."""
        self.upserted += later.upserted
        self.removed += later.removed
        self.refused += later.refused
        self.error = later.error
        self.pending = later.pending
        self.busy = later.busy
        self.seconds += later.seconds

    @property
    def applied(self) -> int:
        return self.upserted + self.removed

    @property
    def complete(self) -> bool:
        """Everything journalled is in the index (nothing pending, refused or failed)."""
        return self.error is None and not self.refused and self.pending == 0 and not self.busy

    def error_text(self) -> str | None:
        if self.error is None:
            return None
        return self.error.render() if isinstance(self.error, Message) else self.error


@dataclass(frozen=True)
class Drift:
    """How the index differs from the database (see :meth:`IndexSync.check`)."""

    published: int
    indexed: int
    missing: list[str]  # published, not indexed (first ones)
    missing_count: int
    extra: list[str]  # indexed, not published (first ones)
    extra_count: int
    pending: int
    refused: list[tuple[str, str]]

    @property
    def in_step(self) -> bool:
        return not (self.missing_count or self.extra_count or self.pending or self.refused)

    def to_dict(self) -> dict[str, Any]:
        return {
            "in_step": self.in_step,
            "published": self.published,
            "indexed": self.indexed,
            "missing": {"count": self.missing_count, "first": self.missing},
            "extra": {"count": self.extra_count, "first": self.extra},
            "pending": self.pending,
            "refused": [{"id": rid, "error": why} for rid, why in self.refused],
        }


class IndexSync:
    """The drainer of one instance (see the module docstring)."""

    def __init__(
        self,
        journal: IndexJournal,
        resources: ResourceService,
        backend: SearchBackend,
        *,
        batch: int = BATCH,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.journal = journal
        self.resources = resources
        self.backend = backend
        self.batch = max(1, batch)
        self.clock = clock
        self.last: SyncReport | None = None
        #: Drain after each commit (False: leave the journal to the next drain, e.g. a
        #: process that writes many changes and drains once at its end).
        self.follow_commits = True
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._failing = False  # the index could not be written at the last drain

    # -- draining --------------------------------------------------------------------------

    def drain(
        self,
        *,
        wait: bool = False,
        progress: Progress | None = None,
        min_rows: int | None = None,
    ) -> SyncReport:
        """Apply every pending journal row (see the module docstring).

        ``wait``: wait for another process's drain to end instead of leaving it the work.
        ``min_rows``: apply only rounds of at least this many rows, leave a smaller rest
        pending (:mod:`mawarid.index_follow`: large rounds while an ingest writes).
        """
        started = self.clock.monotonic()
        report = SyncReport()
        with self.journal.drain_lock(wait=wait) as held:
            if not held:
                report.busy = True
            else:
                # A round larger than a read would never come: a full read is enough.
                self._drain(report, progress, min(min_rows or 1, self.batch))
        report.pending = self.journal.state().pending
        report.seconds = self.clock.monotonic() - started
        self._remember(report)
        return report

    def _drain(self, report: SyncReport, progress: Progress | None, min_rows: int = 1) -> None:
        after = 0
        while True:
            entries = self.journal.pending(self.batch, after=after)
            if len(entries) < min_rows:
                return
            after = entries[-1].seq
            by_resource: dict[str, list[int]] = {}
            for entry in entries:
                by_resource.setdefault(entry.resource_id, []).append(entry.seq)
            published = self.journal.published(by_resource)
            try:
                refused = self._apply(by_resource, published, report)
            except Exception as exc:
                report.error = unwritable_reason(exc)
                return
            done = [seq for rid, seqs in by_resource.items() if rid not in refused for seq in seqs]
            self.journal.acknowledge(done)
            for rid, why in refused.items():
                self.journal.refuse(by_resource[rid], why)
                report.refused.append((rid, why))
            if progress:
                progress(report.applied)

    def _apply(
        self,
        ids: Iterable[str],
        published: Mapping[str, IndexEntry],
        report: SyncReport,
    ) -> dict[str, str]:
        """Write the current state of ``ids`` (in the index if ``published`` has them, else
        out of it); returns the ids the index refused (and why).

        Raises when the index itself cannot be written (nothing is refused then).
        """
        upserts: list[IndexableResource] = []
        deletes: list[str] = []
        for rid in ids:
            entry = published.get(rid)
            if entry is not None:
                upserts.append(_indexable(entry))
            else:
                deletes.append(rid)
        if deletes:
            self.backend.delete(deletes)
            report.removed += len(deletes)
        if not upserts:
            return {}
        try:
            self.backend.upsert(upserts)
            report.upserted += len(upserts)
            return {}
        except Exception as exc:
            if is_transient(exc):
                raise
            first = exc
        # One document broke the batch: find which, one by one.
        refused: dict[str, str] = {}
        for resource in upserts:
            try:
                self.backend.upsert([resource])
                report.upserted += 1
            except Exception as exc:
                if is_transient(exc):
                    raise
                refused[resource.id] = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        if len(refused) == len(upserts) and len(upserts) > 1:
            raise first  # every one failed alike: the index, not the records
        for rid, why in refused.items():
            log.warning("not indexed: %s: %s", rid, why)
        return refused

    def _remember(self, report: SyncReport) -> None:
        self.last = report
        if report.error is not None and not self._failing:
            log.warning(
                "search index not updated (%d changes kept in the journal): %s",
                report.pending,
                report.error_text(),
            )
        elif report.error is None and self._failing:
            log.info("search index writable again: the journal is applied")
        self._failing = report.error is not None

    def catch_up(self, *, progress: Progress | None = None) -> SyncReport:
        """After a bulk ingest: drain the journal or, when it holds more changes than the
        index holds documents, rebuild the index (bulk-loaded by worker processes) and
        acknowledge them."""
        pending = self.journal.state().pending
        if pending >= REBUILD_BACKLOG and pending > self.backend.count():
            count, report = self.rebuild(progress=progress)
            report.upserted += count
            return report
        return self.drain(wait=True, progress=progress)

    # -- after commits, and while serving -----------------------------------------------

    def after_commit(self, changes: list[ResourceChange]) -> None:
        """Commit hook of the resource service: bring the index up to date now (or wake
        the background thread of a running portal, so that a request never waits)."""
        if not self.follow_commits:
            return
        if self._thread is not None and self._thread.is_alive():
            self._wake.set()
        else:
            self.drain()

    def start(self, interval: float) -> None:
        """Drain now and every ``interval`` seconds, in a background thread (``serve``)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="mawarid-index-sync", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.drain()
            except Exception:  # the database itself may be gone: try again later
                log.exception("index journal not drained")
            self._wake.wait(interval)

    # -- check, repair, rebuild ---------------------------------------------------------

    def check(self, *, sample: int = SAMPLE) -> Drift:
        """How the index differs from the database (read-only)."""
        published = set(self.journal.published_ids())
        indexed = set(self.backend.ids())
        missing = sorted(published - indexed)
        extra = sorted(indexed - published)
        state = self.journal.state()
        return Drift(
            published=len(published),
            indexed=len(indexed),
            missing=missing[:sample],
            missing_count=len(missing),
            extra=extra[:sample],
            extra_count=len(extra),
            pending=state.pending,
            refused=self.journal.failures(sample),
        )

    def repair(self, *, progress: Progress | None = None) -> tuple[SyncReport, Drift]:
        """Fix the index in place: retry the refused resources, journal every difference
        found, drain; returns the drain and the drift left after it."""
        self.journal.retry_refused()
        self.drain(wait=True)
        drift = self.check(sample=0)
        if drift.missing_count or drift.extra_count:
            published = set(self.journal.published_ids())
            indexed = set(self.backend.ids())
            differing = sorted(published ^ indexed)
            self.journal.record(differing, "repair", utcnow(self.clock))
        report = self.drain(wait=True, progress=progress)
        return report, self.check()

    def rebuild(
        self, *, batch: int = 1000, progress: Progress | None = None
    ) -> tuple[int, SyncReport]:
        """Rebuild the whole index from the published resources (fresh index, atomic
        switch), then acknowledge what was pending before it started and drain the rest."""
        before: list[int] = self.journal.pending_seqs()
        total = self.resources.count(status="published")
        with bulk_collection():
            count = self.backend.rebuild(
                (_indexable(entry) for entry in self.resources.iter_index_entries(batch=batch)),
                total=total,
                progress=progress,
            )
        self.journal.acknowledge(before)
        return count, self.drain(wait=True)


def _indexable(entry: IndexEntry) -> IndexableResource:
    return IndexableResource(
        id=entry.id,
        record=entry.record,
        acquisition_mode=entry.acquisition_mode,
        published_at=entry.published_at,
        updated_at=entry.updated_at,
    )


def summary_line(report: SyncReport) -> str:
    """One line on the index after a command that wrote (in the reader's language)."""
    if report.complete:
        return gettext(
            N_("search index up to date (%(count)d changes applied)"), count=report.applied
        )
    if report.busy:
        return gettext(
            N_("search index: %(pending)d changes waiting for another process to apply them"),
            pending=report.pending,
        )
    line = gettext(
        N_("search index NOT up to date: %(pending)d changes kept in the journal"),
        pending=report.pending,
    )
    if report.error is not None:
        line += " — " + (report.error_text() or "")
    if report.refused:
        line += " — " + gettext(
            N_("%(count)d resources refused by the index (mawarid index check)"),
            count=len(report.refused),
        )
    return line
