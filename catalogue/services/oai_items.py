"""Reads over the catalogue's OAI tables (``oai_item``, ``oai_item_set``), for the
OAI-PMH data provider (``portal.oai``): only the catalogue knows its tables.

The catalogue writes those tables in the same transaction as a publication, an
edit or a withdrawal, with every metadata format already rendered, so the
queries here only select rows. A list page is a keyset read on the
``(datestamp, identifier)`` index — ``WHERE (datestamp, identifier) > (last
sent) ORDER BY datestamp, identifier LIMIT n+1`` — never an OFFSET, so the last
page of a large repository is as fast as the first, and rows are streamed from
the cursor (``yield_per``) rather than loaded as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import exists, func, literal_column, or_, select, tuple_
from sqlalchemy.engine import Connection, Engine

from ..store import Database
from ..store.models import OAIItem, OAIItemSet

ITEM = OAIItem.__table__
ITEM_SET = OAIItemSet.__table__

#: Rows pulled from the database cursor at a time while streaming a page.
FETCH_CHUNK = 100


@dataclass(frozen=True)
class Item:
    identifier: str
    datestamp: str  # already YYYY-MM-DDThh:mm:ssZ (formatted by the database)
    deleted: bool
    sets: tuple[str, ...]
    metadata: str | None = None


#: The ``oai_item`` columns holding a pre-rendered metadata element, by format.
FORMAT_COLUMNS = ("oai_dc", "oai_lom", "scolomfr")


@dataclass(frozen=True)
class ListQuery:
    """What a ListIdentifiers/ListRecords harvest asked for; bounds inclusive.

    ``column`` is the format's column (:data:`FORMAT_COLUMNS`); ``always``: the catalogue
    renders it for every live record, so lists need not test it (counts stay index-only).
    """

    prefix: str
    column: str
    always: bool = True
    set: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class OAIItems:
    """The OAI-PMH view of the catalogue: items, their sets, keyset-paged lists."""

    def __init__(self, db: Database) -> None:
        self.engine: Engine = db.engine

    # Single items ------------------------------------------------------------

    def earliest_datestamp(self) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(select(func.min(ITEM.c.datestamp))).scalar()

    def sample_resource_id(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(ITEM.c.resource_id).order_by(ITEM.c.datestamp).limit(1)
            ).scalar()

    def formats_of(self, identifier: str) -> list[str] | None:
        """The format columns item ``identifier`` has; None if it does not exist."""
        columns = [ITEM.c[c].isnot(None).label(c) for c in FORMAT_COLUMNS]
        with self.engine.connect() as conn:
            row = conn.execute(
                select(ITEM.c.deleted, *columns).where(ITEM.c.identifier == identifier)
            ).first()
        if row is None:
            return None
        mapping = row._mapping
        # A deleted record is listed (as deleted) in every format, as in ListRecords.
        return [c for c in FORMAT_COLUMNS if mapping[c] or mapping["deleted"]]

    def get(self, identifier: str, column: str) -> Item | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    ITEM.c.resource_id,
                    ITEM.c.identifier,
                    self._stamp_column(),
                    ITEM.c.deleted,
                    ITEM.c[column],
                ).where(ITEM.c.identifier == identifier)
            ).first()
            if row is None:
                return None
            sets = self._sets(conn, [row.resource_id])
        return Item(
            row.identifier, row[2], bool(row.deleted), sets.get(row.resource_id, ()), row[4]
        )

    # Lists -------------------------------------------------------------------

    def _conditions(self, query: ListQuery) -> list:
        conditions = []
        if not query.always:
            column = ITEM.c[query.column]
            conditions.append(or_(ITEM.c.deleted.is_(True), column.isnot(None)))
        if query.since is not None:
            conditions.append(ITEM.c.datestamp >= query.since)
        if query.until is not None:
            conditions.append(ITEM.c.datestamp <= query.until)
        if query.set:
            # A set holds its own members and those of every set below it ("a:b" ⊂ "a").
            # A prefix test by substr, not LIKE (wildcards, SQLite's case folding) nor a
            # range (collation-dependent on PostgreSQL).
            spec, below = query.set, query.set + ":"
            conditions.append(
                exists().where(
                    ITEM_SET.c.resource_id == ITEM.c.resource_id,
                    or_(
                        ITEM_SET.c.set_spec == spec,
                        func.substr(ITEM_SET.c.set_spec, 1, len(below)) == below,
                    ),
                )
            )
        return conditions

    def count(self, query: ListQuery) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(ITEM).where(*self._conditions(query))
            ).scalar_one()

    def _stamp_column(self):
        """The datestamp as OAI-PMH text, formatted by the database (no per-row Python)."""
        if self.engine.dialect.name == "postgresql":
            text = func.to_char(ITEM.c.datestamp, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        else:
            text = func.strftime("%Y-%m-%dT%H:%M:%SZ", ITEM.c.datestamp)
        return text.label("stamp")

    def _sets_column(self):
        """All set specs of the row as one space-separated string, from one correlated read."""
        if self.engine.dialect.name == "postgresql":
            aggregate = func.string_agg(ITEM_SET.c.set_spec, literal_column("' '"))
        else:
            aggregate = func.group_concat(ITEM_SET.c.set_spec, " ")
        return (
            select(aggregate)
            .where(ITEM_SET.c.resource_id == ITEM.c.resource_id)
            .scalar_subquery()
            .label("sets")
        )

    @contextmanager
    def page(
        self,
        query: ListQuery,
        *,
        after: tuple[datetime, str] | None,
        limit: int,
        with_metadata: bool,
    ) -> Iterator[Iterator[Item]]:
        """Up to ``limit`` items after the keyset position ``after``, streamed.

        A context manager: the connection stays open while the caller iterates.
        One query: the set memberships come aggregated with each row.
        """
        columns = [ITEM.c.identifier, self._stamp_column(), ITEM.c.deleted, self._sets_column()]
        if with_metadata:
            columns.append(ITEM.c[query.column])
        conditions = self._conditions(query)
        if after is not None:
            conditions.append(tuple_(ITEM.c.datestamp, ITEM.c.identifier) > tuple_(*after))
        stmt = (
            select(*columns)
            .where(*conditions)
            .order_by(ITEM.c.datestamp, ITEM.c.identifier)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=FETCH_CHUNK).execute(stmt)
            try:
                yield self._items(result, with_metadata)
            finally:
                result.close()

    @staticmethod
    def _items(result, with_metadata: bool) -> Iterator[Item]:
        # partitions(): rows come by FETCH_CHUNK lists, the fast path of the Result API.
        for chunk in result.partitions():
            for row in chunk:
                yield Item(
                    row[0],
                    row[1],
                    bool(row[2]),
                    expand_sets(row[3]),
                    row[4] if with_metadata else None,
                )

    @staticmethod
    def _sets(conn: Connection, resource_ids: list[str]) -> dict[str, tuple[str, ...]]:
        rows = conn.execute(
            select(ITEM_SET.c.resource_id, ITEM_SET.c.set_spec).where(
                ITEM_SET.c.resource_id.in_(resource_ids)
            )
        )
        found: dict[str, list[str]] = {}
        for resource_id, spec in rows:
            found.setdefault(resource_id, []).append(spec)
        return {k: expand_sets(" ".join(v)) for k, v in found.items()}


@lru_cache(maxsize=4096)
def expand_sets(specs: str | None) -> tuple[str, ...]:
    """``"level:a:b subject:c"`` → every set and its ancestors (``level``, ``level:a``…), sorted.

    Cached: a catalogue has few distinct combinations of sets, and every record
    of a page needs its own.
    """
    if not specs:
        return ()
    out: set[str] = set()
    for spec in specs.split():
        parts = spec.split(":")
        out.update(":".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return tuple(sorted(out))
