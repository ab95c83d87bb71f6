"""Bulk ingest: many new resources in few transactions (import, demo, harvest).

:class:`BulkWriter` takes :class:`Incoming` records — already validated by the caller's
reader, or validated here — and writes each batch in one transaction, with the same
rows and rules as the one-by-one operations of :class:`~.work.Work`:

1. **plan** (this process, no writes): ids checked, one query for the ids that exist,
   acquisitions checked (:func:`~.acquisitions.parse_acquisition`, once per distinct
   acquisition) and their provenance summaries built;
2. **prepare** (worker processes when the batch is large, :mod:`.prepare`): validation
   when asked, title fields, OAI set specs and, for published records, the three OAI
   renderings — once per record;
3. **store** (one transaction): shared acquisition rows through the unit of work, then
   resources, events, documents, OAI rows and index journal rows by multi-row inserts.
   A record refused at any step leaves nothing (its rows are simply not inserted); if
   the database refuses the batch anyway (someone else created one of its ids in the
   meantime) the batch is written again record by record, and only that record is
   refused.

:meth:`BulkWriter.run` pipelines batches: while the workers prepare batch *n + 1*, this
process stores batch *n*. Published records reach the search index through the index
journal, drained by the caller once the ingest is done (``mawarid.index_sync``).
:meth:`BulkWriter.write_within` writes one batch inside a transaction of the caller's
(a harvest page, with the partner's position and the run's counts).

Outcomes per record: ``created`` (a draft), ``published``, ``skipped`` (the same record
is already there, e.g. a resumed import) or ``refused`` (with the refusal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.collector import bulk_collection
from core.messages import N_
from metadata_schemas.errors import MetadataError, UnknownTermError

from ..errors import CatalogueError, DuplicateIdentifier, InvalidInput, unknown_term
from ..store.bulk_insert import insert_rows
from ..store.database import EncodedJSON
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
from .acquisitions import acquisition_dict, parse_acquisition, step_rows
from .actors import SYSTEM, Actor, require
from .context import ServiceContext
from .documents import clean_filename
from .lifecycle import VALIDATION_COMMISSION
from .oai_records import item_values
from .prepare import Job, Prepared, Preparer, Target
from .procedures import Procedure
from .provenance import summary_of
from .unit_of_work import EVENT_FIELDS, _reference, check_resource_id, new_resource_id
from .views import ResourceChange, ResourceView
from .work import Work, duplicate, not_on_commission


class BulkContext(ServiceContext, Protocol):
    """What the bulk writer needs from :class:`~.resources.ResourceService`."""

    def batch(self, *, notify: bool = True) -> AbstractContextManager[Work]: ...


#: Refusals a record can meet; anything else is a bug and stops the ingest.
REFUSALS: tuple[type[Exception], ...] = (CatalogueError, MetadataError)


@dataclass(frozen=True)
class Attachment:
    """A procedure document to attach on arrival (e.g. the PV of the validation)."""

    step: str
    document_type: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class Incoming:
    """One record to ingest. ``source`` names it in reports (a file, a line, a URL)."""

    source: str
    record: dict[str, Any]
    resource_id: str | None = None
    acquisition: dict[str, Any] | None = None
    attachments: tuple[Attachment, ...] = ()
    #: The reference of this record's validation decision, when published on arrival
    #: (default: the :class:`Publication`'s).
    reference: str | None = None


@dataclass(frozen=True)
class Publication:
    """Publish on arrival: the validation commission found the records conforme already
    (catalogues validated before Mawarid, the demo). ``by`` records the decision."""

    reference: str
    by: Actor = SYSTEM
    submit_note: str | None = None
    decide_note: str | None = None
    publish_note: str | None = None


@dataclass
class BulkReport:
    """What became of each record. A record published on arrival is both ``created`` and
    ``published``; an existing draft published by a migration is only ``published``."""

    created: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    refused: list[tuple[str, Exception]] = field(default_factory=list)
    views: dict[str, ResourceView] = field(default_factory=dict)
    #: Records handled (each counted once, whatever became of it).
    count: int = 0

    def extend(self, other: BulkReport, *, views: bool = True) -> None:
        self.created += other.created
        self.published += other.published
        self.skipped += other.skipped
        self.refused += other.refused
        if views:
            self.views.update(other.views)
        self.count += other.count


@dataclass
class _Planned:
    item: Incoming
    resource_id: str
    acquisition: dict[str, Any] | None = None
    existing: tuple[str, dict[str, Any]] | None = None  # (status, record) already stored
    first: _Planned | None = None  # an earlier record of this batch with the same id
    prepared: Prepared | None = None


@dataclass
class _Batch:
    planned: list[_Planned]
    refused: list[tuple[str, Exception]]
    results: Iterable[Prepared]
    #: The batch's time, in its renderings (provenance) and in its rows alike.
    now: datetime | None = None


class BulkWriter:
    """Writes batches of :class:`Incoming` records (see the module docstring).

    :param actor: who creates the resources (their ``create`` right is checked).
    :param publication: publish on arrival, with this decision; drafts when None.
    :param validate: validate each record here (False: the caller's reader did).
    :param preparer: where records are prepared (worker processes); in this process
        when None.
    :param notify: run the listeners and commit hooks after each batch (the index is
        then brought up to date batch by batch); a long ingest drains once at its end.
    :param inserted: called inside each batch's transaction, after its rows are written,
        with the unit of work and the ids of the resources inserted: the caller's own rows
        about them (the intake's review rows) commit with them or not at all.
    """

    def __init__(
        self,
        service: BulkContext,
        *,
        actor: Actor = SYSTEM,
        publication: Publication | None = None,
        validate: bool = True,
        preparer: Preparer | None = None,
        notify: bool = False,
        fsync_documents: bool = True,
        inserted: Callable[[Work, list[str]], object] | None = None,
    ) -> None:
        self.service = service
        self.inserted = inserted
        self.actor = actor
        self.publication = publication
        self.validate = validate
        self.preparer = preparer or Preparer(Target(service.repository_id, service.base_url))
        self.notify = notify
        self.fsync_documents = fsync_documents
        require(actor, "create")
        self._reference = ""
        if publication is not None:
            for action in ("submit", "decide", "publish"):
                require(publication.by, action)
            if VALIDATION_COMMISSION not in publication.by.commissions:
                raise not_on_commission(publication.by.username, VALIDATION_COMMISSION)
            self._reference = _reference(publication.reference)
        self._parsed: dict[str, dict[str, Any]] = {}
        #: steps of the acquisitions read by earlier batches (Work.preload_acquisitions)
        self._steps_seen: dict[int, tuple[datetime, list[dict[str, Any]]]] = {}

    # -- entry points ------------------------------------------------------------------

    def run(
        self,
        items: Iterable[Incoming],
        *,
        batch_size: int = 500,
        progress: Callable[[BulkReport], object] | None = None,
    ) -> BulkReport:
        """Ingest ``items`` in batches of ``batch_size``, pipelined (see the module doc);
        ``progress(batch_report)`` after each batch is committed. The report returned
        lists ids and refusals, not the views (those are in each batch's report)."""
        report = BulkReport()
        source = iter(items)
        pending: _Batch | None = None
        with bulk_collection():
            while True:
                chunk = list(islice(source, max(1, batch_size)))
                planned = self._plan(chunk) if chunk else None  # its preparation starts now
                if pending is not None:
                    done = self._store(pending)
                    report.extend(done, views=False)  # memory stays flat over a long ingest
                    if progress:
                        progress(done)
                if planned is None:
                    return report
                pending = planned

    def write(self, items: Sequence[Incoming]) -> BulkReport:
        """Ingest ``items`` in one transaction (or record by record if the database
        refuses the batch as a whole)."""
        return self._store(self._plan(list(items)))

    def write_within(self, work: Work, items: Sequence[Incoming]) -> BulkReport:
        """Ingest ``items`` inside the caller's unit of work, in its transaction: a harvest
        page writes its partner's new records with its own rows (the run's counts, the
        partner's position), committed together or not at all. Nothing is committed
        here, and ``inserted`` is called as by :meth:`write`.

        A record refused is reported and leaves nothing; the database refusing the
        rows as a whole (an id written by someone else meanwhile: an
        :class:`IntegrityError`) is the caller's to handle, who isolates this call in a
        savepoint (:meth:`Work.savepoint`) if it must go on. Afterwards the unit of work
        finds the acquisitions created here in the database like any other.
        """
        now = work.now()  # one time for the rows and the renderings that show it
        batch = self._plan(list(items), within=work, now=now)
        for one, prepared in zip(batch.planned, batch.results, strict=True):
            one.prepared = prepared
        try:
            report = self._transaction(batch.planned, within=work, now=now)
        finally:
            # The new acquisitions were inserted outside the session: the unit of work
            # must not hand these objects to a later operation (it would insert them again).
            for acquisition in work.transient_acquisitions:
                work._acquisitions.pop((acquisition.mode, acquisition.reference), None)
            work.transient_acquisitions.clear()
        report.refused[:0] = batch.refused
        report.count = len(batch.planned) + len(batch.refused)
        return report

    # -- 1. plan -----------------------------------------------------------------------

    def _plan(
        self, items: list[Incoming], *, within: Work | None = None, now: datetime | None = None
    ) -> _Batch:
        refused: list[tuple[str, Exception]] = []
        planned: list[_Planned] = []
        first: dict[str, _Planned] = {}
        for item in items:
            try:
                rid = (
                    check_resource_id(item.resource_id)
                    if item.resource_id is not None
                    else new_resource_id()
                )
                acquisition = self._acquisition(item.acquisition)
                if item.reference is not None:
                    _reference(item.reference)
            except REFUSALS as exc:
                refused.append((item.source, exc))
                continue
            one = _Planned(item, rid, acquisition, first=first.get(rid))
            first.setdefault(rid, one)
            planned.append(one)
        existing = self._existing([p.resource_id for p in planned if p.first is None], within)
        counterparts = self._counterparts(planned, within)
        now = now or utcnow(self.service.clock)
        jobs = []
        for one in planned:
            one.existing = existing.get(one.resource_id)
            data = one.acquisition
            summary = None
            if self.publication is not None and one.existing is None and one.first is None:
                key = _key(data)
                summary = summary_of(
                    mode=data["mode"] if data else None,
                    reference=data["reference"] if data else None,
                    counterpart=(data["counterpart"] if data else None)
                    or (counterparts.get(key) if key else None),
                    validated_at=now,
                    decision_reference=_decision(one.item, self._reference),
                    published_at=now,
                )
            jobs.append(
                Job(
                    resource_id=one.resource_id,
                    record=one.item.record,
                    acquisition_mode=data["mode"] if data else None,
                    provenance=summary,
                    validate=self.validate,
                )
            )
        return _Batch(planned, refused, self.preparer.submit(jobs), now)

    def _acquisition(self, raw: dict[str, Any] | None) -> dict[str, Any] | None:
        if raw is None:
            return None
        key = repr(raw)  # a cache key: two spellings of one acquisition only miss it
        data = self._parsed.get(key)
        if data is None:
            data = parse_acquisition(
                raw, procedures=self.service.procedures, vocabularies=self.service.vocabularies
            )
            if len(self._parsed) > 10_000:  # a bounded cache: most ingests share a few
                self._parsed.clear()
            self._parsed[key] = data
        return data

    def _existing(
        self, ids: list[str], within: Work | None = None
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        if not ids:
            return {}
        with self._reading(within) as session:
            rows = session.execute(
                select(Resource.id, Resource.status, Resource.record).where(Resource.id.in_(ids))
            )
            return {rid: (status, record) for rid, status, record in rows}

    def _counterparts(
        self, planned: list[_Planned], within: Work | None = None
    ) -> dict[tuple[str, str], str | None]:
        """The counterpart each shared acquisition will have, for the renderings."""
        keys = {k for p in planned if (k := _key(p.acquisition)) is not None}
        known: dict[tuple[str, str], str | None] = {}
        if keys and self.publication is not None:
            with self._reading(within) as session:
                rows = session.execute(
                    select(Acquisition.mode, Acquisition.reference, Acquisition.counterpart).where(
                        Acquisition.reference.in_({ref for _, ref in keys})
                    )
                )
                known = {(m, r): c for m, r, c in rows if r is not None and (m, r) in keys}
        for one in planned:
            key = _key(one.acquisition)
            if key is not None and one.acquisition and one.acquisition["counterpart"]:
                known.setdefault(key, one.acquisition["counterpart"])
                if not known[key]:
                    known[key] = one.acquisition["counterpart"]
        return known

    def _reading(self, within: Work | None) -> AbstractContextManager[Session]:
        """A session to look things up: the caller's transaction's, else one of its own."""
        return nullcontext(within.session) if within is not None else self.service.db.session()

    # -- 3. store ----------------------------------------------------------------------

    def _store(self, batch: _Batch) -> BulkReport:
        for one, prepared in zip(batch.planned, batch.results, strict=True):
            one.prepared = prepared
        try:
            report = self._transaction(batch.planned, now=batch.now)
        except IntegrityError:
            if len(batch.planned) == 1:
                report = BulkReport()
                one = batch.planned[0]
                report.refused.append((one.item.source, duplicate(one.resource_id)))
            else:  # someone else wrote one of these ids meanwhile: find which
                report = BulkReport()
                for one in batch.planned:
                    report.extend(self._store(_Batch([one], [], [_prepared(one)], batch.now)))
        report.refused[:0] = batch.refused
        report.count = len(batch.planned) + len(batch.refused)
        return report

    def _transaction(
        self, planned: list[_Planned], *, within: Work | None = None, now: datetime | None = None
    ) -> BulkReport:
        report = BulkReport()
        rows = _Rows(self.actor.username)
        unit: AbstractContextManager[Work] = (
            nullcontext(within) if within is not None else self.service.batch(notify=self.notify)
        )
        with unit as work:
            now = now or work.now()
            keys = {k for p in planned if (k := _key(p.acquisition)) is not None}
            work.preload_acquisitions(set(keys), self._steps_seen)
            accepted: list[
                tuple[
                    _Planned, Prepared, Acquisition | None, dict[str, Any] | None, list[_Document]
                ]
            ] = []
            for one in planned:
                prepared = _prepared(one)
                outcome = self._outcome(one, prepared)
                if outcome == "refused":
                    report.refused.append((one.item.source, self._refusal(one, prepared)))
                    continue
                if outcome == "skipped":
                    report.skipped.append(one.resource_id)
                    continue
                if outcome == "publish-existing":
                    try:
                        with work.savepoint():
                            self._publish_existing(work, one.resource_id)
                    except REFUSALS as exc:
                        report.refused.append((one.item.source, exc))
                    else:
                        report.published.append(one.resource_id)
                    continue
                # No savepoint per record (they cost a flush each): everything that can
                # refuse a record is checked before anything of it is written, and
                # apply_acquisition refuses before it changes a row.
                try:
                    documents = [self._document(a, one.acquisition) for a in one.item.attachments]
                    acquisition = (
                        work.apply_acquisition(one.acquisition, transient=True)
                        if one.acquisition
                        else None
                    )
                except REFUSALS as exc:
                    report.refused.append((one.item.source, exc))
                    continue
                for document in documents:
                    document.acquisition = acquisition
                # The acquisition as this record sees it (before the flush: new rows keep
                # their steps at hand until then).
                accepted.append(
                    (one, prepared, acquisition, acquisition_dict(acquisition), documents)
                )
            work._flush_bulk()
            work._flush()  # changes to existing acquisitions
            _insert_acquisitions(work)  # new ones: ids for the rows below
            for one, prepared, acquisition, shown, documents in accepted:
                view = self._rows(rows, one, prepared, acquisition, shown, now)
                for document in documents:
                    document.resource_id, document.status = view.id, view.status
                rows.documents += documents
                report.created.append(view.id)
                if self.publication is not None:
                    report.published.append(view.id)
                report.views[view.id] = view
                if self.publication is not None:
                    work.changes.append(ResourceChange("published", view))
            rows.write(work, now)
            if self.inserted is not None and report.created:
                self.inserted(work, report.created)
        return report

    def _outcome(self, one: _Planned, prepared: Prepared) -> str:
        if prepared.error is not None:
            return "refused"
        earlier = one.first.prepared if one.first is not None else None
        if earlier is not None:
            return "skipped" if earlier.record == prepared.record else "refused"
        if one.existing is None:
            return "new"
        status, record = one.existing
        if record != prepared.record:
            return "refused"
        if self.publication is not None and status == "draft":
            return "publish-existing"
        return "skipped"

    def _refusal(self, one: _Planned, prepared: Prepared) -> Exception:
        if prepared.error is not None:
            return prepared.error
        return DuplicateIdentifier(
            N_("%(id)s is already in the catalogue with other content"), id=one.resource_id
        )

    def _publish_existing(self, work: Work, resource_id: str) -> None:
        pub = self.publication
        assert pub is not None
        work.submit(pub.by, resource_id, note=pub.submit_note)
        work.decide(
            pub.by,
            resource_id,
            commission=VALIDATION_COMMISSION,
            decision="conforme",
            reference=self._reference,
            note=pub.decide_note,
        )
        work.publish(pub.by, resource_id, note=pub.publish_note)

    def _document(self, attachment: Attachment, acquisition: dict[str, Any] | None) -> _Document:
        require(self.actor, "attach_document")
        if acquisition is None:
            raise InvalidInput(
                N_("%(id)s: record its acquisition before attaching procedure documents"),
                id=attachment.filename,
            )
        procedure: Procedure = self.service.procedures.get_procedure(acquisition["procedure"])
        step = procedure.step(attachment.step).id
        try:
            doc_type = (
                self.service.vocabularies["document_type"].resolve(attachment.document_type).id
            )
        except UnknownTermError as exc:
            raise unknown_term("document_type", exc) from None
        name = clean_filename(attachment.filename)
        digest, size = self.service.documents.put(attachment.data, fsync=self.fsync_documents)
        return _Document(None, step, doc_type, name, digest, size)

    def _rows(
        self,
        rows: _Rows,
        one: _Planned,
        prepared: Prepared,
        acquisition: Acquisition | None,
        shown: dict[str, Any] | None,
        now: datetime,
    ) -> ResourceView:
        rid = one.resource_id
        published = self.publication is not None
        rows.resources.append(
            {
                "id": rid,
                "status": "published" if published else "draft",
                "version": 1,
                # The worker's JSON text, stored as it is (not encoded again here).
                "record": (
                    EncodedJSON(prepared.record_json)
                    if prepared.record_json is not None
                    else prepared.record
                ),
                "title": prepared.title,
                "title_key": prepared.title_key,
                "acquisition_id": acquisition.id if acquisition is not None else None,
                "created_at": now,
                "created_by": self.actor.username,
                "updated_at": now,
                "published_at": now if published else None,
                "withdrawn_at": None,
                "datestamp": now,
            }
        )
        events = rows.events
        event: dict[str, Any] = dict.fromkeys(EVENT_FIELDS)
        event.update(resource_id=rid, at=now)
        events.append(
            {**event, "action": "create", "to_status": "draft", "actor": self.actor.username}
        )
        if acquisition is not None:
            events.append(
                {
                    **event,
                    "action": "acquisition",
                    "from_status": "draft",
                    "to_status": "draft",
                    "actor": self.actor.username,
                    "reference": acquisition.reference,
                }
            )
        pub = self.publication
        if pub is not None:
            by = pub.by.username
            events += [
                {**event, "action": "submit", "from_status": "draft", "to_status": "submitted",
                 "actor": by, "note": pub.submit_note},
                {**event, "action": "decide", "from_status": "submitted", "to_status": "validated",
                 "actor": by, "note": pub.decide_note, "commission": VALIDATION_COMMISSION,
                 "decision": "conforme", "reference": _decision(one.item, self._reference)},
                {**event, "action": "publish", "from_status": "validated", "to_status": "published",
                 "actor": by, "note": pub.publish_note},
            ]  # fmt: skip
            rows.items.append(
                item_values(
                    rid,
                    now,
                    repository_id=self.service.repository_id,
                    deleted=False,
                    rendered=prepared.rendered,
                )
            )
            rows.sets += [{"resource_id": rid, "set_spec": spec} for spec in prepared.sets]
            rows.journal.append({"resource_id": rid, "change": "published", "at": now})
        status = "published" if published else "draft"
        return ResourceView(
            id=rid,
            status=status,
            version=1,
            record=prepared.record if prepared.record is not None else one.item.record,
            acquisition=shown,
            created_at=now,
            updated_at=now,
            published_at=now if published else None,
            withdrawn_at=None,
            datestamp=now,
        )


@dataclass
class _Document:
    acquisition: Acquisition | None
    step: str
    document_type: str
    filename: str
    sha256: str
    size: int
    resource_id: str | None = None
    status: str = "draft"


@dataclass
class _Rows:
    """The rows of one batch, inserted by table with multi-row statements."""

    actor: str
    resources: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    documents: list[_Document] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    sets: list[dict[str, Any]] = field(default_factory=list)
    journal: list[dict[str, Any]] = field(default_factory=list)

    def write(self, work: Work, now: datetime) -> None:
        session = work.session
        insert_rows(session, table_of(Resource), self.resources)
        insert_rows(session, table_of(ResourceEvent), self.events)
        documents = [d for d in self.documents if d.resource_id is not None]
        if documents:
            ids = session.scalars(
                insert(table_of(Document)).returning(
                    table_of(Document).c.id, sort_by_parameter_order=True
                ),
                [
                    {
                        "acquisition_id": d.acquisition.id if d.acquisition else None,
                        "step": d.step,
                        "document_type": d.document_type,
                        "filename": d.filename,
                        "sha256": d.sha256,
                        "size": d.size,
                        "uploaded_at": now,
                        "uploaded_by": self.actor,
                        "resource_id": d.resource_id,
                    }
                    for d in documents
                ],
            ).all()
            session.execute(
                insert(table_of(ResourceEvent)),
                [
                    {
                        **dict.fromkeys(EVENT_FIELDS),
                        "resource_id": d.resource_id,
                        "action": "attach",
                        "from_status": d.status,
                        "to_status": d.status,
                        "actor": self.actor,
                        "at": now,
                        "document_id": doc_id,
                    }
                    for d, doc_id in zip(documents, ids, strict=True)
                ],
            )
        insert_rows(session, table_of(OAIItem), self.items)
        insert_rows(session, table_of(OAIItemSet), self.sets)
        insert_rows(session, table_of(IndexJournalEntry), self.journal)


def _insert_acquisitions(work: Work) -> None:
    """Insert the batch's new acquisitions (multi-row, ids returned in order) and their
    steps; the rows stay out of the session, only their ids are set."""
    new = [a for a in work.transient_acquisitions if a.id is None]
    if not new:
        return
    table = table_of(Acquisition)
    columns = (
        "mode",
        "procedure",
        "reference",
        "counterpart",
        "started_on",
        "completed_on",
        "current_step",
        "note",
        "created_at",
        "updated_at",
    )
    ids = work.session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [{c: getattr(a, c) for c in columns} for a in new],
    ).all()
    steps = []
    for acquisition, new_id in zip(new, ids, strict=True):
        acquisition.id = new_id
        steps += step_rows(acquisition)
    insert_rows(work.session, table_of(ProcedureStep), steps)


def _decision(item: Incoming, default: str) -> str:
    return _reference(item.reference) if item.reference is not None else default


def _key(data: dict[str, Any] | None) -> tuple[str, str] | None:
    if data is None or not data["reference"]:
        return None
    return (data["mode"], data["reference"])


def _prepared(one: _Planned) -> Prepared:
    assert one.prepared is not None
    return one.prepared
