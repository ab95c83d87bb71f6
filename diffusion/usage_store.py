"""Writing usage events: resource check, COUNTER rules against the log, insert + roll-up.

One call of :meth:`UsageStore.write` is one transaction: the events, their
``usage_daily`` increments and the classification copy land together or not
at all, so the dashboards never disagree with the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from catalogue.errors import NotFound
from metadata_schemas.record import subjects_of, taxon_paths

from .counter import DOUBLE_CLICK, CounterState, Event, apply_rules, daily_increments
from .models import UsageDaily, UsageEvent, UsageMonthly, UsageResourceTerm

log = logging.getLogger(__name__)

#: Bound parameters per IN (...) list; SQLite allows 32766, PostgreSQL 65535.
_IN_CHUNK = 900


def resource_terms(record: dict) -> list[tuple[str, str]]:
    """(dimension, term) pairs a resource is counted under: its cycles, levels, subjects."""
    pairs: list[tuple[str, str]] = []
    for path in taxon_paths(record, "level"):
        pairs.append(("cycle", path[0]))
        pairs.append(("level", path[1] if len(path) > 1 else path[0]))
    pairs.extend(("subject", s) for s in subjects_of(record))
    return list(dict.fromkeys(pairs))


class ResourceDirectory:
    """Which ids may be counted: resources published in the catalogue (cached a while).

    Unknown or unpublished ids are remembered briefly too, so a flood of made-up
    ids costs one catalogue look-up each per minute at most.
    """

    def __init__(self, resources: Any, *, ttl: float = 600.0, negative_ttl: float = 60.0) -> None:
        self._resources = resources
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._cache: dict[str, tuple[float, list[tuple[str, str]] | None]] = {}
        self._terms_written: set[str] = set()

    def lookup(self, ids: Iterable[str]) -> dict[str, list[tuple[str, str]] | None]:
        now = time.monotonic()
        out: dict[str, list[tuple[str, str]] | None] = {}
        for rid in set(ids):
            hit = self._cache.get(rid)
            if hit is not None and now - hit[0] < (
                self._ttl if hit[1] is not None else self._negative_ttl
            ):
                out[rid] = hit[1]
                continue
            terms = self._fetch(rid)
            self._cache[rid] = (now, terms)
            out[rid] = terms
        if len(self._cache) > 200_000:  # a bound, whatever ids are thrown at us
            self._cache.clear()
        return out

    def _fetch(self, rid: str) -> list[tuple[str, str]] | None:
        try:
            view = self._resources.get(rid)
        except NotFound:  # an unknown id: not countable
            return None
        if view.status != "published":
            return None
        return resource_terms(view.record or {})

    def needs_terms(self, rid: str) -> bool:
        return rid not in self._terms_written

    def terms_written(self, rid: str) -> None:
        self._terms_written.add(rid)


def _take_write_lock(session) -> None:
    """On SQLite, make the first statement a write, so the transaction holds the write lock
    before it reads. A deferred transaction that reads, then writes after another
    connection committed, fails at once with "database is locked" (WAL snapshot
    conflict, which the busy timeout does not cover); a write first waits its turn."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(delete(UsageDaily).where(UsageDaily.day.is_(None)))


def _dialect_insert(session, table):
    # Both dialects' INSERT … ON CONFLICT come with SQLAlchemy itself.
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


class UsageStore:
    def __init__(self, db: Any, directory: ResourceDirectory) -> None:
        self.db = db
        self.directory = directory

    def write(self, events: list[Event], *, state: CounterState | None = None) -> dict[str, int]:
        """Classify and store ``events``; returns ``{"written", "unknown", "counted"}``.

        The rules' memory is read from the log for this batch's visitors, so they
        hold across batches and processes; the bulk loader also passes the state
        it carries between batches (merged with what the log says).
        """
        known = self.directory.lookup(ev.resource_id for ev in events)
        kept = [ev for ev in events if known.get(ev.resource_id) is not None]
        unknown = len(events) - len(kept)
        if not kept:
            return {"written": 0, "unknown": unknown, "counted": 0}
        kept.sort(key=lambda ev: ev.occurred_at)
        with self.db.session() as session:
            _take_write_lock(session)
            logged = self._state_from_log(session, kept)
            if state is None:
                state = logged
            else:
                state.merge(logged)
            apply_rules(kept, state)
            # Core insert (executemany), not the ORM's bulk path: 3-4x faster here.
            session.execute(insert(UsageEvent), [_event_row(ev) for ev in kept])
            self._add_daily(session, daily_increments(kept))
            described = self._add_terms(session, known, kept)
        for rid in described:  # only once the transaction is committed
            self.directory.terms_written(rid)
        return {"written": len(kept), "unknown": unknown, "counted": sum(ev.counted for ev in kept)}

    def purge(self, before) -> int:
        with self.db.session() as session:
            result = session.execute(delete(UsageEvent).where(UsageEvent.day < before))
            return result.rowcount or 0

    # The rules' memory ----------------------------------------------------------

    def _state_from_log(self, session, events: list[Event]) -> CounterState:
        state = CounterState()
        visitors = sorted({ev.visitor for ev in events})
        since = events[0].occurred_at - DOUBLE_CLICK
        days = sorted({ev.day for ev in events})
        for start in range(0, len(visitors), _IN_CHUNK):
            chunk = visitors[start : start + _IN_CHUNK]
            recent = session.execute(
                select(
                    UsageEvent.visitor,
                    UsageEvent.resource_id,
                    UsageEvent.kind,
                    func.max(UsageEvent.occurred_at),
                )
                .where(UsageEvent.visitor.in_(chunk), UsageEvent.occurred_at >= since)
                .group_by(UsageEvent.visitor, UsageEvent.resource_id, UsageEvent.kind)
            )
            for visitor, rid, kind, last in recent:
                state.last_click[(visitor, rid, kind)] = last
            firsts = session.execute(
                select(
                    UsageEvent.day,
                    UsageEvent.visitor,
                    UsageEvent.resource_id,
                    UsageEvent.first_investigation,
                    UsageEvent.first_request,
                ).where(
                    UsageEvent.visitor.in_(chunk),
                    UsageEvent.day.in_(days),
                    or_(UsageEvent.first_investigation, UsageEvent.first_request),
                )
            )
            for day, visitor, rid, first_inv, first_req in firsts:
                if first_inv:
                    state.seen.add((day, visitor, rid, "inv"))
                if first_req:
                    state.seen.add((day, visitor, rid, "req"))
        return state

    # Roll-ups -------------------------------------------------------------------

    def _add_daily(self, session, increments: dict) -> None:
        if not increments:
            return
        monthly: dict[tuple[str, str], dict[str, int]] = {}
        for (day, rid), row in increments.items():
            bucket = monthly.setdefault((day.isoformat()[:7], rid), dict.fromkeys(row, 0))
            for key, value in row.items():
                bucket[key] += value
        _upsert_add(
            session,
            UsageDaily.__table__,
            "day",
            [{"day": day, "resource_id": rid, **row} for (day, rid), row in increments.items()],
        )
        _upsert_add(
            session,
            UsageMonthly.__table__,
            "month",
            [{"month": month, "resource_id": rid, **row} for (month, rid), row in monthly.items()],
        )

    def _add_terms(self, session, known: dict, events: list[Event]) -> set[str]:
        described = {ev.resource_id for ev in events if self.directory.needs_terms(ev.resource_id)}
        rows = [
            {"resource_id": rid, "dimension": dim, "term": term}
            for rid in described
            for dim, term in known[rid] or []
        ]
        if rows:
            stmt = _dialect_insert(session, UsageResourceTerm.__table__).on_conflict_do_nothing()
            session.execute(stmt, rows)
        return described


def _upsert_add(session, table, period: str, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO UPDATE SET col = col + excluded.col (SQLite and PostgreSQL)."""
    stmt = _dialect_insert(session, table)
    columns = [c for c in table.c if c.name not in (period, "resource_id")]
    stmt = stmt.on_conflict_do_update(
        index_elements=[period, "resource_id"],
        set_={c.name: c + stmt.excluded[c.name] for c in columns},
    )
    session.execute(stmt, rows)


def _event_row(ev: Event) -> dict[str, Any]:
    return {
        "occurred_at": ev.occurred_at,
        "day": ev.day,
        "kind": ev.kind,
        "resource_id": ev.resource_id,
        "visitor": ev.visitor,
        "agent": ev.agent,
        "counted": ev.counted,
        "double_click": ev.double_click,
        "first_investigation": ev.first_investigation,
        "first_request": ev.first_request,
    }


__all__ = ["ResourceDirectory", "UsageStore", "resource_terms"]
