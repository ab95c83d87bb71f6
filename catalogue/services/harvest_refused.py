"""Partner records a run could not bring in, kept per source to be asked again.

A record the intake could not read, or the catalogue refused, is reported by its run and
kept here (``harvest_refused``) with why; the next runs ask it again with ``GetRecord``
(``harvesters.run``, the ``retry`` phase), those tried longest ago first, until it comes
in — a partner that fixes a record seldom gives it a new datestamp, and a newer Mawarid
may read what an older one refused. A record the partner lists in a full comparison but
that never came here is kept the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.messages import N_, Message

from ..store.harvest_models import HarvestRefused
from .harvest_views import Incoming, message_from_json, message_to_json

#: Longest identifier kept (the column's size; longer ones are reported, never kept).
MAX_IDENTIFIER = 300
#: Why a record a full comparison lists, but that never came here, is asked again.
MISSING = Message(N_("listed by the partner but never received here: asked again with GetRecord"))


class Refusals:
    """The refused records of one page's identifiers (loaded in one query), in its session."""

    def __init__(
        self,
        session: Session,
        source_id: int,
        identifiers: Iterable[str],
        *,
        now: datetime,
        run_id: int,
    ) -> None:
        self.session = session
        self.source_id = source_id
        self.now = now
        self.run_id = run_id
        wanted = sorted({i for i in identifiers if len(i) <= MAX_IDENTIFIER})
        rows = (
            session.scalars(
                select(HarvestRefused).where(
                    HarvestRefused.source_id == source_id, HarvestRefused.identifier.in_(wanted)
                )
            ).all()
            if wanted
            else []
        )
        self.rows = {row.identifier: row for row in rows}

    def __contains__(self, identifier: str) -> bool:
        return identifier in self.rows

    def refuse(self, item: Incoming, problem: Message, *, tried: bool = True) -> None:
        """Keep ``item`` to ask again, with why; ``tried=False``: not asked by this run yet
        (its retry phase asks it)."""
        identifier = item.identifier
        if not identifier or identifier == "?" or len(identifier) > MAX_IDENTIFIER:
            return  # nothing the partner could be asked for
        row = self.rows.get(identifier)
        if row is None:
            row = self.rows[identifier] = HarvestRefused(
                source_id=self.source_id,
                identifier=identifier,
                first_refused_at=self.now,
                attempts=0,
            )
            self.session.add(row)
        row.datestamp = item.datestamp
        row.problem = message_to_json(problem)
        row.last_tried_at = self.now
        row.attempts = (row.attempts or 0) + (1 if tried else 0)
        row.last_run = self.run_id if tried else 0

    def forget(self, identifier: str) -> None:
        """It came in at last, or the partner no longer has it."""
        row = self.rows.pop(identifier, None)
        if row is not None:
            self.session.delete(row)


def to_retry(session: Session, source_id: int, *, before_run: int, limit: int) -> list[str]:
    """Refused records no run since ``before_run`` tried, those tried longest ago first."""
    return list(
        session.scalars(
            select(HarvestRefused.identifier)
            .where(HarvestRefused.source_id == source_id, HarvestRefused.last_run < before_run)
            .order_by(HarvestRefused.last_run, HarvestRefused.identifier)
            .limit(limit)
        )
    )


def refused_of(session: Session, source_id: int) -> dict[str, Message]:
    """Every refused record of a source and why, by identifier."""
    pairs = session.execute(
        select(HarvestRefused.identifier, HarvestRefused.problem)
        .where(HarvestRefused.source_id == source_id)
        .order_by(HarvestRefused.identifier)
    ).all()
    return {identifier: message_from_json(problem) for identifier, problem in pairs}


def refused_count(session: Session, source_id: int) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(HarvestRefused)
        .where(HarvestRefused.source_id == source_id)
    )
    return int(count or 0)
