"""The resource service: every change to a resource goes through here.

Each public method is one unit of work: permission check → input check → change
plus its append-only event (plus the OAI rows when the public view changes) →
commit → listeners (the search index) with a :class:`ResourceChange`. Importers
group many operations in one transaction with :meth:`ResourceService.batch`,
isolating each record in a SAVEPOINT so a bad record never leaves half of itself
behind and never takes the good ones with it.

The lifecycle table is in :mod:`.lifecycle`, the roles in :mod:`.actors`.
"""
from __future__ import annotations

import base64
import logging
import re
import secrets
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..errors import (DuplicateIdentifier, IllegalTransition, InvalidInput, NotFound, StaleVersion,
                      UnknownEntity, WrongCommission)
from ..store import Database
from ..store.models import (Document, OAIItem, OAIItemSet, ProcedureStep, Resource,
                            ResourceEvent, utcnow)
from . import oai_records
from .acquisitions import acquisition_dict, apply_acquisition, parse_acquisition
from .actors import Actor, require
from .documents import DocumentStore, clean_filename
from .lifecycle import DECISIONS, VALIDATION_COMMISSION, next_status
from .procedures import Procedures
from .provenance import events_of, last_decision, provenance_document, provenance_summary
from .views import EventView, Page, ResourceChange, ResourceView

log = logging.getLogger(__name__)

RESOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
MAX_NOTE = 5000
Listener = Callable[[ResourceChange], None]


def new_resource_id() -> str:
    """``mw-`` + 10 lowercase base32 characters (50 random bits)."""
    return "mw-" + base64.b32encode(secrets.token_bytes(7)).decode("ascii").lower()[:10]


def check_resource_id(resource_id: Any) -> str:
    if not isinstance(resource_id, str) or not RESOURCE_ID.match(resource_id):
        raise InvalidInput(f"bad resource id {resource_id!r}: 3 to 64 letters, digits, '.', '_' "
                           "or '-', starting with a letter or digit")
    return resource_id


def _note(value: Any, field: str = "note", *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{field}: required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field}: expected a text")
    value = value.strip()
    if len(value) > MAX_NOTE:
        raise InvalidInput(f"{field}: too long ({len(value)} characters, at most {MAX_NOTE})")
    return value


def _title_fields(record: dict) -> tuple[str, str]:
    from metadata_schemas.record import title_of
    from metadata_schemas.textnorm import fold
    titles = record.get("general", {}).get("title", {})
    return title_of(record)[:1000], " | ".join(fold(t) for t in titles.values())


def _strip_catalogue_ids(record: dict) -> dict:
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
    return ResourceView(id=row.id, status=row.status,
                        version=version if version is not None else row.version, record=row.record,
                        acquisition=acquisition_dict(row.acquisition), created_at=row.created_at,
                        updated_at=row.updated_at, published_at=row.published_at,
                        withdrawn_at=row.withdrawn_at, datestamp=row.datestamp)


class Work:
    """Operations inside one transaction. Obtained from :meth:`ResourceService.batch`."""

    def __init__(self, service: "ResourceService", session: Session) -> None:
        self.service = service
        self.session = session
        self.changes: list[ResourceChange] = []
        # The session's identity map holds clean objects weakly; keep the rows this unit
        # of work touches, so that a batch does not reload them for every operation.
        self._rows: dict[str, Resource] = {}
        self._acquisitions: dict[tuple[str, str], Any] = {}
        self._decisions: dict[str, ResourceEvent] = {}
        # Append-only rows (events, first OAI rows) are inserted in bulk, in order, by
        # _flush_bulk(): before any read of those tables, at savepoints and at commit.
        self._events: list[tuple[ResourceEvent, Document | None]] = []
        self._oai_items: list[dict] = []
        self._oai_sets: list[dict] = []
        self._new_acquisitions: list[Any] = []

    @contextmanager
    def savepoint(self) -> Iterator["Work"]:
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
                raise NotFound(f"no resource {resource_id!r}")
            self._rows[row.id] = row
        return row

    def preload_acquisitions(self, keys: set[tuple[str, str]]) -> None:
        """Fetch the acquisitions ``(mode, reference)`` of a coming batch in one query."""
        from sqlalchemy.orm import selectinload
        from ..store.models import Acquisition
        refs = {ref for _, ref in keys if ref}
        if not refs:
            return
        with self.session.no_autoflush:
            rows = self.session.scalars(select(Acquisition).where(Acquisition.reference.in_(refs))
                                        .options(selectinload(Acquisition.steps))).all()
        for key in keys:
            self._acquisitions.setdefault(key, None)  # looked up: absent unless found below
        for row in rows:
            if (row.mode, row.reference) in keys:
                self._acquisitions[(row.mode, row.reference)] = row

    def _exists(self, resource_id: str) -> bool:
        if resource_id in self._rows:
            return True
        with self.session.no_autoflush:  # pending rows of this batch are in _rows
            return self.session.get(Resource, resource_id) is not None

    def _event(self, row: Resource, action: str, actor: Actor, from_status: str | None, *,
               at=None, document: Document | None = None, **fields: Any) -> ResourceEvent:
        """Record an event (written by :meth:`_flush_bulk`); returns it, unsaved, for reading."""
        event = ResourceEvent(resource_id=row.id, action=action, from_status=from_status,
                              to_status=row.status, actor=actor.username, at=at or utcnow(),
                              **fields)
        self._events.append((event, document))
        return event

    def _flush_bulk(self) -> None:
        if not (self._events or self._oai_items or self._oai_sets or self._new_acquisitions):
            return
        self._flush()  # resources, acquisitions and documents first: the rows below refer to them
        steps = []
        for acquisition in self._new_acquisitions:
            for step in (acquisition.bulk_steps or {}).values():
                steps.append({"acquisition_id": acquisition.id, "step": step["id"],
                              "position": step["position"], "status": step["status"],
                              "date": step["date"], "actors": step["actors"],
                              "commission": step["commission"], "note": step["note"]})
            acquisition.bulk_steps = None
            # The ORM collection was never filled: load it from the rows on next use.
            self.session.expire(acquisition, ["steps"])
        if steps:
            self.session.execute(ProcedureStep.__table__.insert(), steps)
        self._new_acquisitions.clear()
        columns = ("resource_id", "action", "from_status", "to_status", "actor", "at", "note",
                   "commission", "decision", "reference", "document_id")
        events = []
        for event, document in self._events:
            if document is not None:
                event.document_id = document.id
            events.append({c: getattr(event, c) for c in columns})
        if events:
            self.session.execute(ResourceEvent.__table__.insert(), events)
        if self._oai_items:
            self.session.execute(OAIItem.__table__.insert(), self._oai_items)
        if self._oai_sets:
            self.session.execute(OAIItemSet.__table__.insert(), self._oai_sets)
        self._events.clear()
        self._oai_items.clear()
        self._oai_sets.clear()

    def _check_version(self, row: Resource, expected_version: Any) -> None:
        if not isinstance(expected_version, int) or isinstance(expected_version, bool):
            raise InvalidInput("expected_version: required (the version you edited)")
        if row.version != expected_version:
            raise StaleVersion(f"{row.id} was changed by someone else (now version {row.version}, "
                               f"you edited version {expected_version}): reload it and apply your "
                               "changes again")

    def _flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError:
            raise StaleVersion("the resource was changed by someone else while you were "
                               "saving: reload it and apply your changes again") from None

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
            item, sets = oai_records.item_rows(row, repository_id=self.service.repository_id,
                                               provenance=summary, deleted=deleted,
                                               base_url=self.service.base_url)
            self._oai_items.append(item)
            self._oai_sets.extend(sets)
            return
        self._flush_bulk()
        oai_records.write_item(self.session, row, repository_id=self.service.repository_id,
                               provenance=summary, deleted=deleted, base_url=self.service.base_url)

    def _record(self, record: Any, name: str) -> tuple[dict, str, str]:
        from metadata_schemas.record import load_record
        record = _strip_catalogue_ids(load_record(record, record=name))
        title, key = _title_fields(record)
        return record, title, key

    # -- operations ----------------------------------------------------------

    def create_draft(self, actor: Actor, record: Any, *, acquisition: Any = None,
                     resource_id: str | None = None) -> ResourceView:
        require(actor, "create")
        if resource_id is not None:
            check_resource_id(resource_id)
            if self._exists(resource_id):
                raise DuplicateIdentifier(f"a resource {resource_id!r} already exists")
        else:
            resource_id = new_resource_id()
            while self._exists(resource_id):
                resource_id = new_resource_id()
        record, title, key = self._record(record, resource_id)
        now = utcnow()
        row = Resource(id=resource_id, status="draft", record=record, title=title, title_key=key,
                       created_at=now, created_by=actor.username, updated_at=now, datestamp=now)
        if acquisition is not None:
            row.acquisition = self._acquisition(acquisition)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:  # created by someone else since the check above
            raise DuplicateIdentifier(f"a resource {resource_id!r} already exists") from None
        self._rows[row.id] = row
        self._event(row, "create", actor, None, at=now)
        if acquisition is not None:
            self._event(row, "acquisition", actor, "draft", at=now,
                        reference=row.acquisition.reference)
        return to_view(row)

    def _acquisition(self, acquisition: Any):
        svc = self.service
        data = parse_acquisition(acquisition, procedures=svc.procedures, vocabularies=svc.vocabularies)
        return apply_acquisition(self.session, data, svc.procedures[data["procedure"]],
                                 cache=self._acquisitions, bulk=self._new_acquisitions)

    def create_published(self, actor: Actor, record: Any, *, reference: str,
                         acquisition: Any = None, resource_id: str | None = None,
                         note: str | None = None, known_new: bool = False) -> ResourceView:
        """Create, submit, record the validation commission's "conforme" and publish, at once.

        For catalogues validated before Mawarid (``import --migrate-validated``) and the
        demo. The actor needs every right the four operations need (including sitting on
        the validation commission); the history holds the same four events, and the rows
        are written once instead of being updated at each step. ``known_new``: the caller
        checked in bulk that the id is free (the primary key still refuses a duplicate).
        """
        for action in ("create", "submit", "decide", "publish"):
            require(actor, action)
        if VALIDATION_COMMISSION not in actor.commissions:
            raise WrongCommission(f"{actor.username} does not sit on the {VALIDATION_COMMISSION} "
                                  "commission (n'est pas membre de la commission / ليس عضوا في اللجنة)")
        reference = _note(reference, "reference", required=True)
        note = _note(note)
        if resource_id is not None:
            check_resource_id(resource_id)
            if not known_new and self._exists(resource_id):
                raise DuplicateIdentifier(f"a resource {resource_id!r} already exists")
        else:
            resource_id = new_resource_id()
        record, title, key = self._record(record, resource_id)
        now = utcnow()
        row = Resource(id=resource_id, status="published", record=record, title=title,
                       title_key=key, created_at=now, created_by=actor.username, updated_at=now,
                       datestamp=now, published_at=now)
        if acquisition is not None:
            row.acquisition = self._acquisition(acquisition)
        self.session.add(row)
        self._rows[row.id] = row
        steps = [("create", None, "draft", {}),
                 ("submit", "draft", "submitted", {"note": note}),
                 ("decide", "submitted", "validated",
                  {"commission": VALIDATION_COMMISSION, "decision": "conforme",
                   "reference": reference, "note": note}),
                 ("publish", "validated", "published", {})]
        if acquisition is not None:
            steps.insert(1, ("acquisition", "draft", "draft",
                             {"reference": row.acquisition.reference}))
        for action, before, after, fields in steps:
            event = ResourceEvent(resource_id=row.id, action=action, from_status=before,
                                  to_status=after, actor=actor.username, at=now, **fields)
            self._events.append((event, None))
            if action == "decide":
                self._decisions[row.id] = event
        self._refresh_oai(row, new=True)
        view = to_view(row, version=1)
        self.changes.append(ResourceChange("published", view))
        return view

    def update(self, actor: Actor, resource_id: str, record: Any, *,
               expected_version: int) -> ResourceView:
        require(actor, "update")
        row = self._load(resource_id)
        self._check_version(row, expected_version)
        before = row.status
        after = next_status("update", before, resource_id=row.id)
        record, title, key = self._record(record, row.id)
        now = utcnow()
        row.record, row.title, row.title_key = record, title, key
        row.status, row.updated_at = after, now
        if after == "published":
            row.datestamp = now
        self._flush()
        self._event(row, "update", actor, before, at=now)
        if after == "published":
            self._refresh_oai(row)
            self.changes.append(ResourceChange("updated", to_view(row)))
        return to_view(row)

    def set_acquisition(self, actor: Actor, resource_id: str, acquisition: Any, *,
                        expected_version: int) -> ResourceView:
        require(actor, "set_acquisition")
        row = self._load(resource_id)
        self._check_version(row, expected_version)
        if row.status == "withdrawn":
            raise IllegalTransition(f"{row.id}: a withdrawn resource cannot be changed "
                                    "(ressource retirée / مورد مسحوب)")
        now = utcnow()
        row.acquisition = self._acquisition(acquisition)
        row.updated_at = now
        published = row.status == "published"
        if published:
            row.datestamp = now
        self._flush()
        self._event(row, "acquisition", actor, row.status, at=now, reference=row.acquisition.reference)
        if published:
            self._refresh_oai(row)
            self.changes.append(ResourceChange("updated", to_view(row)))
        return to_view(row)

    def attach_document(self, actor: Actor, resource_id: str, *, step: str, document_type: str,
                        filename: str, data: bytes, note: str | None = None,
                        fsync: bool = True, flush: bool = True) -> dict[str, Any]:
        """Store the file and record it on the step; ``flush=False`` (bulk) leaves ``id`` None."""
        require(actor, "attach_document")
        from metadata_schemas.errors import UnknownTermError
        row = self._load(resource_id)
        if row.acquisition is None:
            raise InvalidInput(f"{row.id}: record its acquisition before attaching procedure "
                               "documents")
        procedure = self.service.procedures.get_procedure(row.acquisition.procedure)
        step_id = procedure.step(step).id
        try:
            doc_type = self.service.vocabularies["document_type"].resolve(document_type).id
        except UnknownTermError as exc:
            raise UnknownEntity(f"document_type: {exc}") from None
        name = clean_filename(filename)
        note = _note(note)
        digest, size = self.service.documents.put(data, fsync=fsync)
        now = utcnow()
        doc = Document(acquisition=row.acquisition, step=step_id, document_type=doc_type,
                       filename=name, sha256=digest, size=size, uploaded_at=now,
                       uploaded_by=actor.username, resource=row)
        self.session.add(doc)
        self._event(row, "attach", actor, row.status, at=now, note=note, document=doc)
        if flush:
            self.session.flush()
        from .provenance import document_dict
        return document_dict(doc)

    def submit(self, actor: Actor, resource_id: str, *, note: str | None = None) -> ResourceView:
        require(actor, "submit")
        row = self._load(resource_id)
        note = _note(note)
        before = row.status
        row.status = next_status("submit", before, resource_id=row.id)
        row.updated_at = utcnow()
        self._flush()
        self._event(row, "submit", actor, before, at=row.updated_at, note=note)
        return to_view(row)

    def decide(self, actor: Actor, resource_id: str, *, commission: str, decision: str,
               reference: str, note: str | None = None, document_id: int | None = None,
               ) -> ResourceView:
        require(actor, "decide")
        from metadata_schemas.errors import UnknownTermError
        try:
            commission_id = self.service.vocabularies["commission"].resolve(commission).id
        except UnknownTermError as exc:
            raise UnknownEntity(f"commission: {exc}") from None
        if commission_id != VALIDATION_COMMISSION:
            raise WrongCommission(
                f"only the {VALIDATION_COMMISSION} commission decides whether a resource is "
                f"conforme, not {commission_id!r} (seule la commission de validation statue / "
                "لجنة المصادقة وحدها تبت في المطابقة)")
        if commission_id not in actor.commissions:
            raise WrongCommission(f"{actor.username} does not sit on the {commission_id} "
                                  "commission (n'est pas membre de la commission / ليس عضوا في اللجنة)")
        if decision not in DECISIONS:
            raise InvalidInput(f"decision: {decision!r} is not one of {', '.join(DECISIONS)}")
        reference = _note(reference, "reference", required=True)
        if len(reference) > 200:
            raise InvalidInput("reference: at most 200 characters")
        note = _note(note)
        row = self._load(resource_id)
        before = row.status
        row.status = next_status(f"decide:{decision}", before, resource_id=row.id)
        row.updated_at = utcnow()
        if document_id is not None:
            doc = self.session.get(Document, document_id)
            if doc is None or doc.acquisition_id != row.acquisition_id:
                raise NotFound(f"no document {document_id} in the provenance of {row.id}")
        self._flush()
        self._decisions[row.id] = self._event(
            row, "decide", actor, before, at=row.updated_at, note=note, commission=commission_id,
            decision=decision, reference=reference, document_id=document_id)
        return to_view(row)

    def publish(self, actor: Actor, resource_id: str, *, note: str | None = None) -> ResourceView:
        require(actor, "publish")
        row = self._load(resource_id)
        before = row.status
        after = next_status("publish", before, resource_id=row.id)
        decision = self._last_decision(row.id)
        if decision is None or decision.decision != "conforme":
            raise IllegalTransition(f"{row.id}: publishing needs a 'conforme' decision of the "
                                    "validation commission (décision « conforme » / قرار بالمطابقة)")
        now = utcnow()
        row.status, row.updated_at, row.datestamp = after, now, now
        row.published_at = now
        self._flush()
        self._event(row, "publish", actor, before, at=now, note=_note(note))
        self._refresh_oai(row, new=True)  # published once: withdrawn is final
        self.changes.append(ResourceChange("published", to_view(row)))
        return to_view(row)

    def withdraw(self, actor: Actor, resource_id: str, *, reason: str) -> ResourceView:
        require(actor, "withdraw")
        reason = _note(reason, "reason", required=True)
        row = self._load(resource_id)
        before = row.status
        row.status = next_status("withdraw", before, resource_id=row.id)
        now = utcnow()
        row.updated_at, row.datestamp, row.withdrawn_at = now, now, now
        self._flush()
        self._event(row, "withdraw", actor, before, at=now, note=reason)
        self._refresh_oai(row, deleted=True)
        self.changes.append(ResourceChange("withdrawn", to_view(row)))
        return to_view(row)


class ResourceService:
    """See the module docstring. Reads open their own short sessions."""

    def __init__(self, db: Database, *, vocabularies: Any, procedures: Procedures,
                 documents: DocumentStore, repository_id: str = "mawarid.men.gov.ma",
                 base_url: str | None = None) -> None:
        self.db = db
        self.vocabularies = vocabularies
        self.procedures = procedures
        self.documents = documents
        self.repository_id = repository_id
        self.base_url = base_url
        self._listeners: list[Listener] = []

    # -- units of work ---------------------------------------------------------

    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    @contextmanager
    def batch(self, *, notify: bool = True) -> Iterator[Work]:
        """One transaction for many operations; listeners run after the commit (if ``notify``)."""
        session = self.db.new_session(write=True)
        work = Work(self, session)
        try:
            with session.begin():
                yield work
                try:
                    work._flush_bulk()
                    session.flush()
                except StaleDataError:
                    raise StaleVersion("the resource was changed by someone else while you were "
                                       "saving: reload it and apply your changes again") from None
        finally:
            session.close()
        if notify:
            self.notify(work.changes)

    def notify(self, changes: list[ResourceChange]) -> None:
        for change in changes:
            for listener in list(self._listeners):
                try:
                    listener(change)
                except Exception:  # the change is committed; a broken index is rebuilt later
                    log.exception("listener %r failed on %s %s", listener, change.kind,
                                  change.resource.id)

    def _one(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self.batch() as work:
            return getattr(work, method)(*args, **kwargs)

    # -- writes ----------------------------------------------------------------

    def create_draft(self, actor: Actor, record: Any, *, acquisition: Any = None,
                     resource_id: str | None = None) -> ResourceView:
        return self._one("create_draft", actor, record, acquisition=acquisition,
                         resource_id=resource_id)

    def create_published(self, actor: Actor, record: Any, *, reference: str,
                         acquisition: Any = None, resource_id: str | None = None,
                         note: str | None = None) -> ResourceView:
        """See :meth:`Work.create_published` (migration of already-validated records)."""
        return self._one("create_published", actor, record, reference=reference,
                         acquisition=acquisition, resource_id=resource_id, note=note)

    def update(self, actor: Actor, id: str, record: Any, *, expected_version: int) -> ResourceView:
        return self._one("update", actor, id, record, expected_version=expected_version)

    def set_acquisition(self, actor: Actor, id: str, acquisition: Any, *,
                        expected_version: int) -> ResourceView:
        return self._one("set_acquisition", actor, id, acquisition, expected_version=expected_version)

    def attach_document(self, actor: Actor, id: str, *, step: str, document_type: str,
                        filename: str, data: bytes, note: str | None = None) -> dict[str, Any]:
        return self._one("attach_document", actor, id, step=step, document_type=document_type,
                         filename=filename, data=data, note=note)

    def submit(self, actor: Actor, id: str, *, note: str | None = None) -> ResourceView:
        return self._one("submit", actor, id, note=note)

    def decide(self, actor: Actor, id: str, *, commission: str, decision: str, reference: str,
               note: str | None = None, document_id: int | None = None) -> ResourceView:
        return self._one("decide", actor, id, commission=commission, decision=decision,
                         reference=reference, note=note, document_id=document_id)

    def publish(self, actor: Actor, id: str, *, note: str | None = None) -> ResourceView:
        return self._one("publish", actor, id, note=note)

    def withdraw(self, actor: Actor, id: str, *, reason: str) -> ResourceView:
        return self._one("withdraw", actor, id, reason=reason)

    # -- reads -----------------------------------------------------------------

    def get(self, id: str) -> ResourceView:
        with self.db.session() as session:
            row = session.get(Resource, id) if isinstance(id, str) else None
            if row is None:
                raise NotFound(f"no resource {id!r}")
            return to_view(row)

    def exists(self, id: str) -> bool:
        with self.db.session() as session:
            return session.get(Resource, id) is not None

    def existing_ids(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are already in the catalogue (one query; for resumable imports)."""
        if not ids:
            return set()
        with self.db.session() as session:
            return set(session.scalars(select(Resource.id).where(Resource.id.in_(list(ids)))))

    def history(self, id: str) -> list[EventView]:
        with self.db.session() as session:
            if session.get(Resource, id) is None:
                raise NotFound(f"no resource {id!r}")
            return events_of(session, id)

    def provenance(self, id: str) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(Resource, id)
            if row is None:
                raise NotFound(f"no resource {id!r}")
            return provenance_document(session, row, procedures=self.procedures,
                                       vocabularies=self.vocabularies)

    def provenance_summary(self, id: str) -> dict[str, Any]:
        with self.db.session() as session:
            row = session.get(Resource, id)
            if row is None:
                raise NotFound(f"no resource {id!r}")
            return provenance_summary(row, last_decision(session, id))

    def list(self, *, status: str | None = None, q: str | None = None, page: int = 1,
             size: int = 50) -> Page:
        page = max(1, int(page))
        size = min(max(1, int(size)), 500)
        query = select(Resource)
        if status:
            query = query.where(Resource.status == status)
        if q and q.strip():
            from metadata_schemas.textnorm import fold
            key = fold(q.strip())
            pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(Resource.title_key.like(pattern, escape="\\"),
                                    Resource.id == q.strip()))
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.scalars(query.order_by(Resource.updated_at.desc(), Resource.id)
                                   .offset((page - 1) * size).limit(size)).all()
            return Page(items=[to_view(r) for r in rows], total=total or 0, page=page, size=size)

    def count(self, *, status: str | None = None) -> int:
        query = select(func.count()).select_from(Resource)
        if status:
            query = query.where(Resource.status == status)
        with self.db.session() as session:
            return session.scalar(query) or 0

    def iter_published(self, batch: int = 1000) -> Iterator[ResourceView]:
        """Every published resource by id, one short transaction per batch (keyset paging)."""
        yield from self.iter_resources(status="published", batch=batch)

    def iter_resources(self, *, status: str | None = None, batch: int = 1000) -> Iterator[ResourceView]:
        last = ""
        while True:
            query = select(Resource).where(Resource.id > last)
            if status:
                query = query.where(Resource.status == status)
            with self.db.session() as session:
                rows = session.scalars(query.order_by(Resource.id).limit(batch)).all()
                views = [to_view(r) for r in rows]
            if not views:
                return
            yield from views
            last = views[-1].id
