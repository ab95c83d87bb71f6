"""Recording usage events without slowing a page.

:meth:`UsageService.record` is called by the portal while it answers a
request. It only validates its arguments, hashes the visitor (see
:mod:`diffusion.privacy`), classifies the user agent (cached) and appends to an
in-memory queue; a background thread writes the queue in batches
(:class:`diffusion.usage_store.UsageStore`). It never raises: a failure is
logged and the event dropped, because a statistic is never worth a broken page.

The queue is bounded (``max_pending``): under a flood, events beyond it are
dropped and counted in :attr:`UsageService.stats`. Unknown or unpublished
resource ids are dropped at write time, without a row.

:meth:`record_many` is the bulk path (log imports, the benchmark): same rules,
written in large batches without the queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError

from metadata_schemas.identifiers import is_resource_id

from .counter import KINDS, CounterState, Event, classify_agent
from .privacy import VisitorHasher
from .usage_store import UsageStore

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class UsageService:
    def __init__(
        self,
        store: UsageStore,
        hasher: VisitorHasher,
        *,
        flush_interval: float = 5.0,
        batch_size: int = 500,
        max_pending: int = 100_000,
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.max_pending = max_pending
        self._pending: deque[Event] = deque()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self.stats = {
            "recorded": 0,
            "refused": 0,
            "dropped": 0,
            "written": 0,
            "unknown": 0,
            "failed_batches": 0,
        }

    # The cheap path -------------------------------------------------------------

    def record(
        self,
        kind: str,
        resource_id: str,
        *,
        ip: str | None,
        user_agent: str | None,
        session: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Queue one event (``view``, ``access``, ``api`` or ``oai``); never raises."""
        try:
            event = self._event(kind, resource_id, ip, user_agent, session, at)
            if event is None:
                self.stats["refused"] += 1
                return
            if len(self._pending) >= self.max_pending:
                self.stats["dropped"] += 1
                return
            self._pending.append(event)
            self.stats["recorded"] += 1
            if self._thread is None:
                self._start_thread()
            if len(self._pending) >= self.batch_size:
                self._wake.set()
        except Exception:  # a statistic is never worth a broken page
            log.exception("usage event dropped")

    def _event(self, kind, resource_id, ip, user_agent, session, at) -> Event | None:
        if kind not in KINDS or not is_resource_id(resource_id):
            return None
        when = (
            at.astimezone(UTC).replace(tzinfo=None) if at is not None and at.tzinfo else at
        ) or _utcnow()
        when = when.replace(microsecond=0)
        ua = user_agent if isinstance(user_agent, str) else ""
        visitor = self.hasher.visitor(when.date(), ip=ip, user_agent=ua, session=session)
        return Event(when, kind, resource_id, visitor, classify_agent(ua[:1000]))

    # Writing --------------------------------------------------------------------

    def flush(self) -> int:
        """Write everything queued so far (also called by dashboards before reading)."""
        written = 0
        with self._flush_lock:
            while self._pending:
                batch: list[Event] = []
                while self._pending and len(batch) < 5_000:
                    batch.append(self._pending.popleft())
                result = self._write_with_retry(batch)
                if result is None:
                    continue
                written += result["written"]
                self.stats["written"] += result["written"]
                self.stats["unknown"] += result["unknown"]
        return written

    def _write_with_retry(self, batch: list[Event], attempts: int = 3) -> dict | None:
        for attempt in range(1, attempts + 1):
            try:
                return self.store.write(batch)
            except OperationalError:  # locked / connection lost: the batch is still here
                if attempt == attempts:
                    break
                time.sleep(0.2 * attempt)
            except Exception:
                break
        self.stats["failed_batches"] += 1
        log.exception("usage batch of %d events lost", len(batch))
        return None

    def record_many(self, rows: Iterable[tuple], *, batch: int = 20_000) -> dict[str, int]:
        """Bulk path: ``rows`` of ``(at, kind, resource_id, ip, user_agent, session)``
        in time order. Returns counts of events written, counted, refused and unknown."""
        totals = {"written": 0, "counted": 0, "refused": 0, "unknown": 0}
        state = CounterState()
        events: list[Event] = []

        def write() -> None:
            state.forget_before(min(ev.occurred_at for ev in events))
            prior = self.store.write(events, state=state)
            for key in ("written", "counted", "unknown"):
                totals[key] += prior[key]
            events.clear()

        for at, kind, rid, ip, ua, session in rows:
            event = self._event(kind, rid, ip, ua, session, at)
            if event is None:
                totals["refused"] += 1
                continue
            events.append(event)
            if len(events) >= batch:
                write()
        if events:
            write()
        return totals

    def purge(self, before) -> int:
        """Delete raw events of days before ``before`` (a date); the roll-ups keep the counts.

        Visitor keys are only needed on their own day (double clicks, uniques):
        dropping old rows is data minimisation, not loss of statistics."""
        return self.store.purge(before)

    # Background writer ----------------------------------------------------------

    def _start_thread(self) -> None:
        with self._thread_lock:
            if self._thread is not None or self._stopping:
                return
            self._thread = threading.Thread(
                target=self._run, name="mawarid-usage-writer", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # keep the writer alive whatever happens
                log.exception("usage writer error")

    def close(self) -> None:
        """Stop the writer and write what is left."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()


__all__ = ["UsageService"]
