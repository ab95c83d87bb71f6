"""The unit of work under :class:`~catalogue.services.work.Work`: session, caches, bulk rows.

One instance lives for one transaction (one call of the service, or one batch of an
import). It keeps the rows it touches (the session's identity map holds clean
objects only weakly), caches acquisitions and decisions, and collects the
append-only rows — events, first OAI rows, steps of new acquisitions — which it
inserts in bulk, in order (:meth:`UnitOfWork._flush_bulk`), before any read of
those tables, at each savepoint and at commit. :meth:`UnitOfWork.savepoint`
isolates one record: on error its rows and pending rows vanish.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from core.clock import utcnow
from core.messages import N_
from metadata_schemas.identifiers import is_resource_id
from metadata_schemas.record import load_record, title_of
from metadata_schemas.textnorm import fold

from ..errors import InvalidInput, NotFound, StaleVersion
from ..store.models import (
    Acquisition,
    Document,
    IndexJournalEntry,
    OAIItem,
    OAIItemSet,
    ProcedureStep,
    Resource,
    ResourceEvent,
    table_of,
)
from . import oai_records
from .acquisitions import acquisition_dict, apply_acquisition, parse_acquisition, step_rows
from .actors import Actor
from .context import ServiceContext
from .provenance import last_decision, provenance_summary
from .views import ResourceChange, ResourceView

#: Acquisitions whose steps a bulk ingest keeps between batches (see preload_acquisitions).
SEEN_STEPS = 50_000

_STEP_COLUMNS = (
    ProcedureStep.acquisition_id,
    ProcedureStep.step.label("id"),
    ProcedureStep.position,
    ProcedureStep.status,
    ProcedureStep.date,
    ProcedureStep.actors,
    ProcedureStep.commission,
    ProcedureStep.note,
)

MAX_NOTE = 5000


def new_resource_id() -> str:
    """``mw-`` + 10 lowercase base32 characters (50 random bits)."""
    return "mw-" + base64.b32encode(secrets.token_bytes(7)).decode("ascii").lower()[:10]


MAX_REFERENCE = 200
#: The columns of a ``resource_events`` row the services write (inserted in bulk).
EVENT_FIELDS = (
    "resource_id",
    "action",
    "from_status",
    "to_status",
    "actor",
    "at",
    "note",
    "commission",
    "decision",
    "reference",
    "document_id",
)


def stale_version() -> StaleVersion:
    """The refusal of a save that lost the race with someone else's save."""
    return StaleVersion(
        N_(
            "the resource was changed by someone else while you were saving: "
            "reload it and apply your changes again"
        )
    )


def check_resource_id(resource_id: Any) -> str:
    if not is_resource_id(resource_id):
        raise InvalidInput(
            N_(
                "bad resource id %(value)r: 3 to 64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            ),
            value=resource_id,
        )
    return resource_id


def too_long(field: str, length: int, limit: int) -> InvalidInput:
    return InvalidInput(
        N_("%(field)s: too long (%(length)d characters, at most %(max)d)"),
        field=field,
        length=length,
        max=limit,
    )


def _note(value: Any, field: str = "note", *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(N_("%(field)s: required"), field=field)
        return None
    if not isinstance(value, str):
        raise InvalidInput(N_("%(field)s: expected a text"), field=field)
    value = value.strip()
    if len(value) > MAX_NOTE:
        raise too_long(field, len(value), MAX_NOTE)
    return value


def _reference(value: Any) -> str:
    """The reference of a decision (PV number): required, one line, at most 200 characters."""
    reference = " ".join((_note(value, "reference", required=True) or "").split())
    if len(reference) > MAX_REFERENCE:
        raise too_long("reference", len(reference), MAX_REFERENCE)
    return reference


def _title_fields(record: dict[str, Any]) -> tuple[str, str]:
    titles = record.get("general", {}).get("title", {})
    return title_of(record)[:1000], " | ".join(fold(t) for t in titles.values())


def _strip_catalogue_ids(record: dict[str, Any]) -> dict[str, Any]:
    # The resource id is the catalogue's, not part of the description; writers add it back.
    general = record.get("general")
    if general and general.get("identifier"):
        kept = [i for i in general["identifier"] if str(i.get("catalog", "")).lower() != "mawarid"]
        general = dict(general)
        if kept:
            general["identifier"] = kept
        else:
            general.pop("identifier")
        record = {**record, "general": general}
    return record


def to_view(row: Resource, *, version: int | None = None) -> ResourceView:
    """A view of ``row``; ``version`` for rows not flushed yet (the ORM sets it on INSERT)."""
    return ResourceView(
        id=row.id,
        status=row.status,
        version=version if version is not None else row.version,
        record=row.record,
        acquisition=acquisition_dict(row.acquisition),
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        withdrawn_at=row.withdrawn_at,
        datestamp=row.datestamp,
    )


class UnitOfWork:
    """One transaction: the session, the caches of a batch, the rows written in bulk."""

    def __init__(self, service: ServiceContext, session: Session) -> None:
        self.service = service
        self.session = session
        self.changes: list[ResourceChange] = []
        # The session's identity map holds clean objects weakly; keep the rows this unit
        # of work touches, so that a batch does not reload them for every operation.
        self._rows: dict[str, Resource] = {}
        self._acquisitions: dict[tuple[str, str | None], Acquisition | None] = {}
        self._decisions: dict[str, ResourceEvent] = {}
        # Append-only rows (events, first OAI rows, index journal) are inserted in bulk,
        # in order, by _flush_bulk(): before any read of those tables, at savepoints and
        # at commit.
        self._events: list[tuple[ResourceEvent, Document | None]] = []
        self._oai_items: list[dict[str, Any]] = []
        self._oai_sets: list[dict[str, Any]] = []
        self._journal: list[dict[str, Any]] = []
        self._new_acquisitions: list[Acquisition] = []
        #: New acquisitions of the bulk writer, not in the session (see apply_acquisition).
        self.transient_acquisitions: list[Acquisition] = []

    def now(self) -> datetime:
        """The unit of work's clock (the service's): UTC, naive, whole seconds."""
        return utcnow(self.service.clock)

    def _changed(self, kind: str, row: Resource, view: ResourceView | None = None) -> None:
        """The public view of ``row`` changed: tell the listeners after commit, and journal
        it for the search index in this same transaction (see :mod:`.journal`)."""
        self.changes.append(ResourceChange(kind, view or to_view(row)))
        self._journal.append({"resource_id": row.id, "change": kind, "at": row.datestamp})

    @contextmanager
    def savepoint(self) -> Iterator[UnitOfWork]:
        """Isolate one record: on error, its rows (and pending notifications) vanish."""
        mark = len(self.changes)
        self._flush_bulk()
        nested = self.session.begin_nested()
        try:
            yield self
            nested.commit()
        except BaseException:
            if nested.is_active:
                nested.rollback()
            del self.changes[mark:]
            # Rows cached since the savepoint may be gone: forget every cached row.
            self._events.clear()
            self._oai_items.clear()
            self._oai_sets.clear()
            self._journal.clear()
            self._new_acquisitions.clear()
            self._rows.clear()
            self._acquisitions.clear()
            self._decisions.clear()
            raise

    # -- helpers -------------------------------------------------------------

    def _load(self, resource_id: str) -> Resource:
        row = self._rows.get(resource_id) if isinstance(resource_id, str) else None
        if row is None or row not in self.session:
            row = self.session.get(Resource, resource_id) if isinstance(resource_id, str) else None
            if row is None:
                raise NotFound(N_("no resource %(id)r"), id=resource_id)
            self._rows[row.id] = row
        return row

    def preload_acquisitions(
        self,
        keys: set[tuple[str, str | None]],
        seen: dict[int, tuple[datetime, list[dict[str, Any]]]] | None = None,
    ) -> None:
        """Fetch the acquisitions ``(mode, reference)`` of a coming batch in one query.

        ``seen``: steps read by earlier batches of the same ingest, by acquisition id, with
        the ``updated_at`` they were read at (every change of a step sets it); an
        acquisition unchanged since is not read again. Updated here.
        """

        refs = {ref for _, ref in keys if ref}
        if not refs:
            return
        seen = {} if seen is None else seen
        if len(seen) > SEEN_STEPS:  # bounded: an ingest names a few thousand at most
            seen.clear()
        with self.session.no_autoflush:
            rows = self.session.scalars(
                select(Acquisition)
                .where(Acquisition.reference.in_(refs))
                .options(lazyload(Acquisition.steps))
            ).all()
            # Their steps as plain rows: an acquisition given again unchanged (most of an
            # ingest's) is then checked without an ORM object per step.
            steps: dict[int, list[dict[str, Any]]] = {}
            for row in rows:
                known = seen.get(row.id)
                if known is None or known[0] != row.updated_at:
                    steps[row.id] = []
            if steps:
                for found in self.session.execute(
                    select(*_STEP_COLUMNS)
                    .where(ProcedureStep.acquisition_id.in_(steps))
                    .order_by(ProcedureStep.acquisition_id, ProcedureStep.position)
                ).mappings():
                    step = dict(found)
                    steps[step.pop("acquisition_id")].append(step)
            for row in rows:
                if row.id in steps:
                    seen[row.id] = (row.updated_at, steps[row.id])
                else:
                    steps[row.id] = seen[row.id][1]
        for key in keys:
            self._acquisitions.setdefault(key, None)  # looked up: absent unless found below
        for row in rows:
            if (row.mode, row.reference) in keys:
                self._acquisitions[(row.mode, row.reference)] = row
                if "steps" not in row.__dict__:  # not loaded already by this session
                    row.recorded_steps = steps[row.id]

    def _exists(self, resource_id: str) -> bool:
        if resource_id in self._rows:
            return True
        with self.session.no_autoflush:  # pending rows of this batch are in _rows
            return self.session.get(Resource, resource_id) is not None

    def _event(
        self,
        row: Resource,
        action: str,
        actor: Actor,
        from_status: str | None,
        *,
        at: datetime | None = None,
        document: Document | None = None,
        **fields: Any,
    ) -> ResourceEvent:
        """Record an event (written by :meth:`_flush_bulk`); returns it, unsaved, for reading."""
        event = ResourceEvent(
            resource_id=row.id,
            action=action,
            from_status=from_status,
            to_status=row.status,
            actor=actor.username,
            at=at or self.now(),
            **fields,
        )
        self._events.append((event, document))
        return event

    def _flush_bulk(self) -> None:
        if not (
            self._events
            or self._oai_items
            or self._oai_sets
            or self._journal
            or self._new_acquisitions
        ):
            return
        self._flush()  # resources, acquisitions and documents first: the rows below refer to them
        steps = []
        for acquisition in self._new_acquisitions:
            steps += step_rows(acquisition)
            acquisition.bulk_steps = None
            # The ORM collection was never filled: load it from the rows on next use.
            self.session.expire(acquisition, ["steps"])
        if steps:
            self.session.execute(insert(table_of(ProcedureStep)), steps)
        self._new_acquisitions.clear()
        events = []
        for event, document in self._events:
            if document is not None:
                event.document_id = document.id
            events.append({c: getattr(event, c) for c in EVENT_FIELDS})
        if events:
            self.session.execute(insert(table_of(ResourceEvent)), events)
        if self._oai_items:
            self.session.execute(insert(table_of(OAIItem)), self._oai_items)
        if self._oai_sets:
            self.session.execute(insert(table_of(OAIItemSet)), self._oai_sets)
        if self._journal:
            self.session.execute(insert(table_of(IndexJournalEntry)), self._journal)
        self._events.clear()
        self._oai_items.clear()
        self._oai_sets.clear()
        self._journal.clear()

    def _check_version(self, row: Resource, expected_version: Any) -> None:
        if not isinstance(expected_version, int) or isinstance(expected_version, bool):
            raise InvalidInput(N_("expected_version: required (the version you edited)"))
        if row.version != expected_version:
            raise StaleVersion(
                N_(
                    "%(id)s was changed by someone else (now version %(version)d, you edited "
                    "version %(edited)d): reload it and apply your changes again"
                ),
                id=row.id,
                version=row.version,
                edited=expected_version,
            )

    def _flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError:
            raise stale_version() from None

    def _last_decision(self, resource_id: str) -> ResourceEvent | None:
        decision = self._decisions.get(resource_id)
        if decision is None:
            self._flush_bulk()
            decision = last_decision(self.session, resource_id)
        return decision

    def _refresh_oai(self, row: Resource, *, deleted: bool = False, new: bool = False) -> None:
        """Write the OAI rows. ``new``: first publication, the resource has no row yet."""
        summary = provenance_summary(row, self._last_decision(row.id))
        if new:
            item, sets = oai_records.item_rows(
                row,
                repository_id=self.service.repository_id,
                provenance=summary,
                deleted=deleted,
                base_url=self.service.base_url,
            )
            self._oai_items.append(item)
            self._oai_sets.extend(sets)
            return
        self._flush_bulk()
        oai_records.write_item(
            self.session,
            row,
            repository_id=self.service.repository_id,
            provenance=summary,
            deleted=deleted,
            base_url=self.service.base_url,
        )

    def _record(self, record: Any, name: str) -> tuple[dict[str, Any], str, str]:
        record = _strip_catalogue_ids(load_record(record, record=name))
        title, key = _title_fields(record)
        return record, title, key

    # -- operations ----------------------------------------------------------

    def _acquisition(self, acquisition: Any) -> Acquisition:
        svc = self.service
        data = parse_acquisition(
            acquisition, procedures=svc.procedures, vocabularies=svc.vocabularies
        )
        return self.apply_acquisition(data)

    def apply_acquisition(self, data: dict[str, Any], *, transient: bool = False) -> Acquisition:
        """The acquisition row of a checked acquisition (:func:`parse_acquisition`).

        ``transient``: a new row stays out of the session, listed in
        :attr:`transient_acquisitions` for the bulk writer to insert with its batch.
        """
        svc = self.service
        row = apply_acquisition(
            self.session,
            data,
            svc.procedures[data["procedure"]],
            cache=self._acquisitions,
            bulk=self.transient_acquisitions if transient else self._new_acquisitions,
            clock=svc.clock,
            add=not transient,
        )
        state = inspect(row)
        if state.persistent and state.attrs.counterpart.history.has_changes():
            # The counterpart is part of the published LOM of every resource of this
            # acquisition: refresh their OAI rows (and the index) too.
            self._refresh_shared(row)
        return row

    def _refresh_shared(self, acquisition: Acquisition) -> None:
        with self.session.no_autoflush:
            rows = self.session.scalars(
                select(Resource).where(
                    Resource.acquisition_id == acquisition.id, Resource.status == "published"
                )
            ).all()
        now = self.now()
        for row in rows:
            self._rows.setdefault(row.id, row)
            row.datestamp = now
            self._refresh_oai(row)
            self._changed("updated", row)
