"""Counts by level and subject, and the latest publications, read from the database.

What the home page and the browse pages show comes from the search engine when it answers.
When it does not (a cluster down, overloaded), the portal falls back on these reads, so
those pages stay up: the counts come from the OAI set rows the catalogue writes with every
publication, edit and withdrawal (``oai_item_set``: ``level:<cycle>[:<level>[:<branch>]]``
for every prefix of a level path, ``subject:<id>``), the latest publications from
``resources``. They are the same numbers as the search facets' (both count published
resources by whole level path and by subject) — without a search engine.

Counting runs over every set row, so answers are kept :data:`KEEP_SECONDS` per process: an
outage with heavy traffic costs one count per minute, not one per page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.clock import SYSTEM_CLOCK, Clock

from ..store import Database
from ..store.models import OAIItem, OAIItemSet, Resource
from .unit_of_work import to_view
from .views import ResourceView

#: Seconds a count is reused.
KEEP_SECONDS = 60.0
LEVEL = "level:"
SUBJECT = "subject:"
T = TypeVar("T")


class BrowseCounts:
    """Published resources by level path and subject, and the latest ones."""

    def __init__(self, db: Database, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.db = db
        self.clock = clock
        self._kept: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def _cached(self, key: tuple, compute: Callable[[], T]) -> T:
        now = self.clock.monotonic()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and now - kept[0] < KEEP_SECONDS:
            return kept[1]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._kept[key] = (now, value)
        return value

    def levels(self) -> dict[tuple[str, ...], int]:
        """``{level path: published resources filed there or below}`` for every path used."""

        def compute() -> dict[tuple[str, ...], int]:
            query = (
                select(OAIItemSet.set_spec, func.count())
                .join(OAIItem, OAIItem.resource_id == OAIItemSet.resource_id)
                .where(OAIItem.deleted.is_(False), OAIItemSet.set_spec.startswith(LEVEL))
                .group_by(OAIItemSet.set_spec)
            )
            with self.db.session() as session:
                rows = session.execute(query).all()
            return {tuple(spec[len(LEVEL) :].split(":")): int(n) for spec, n in rows}

        return self._cached(("levels",), compute)

    def subjects(self, level_path: tuple[str, ...] = ()) -> dict[str, int]:
        """``{subject id: published resources}``, within a level path when one is given."""

        def compute() -> dict[str, int]:
            subject = aliased(OAIItemSet)
            query = (
                select(subject.set_spec, func.count())
                .join(OAIItem, OAIItem.resource_id == subject.resource_id)
                .where(OAIItem.deleted.is_(False), subject.set_spec.startswith(SUBJECT))
                .group_by(subject.set_spec)
            )
            if level_path:
                level = aliased(OAIItemSet)
                query = query.join(level, level.resource_id == subject.resource_id).where(
                    level.set_spec == LEVEL + ":".join(level_path)
                )
            with self.db.session() as session:
                rows = session.execute(query).all()
            return {spec[len(SUBJECT) :]: int(n) for spec, n in rows}

        return self._cached(("subjects", *level_path), compute)

    def total(self) -> int:
        def compute() -> int:
            query = select(func.count()).select_from(OAIItem).where(OAIItem.deleted.is_(False))
            with self.db.session() as session:
                return int(session.scalar(query) or 0)

        return self._cached(("total",), compute)

    def latest(self, count: int) -> list[ResourceView]:
        """The ``count`` resources published last (newest first)."""

        def compute() -> list[ResourceView]:
            query = (
                select(Resource)
                .where(Resource.status == "published")
                .order_by(Resource.published_at.desc(), Resource.id)
                .limit(count)
            )
            with self.db.session() as session:
                return [to_view(row) for row in session.scalars(query).all()]

        return self._cached(("latest", count), compute)
