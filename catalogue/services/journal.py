"""The index journal: the catalogue's side of the transactional outbox.

Every change of a resource's public view (published, edited while published,
withdrawn) writes one ``index_journal`` row in the transaction of the change itself
(:meth:`~.unit_of_work.UnitOfWork._changed`), so the database holds, durably and
atomically, what the search index still has to learn. The drainer (``mawarid.index_sync``,
above both the catalogue and the indexer) reads pending rows here, asks for the
resources' *current* state, applies it to the index and acknowledges the rows:

* applying the current state (not the change recorded) makes every replay harmless and
  coalesces repeated changes of one resource into one index write;
* rows are acknowledged by their exact ``seq`` (never "everything up to N"): a change
  committed meanwhile — even one whose ``seq`` is lower, as PostgreSQL may commit out of
  order — stays pending and is applied next time;
* one drainer at a time, across processes (:meth:`IndexJournal.drain_lock`): a
  PostgreSQL advisory lock, or an ``flock`` beside a SQLite file. Both are released by the
  operating system or the server when their process dies, so a ``kill -9`` never leaves a
  stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update

from ..store import Database
from ..store.models import Acquisition, IndexJournalEntry, Resource, table_of
from .views import IndexEntry

#: PostgreSQL advisory lock key of the drainer (any constant shared by all processes).
DRAIN_LOCK = 0x4D574958  # "MWIX"
#: How many ids one ``IN (…)`` list holds (SQLite's variable limit is far above).
ID_CHUNK = 900


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    resource_id: str
    change: str
    at: datetime


@dataclass(frozen=True)
class JournalState:
    """How far behind the index may be: pending rows, refused rows, the oldest pending."""

    pending: int
    failed: int
    oldest: datetime | None

    def to_dict(self) -> dict[str, object]:
        return {
            "pending": self.pending,
            "failed": self.failed,
            "oldest": self.oldest.strftime("%Y-%m-%dT%H:%M:%SZ") if self.oldest else None,
        }


def index_entries() -> Select[Any]:
    """The :class:`IndexEntry` columns of the published resources (the caller narrows it)."""
    return (
        select(
            Resource.id,
            Resource.record,
            Acquisition.mode,
            Resource.published_at,
            Resource.updated_at,
        )
        .outerjoin(Acquisition, Resource.acquisition_id == Acquisition.id)
        .where(Resource.status == "published")
    )


class IndexJournal:
    """Reads and acknowledgements of ``index_journal`` (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._local = threading.Lock()  # one drainer per process before asking the others

    # -- the drain lock --------------------------------------------------------------------

    @contextmanager
    def drain_lock(self, *, wait: bool = False) -> Iterator[bool]:
        """Hold the drainer's lock for the block; yields False when someone else holds it
        (and ``wait`` is False)."""
        if not self._local.acquire(blocking=wait):
            yield False
            return
        try:
            if self.db.dialect == "postgresql":
                with self._pg_lock(wait) as held:
                    yield held
            elif (path := self.db.sqlite_path) is not None:
                with _file_lock(path.with_name(path.name + ".index-sync.lock"), wait) as held:
                    yield held
            else:  # SQLite in memory: one process
                yield True
        finally:
            self._local.release()

    @contextmanager
    def _pg_lock(self, wait: bool) -> Iterator[bool]:
        # A session-level advisory lock on a connection of its own, kept for the drain:
        # released by the server when the connection (or its process) goes away.
        with self.db.engine.connect() as conn:
            function = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            held = conn.exec_driver_sql(f"SELECT {function}({DRAIN_LOCK:d})").scalar()
            conn.commit()
            held = True if wait else bool(held)
            try:
                yield held
            finally:
                if held:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({DRAIN_LOCK:d})")
                    conn.commit()

    # -- reading ---------------------------------------------------------------------------

    def state(self) -> JournalState:
        with self.db.session() as session:
            pending, oldest = session.execute(
                select(func.count(), func.min(IndexJournalEntry.at)).where(
                    IndexJournalEntry.error.is_(None)
                )
            ).one()
            failed = session.scalar(
                select(func.count(func.distinct(IndexJournalEntry.resource_id))).where(
                    IndexJournalEntry.error.isnot(None)
                )
            )
        return JournalState(pending=pending or 0, failed=failed or 0, oldest=oldest)

    def pending(self, limit: int, *, after: int = 0) -> list[JournalEntry]:
        """Up to ``limit`` pending rows after ``seq`` ``after``, oldest first."""
        with self.db.session() as session:
            rows = session.execute(
                select(
                    IndexJournalEntry.seq,
                    IndexJournalEntry.resource_id,
                    IndexJournalEntry.change,
                    IndexJournalEntry.at,
                )
                .where(IndexJournalEntry.error.is_(None), IndexJournalEntry.seq > after)
                .order_by(IndexJournalEntry.seq)
                .limit(limit)
            ).all()
        return [JournalEntry(*row) for row in rows]

    def pending_seqs(self) -> list[int]:
        """Every pending ``seq`` now (a full rebuild acknowledges exactly these)."""
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(IndexJournalEntry.seq).where(IndexJournalEntry.error.is_(None))
                )
            )

    def failures(self, limit: int = 20) -> list[tuple[str, str]]:
        """``(resource id, why the index refused it)``, latest first."""
        with self.db.session() as session:
            rows = session.execute(
                select(IndexJournalEntry.resource_id, IndexJournalEntry.error)
                .where(IndexJournalEntry.error.isnot(None))
                .order_by(IndexJournalEntry.seq.desc())
                .limit(limit)
            ).all()
        return [(rid, error or "") for rid, error in rows]

    def published(self, ids: Iterable[str]) -> dict[str, IndexEntry]:
        """What the index needs of each resource of ``ids`` that is published now; the
        others (withdrawn, back to draft, deleted) are absent. Columns only: an ORM row
        would load its acquisition's steps, which the index never shows (measured: 0.95 ms
        per resource for a drain of 5,000, most of the drain)."""
        out: dict[str, IndexEntry] = {}
        wanted = sorted(set(ids))
        with self.db.session() as session:
            for start in range(0, len(wanted), ID_CHUNK):
                chunk = wanted[start : start + ID_CHUNK]
                rows = session.execute(index_entries().where(Resource.id.in_(chunk)))
                for row in rows:
                    out[row[0]] = IndexEntry(*row)
        return out

    def published_ids(self) -> Iterator[str]:
        """Every published resource id, in id order (keyset pages, short transactions)."""
        last = ""
        while True:
            with self.db.session() as session:
                ids = list(
                    session.scalars(
                        select(Resource.id)
                        .where(Resource.status == "published", Resource.id > last)
                        .order_by(Resource.id)
                        .limit(10_000)
                    )
                )
            if not ids:
                return
            yield from ids
            last = ids[-1]

    # -- writing ---------------------------------------------------------------------------

    def acknowledge(self, seqs: Sequence[int]) -> None:
        """The index has the state of these rows' resources: forget the rows."""
        with self.db.write_session() as session:
            for start in range(0, len(seqs), ID_CHUNK):
                chunk = list(seqs[start : start + ID_CHUNK])
                session.execute(delete(IndexJournalEntry).where(IndexJournalEntry.seq.in_(chunk)))

    def refuse(self, seqs: Sequence[int], error: str) -> None:
        """The index refused these rows' resource: keep them, with why, out of the drain."""
        with self.db.write_session() as session:
            session.execute(
                update(IndexJournalEntry)
                .where(IndexJournalEntry.seq.in_(list(seqs)))
                .values(error=error[:2000])
            )

    def retry_refused(self) -> int:
        """Put refused rows back in the drain (``mawarid index repair``)."""
        with self.db.write_session() as session:
            result = session.execute(
                update(IndexJournalEntry)
                .where(IndexJournalEntry.error.isnot(None))
                .values(error=None)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def record(self, resource_ids: Iterable[str], change: str, at: datetime) -> int:
        """Journal resources whose index entry must be checked again (``repair``)."""
        rows = [{"resource_id": rid, "change": change, "at": at} for rid in resource_ids]
        if rows:
            with self.db.write_session() as session:
                session.execute(insert(table_of(IndexJournalEntry)), rows)
        return len(rows)


@contextmanager
def _file_lock(path: os.PathLike[str] | str, wait: bool) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock (so does the process dying)
