"""``mawarid import``: partner records and staff spreadsheets → resources, with a report.

Reads files, folders and zip archives (:mod:`.sources`), each record in them
(:mod:`.incoming`), and writes them in batches:

* **new records in bulk, each refused alone**: a batch's new records are written by
  the bulk writer (:mod:`catalogue.services.bulk`) in one transaction, with their
  review rows (its ``inserted`` hook), so a crash loses at most the batch in progress
  and never leaves a resource without its review; a refused record leaves nothing and
  never takes its neighbours with it. Records whose id exists go one by one through
  the unit of work, one savepoint each. Files are read in worker processes
  (:mod:`.reading`) when there are many;
* **the same record again updates it**: the resource id is the record's Mawarid id,
  else derived from the partner's identifier (OAI-PMH header, manifest, the first
  ``general.identifier``), else from the content; importing it again reports it
  ``unchanged`` or ``updated``, never a duplicate. A record submitted for
  validation (or validated, or withdrawn) is not changed under the commission's
  eyes: it is refused with the reason;
* **a review per record**: what the readers noted is stored with the resource
  (:class:`.models.IntakeReview`); a record with notes to review waits in the
  staff console's queue and cannot be submitted until reviewed.

``--migrate-validated REFERENCE`` is for catalogues validated before Mawarid: each
new record is submitted, recorded as found "conforme" by the validation commission
under ``REFERENCE`` (the PV) and published, its notes listed on the record all the
same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.errors import MawaridError
from core.messages import N_, Message

from ..errors import CatalogueError, InvalidInput
from ..services.actors import SYSTEM, Actor
from ..services.bulk import BulkWriter, Publication
from ..services.bulk import Incoming as BulkIncoming
from ..services.resources import ResourceService
from ..services.unit_of_work import _strip_catalogue_ids, check_resource_id
from ..services.work import Work
from ..store.models import Resource
from ..store.reviews import IntakeReview
from .incoming import Incoming, internal_error
from .queue import insert_reviews, review_values, write_review
from .reading import Reader
from .report import IntakeReport, Outcome
from .sources import iter_items

log = logging.getLogger(__name__)


class NotUpdated(MawaridError):
    """A record imported again while its resource is under validation or withdrawn."""

    code = "not_updated"


#: Statuses a re-imported record may update (the lifecycle's own "update" rule).
UPDATABLE = ("draft", "rejected", "published")


class Importer:
    """``procs``: worker processes reading the inputs (:mod:`.reading`); 1 reads here."""

    def __init__(
        self,
        resources: ResourceService,
        *,
        actor: Actor = SYSTEM,
        migrate_reference: str | None = None,
        default_acquisition: dict[str, Any] | None = None,
        batch_size: int = 200,
        procs: int = 1,
    ) -> None:
        self.resources = resources
        self.actor = actor
        self.migrate_reference = migrate_reference.strip() if migrate_reference else None
        self.default_acquisition = default_acquisition
        self.batch_size = max(1, batch_size)
        self.procs = max(1, procs)
        if migrate_reference is not None and not migrate_reference.strip():
            raise InvalidInput("--migrate-validated needs the reference of the validation decision")
        #: CPU seconds the reading workers spent (benchmarks: not this process's clock).
        self.worker_cpu = 0.0
        self._writer: BulkWriter | None = None
        #: The new records of the batch being stored: resource id → (record, outcome).
        self._new: dict[str, tuple[Incoming, Outcome]] = {}

    def run(
        self,
        paths: Iterable[str | Path],
        *,
        progress: Callable[[IntakeReport], None] | None = None,
    ) -> IntakeReport:
        started = time.monotonic()
        report = IntakeReport()
        batch: list[Incoming] = []
        with Reader(self.procs) as reader:
            for item, records in reader.read(iter_items(paths)):
                if item.kind == "ignored":
                    report.ignored.append(item.label)
                    continue
                if item.error is not None:
                    report.add(Outcome(item.label, "refused", error=item.error))
                    continue
                for one in records:
                    if one.error is not None:
                        report.add(Outcome(one.label, "refused", one.family, error=one.error))
                    elif one.deleted:
                        report.add(Outcome(one.label, "deleted", one.family))
                    else:
                        batch.append(one)
                        if len(batch) >= self.batch_size:
                            self._write(batch, report)
                            batch = []
                            if progress:
                                progress(report)
            if batch:
                self._write(batch, report)
            self.worker_cpu += reader.worker_cpu
        report.seconds = time.monotonic() - started
        if progress:
            progress(report)
        return report

    def _write(self, batch: list[Incoming], report: IntakeReport) -> None:
        """New records through the bulk writer (one transaction, with their review rows),
        then those whose id exists (or came earlier in the batch) one by one; outcomes
        in the order of the batch, counted once committed."""
        outcomes: list[Outcome | None] = [None] * len(batch)
        ids: list[str | None] = []
        for place, one in enumerate(batch):
            try:
                ids.append(check_resource_id(one.key()))
            except (CatalogueError, MawaridError) as exc:
                ids.append(None)
                outcomes[place] = Outcome(one.label, "refused", one.family, error=exc)
        existing = _existing(self.resources, {rid for rid in ids if rid is not None})
        new: list[int] = []
        again: list[int] = []
        seen: set[str] = set()
        for place, rid in enumerate(ids):
            if rid is None:
                continue
            (again if rid in existing or rid in seen else new).append(place)
            seen.add(rid)
        if new:
            self._store_new(batch, ids, new, outcomes)
        if again:
            self._store_again(batch, again, outcomes)
        for outcome in outcomes:
            assert outcome is not None
            report.add(outcome)

    def _store_new(
        self,
        batch: list[Incoming],
        ids: list[str | None],
        places: list[int],
        outcomes: list[Outcome | None],
    ) -> None:
        status = "published" if self.migrate_reference else "created"
        items = []
        self._new = {}
        for place in places:
            one, rid = batch[place], ids[place]
            assert one.accepted is not None and rid is not None
            self._new[rid] = (one, Outcome(one.label, status, one.family, rid, one.accepted.notes))
            acquisition = (
                one.acquisition if one.acquisition is not None else self.default_acquisition
            )
            # ``source``: the record's place in the batch, to give each refusal its record.
            items.append(BulkIncoming(str(place), one.accepted.record, rid, acquisition))
        try:
            writer = self._bulk()
        except (CatalogueError, MawaridError) as exc:  # the actor may not create: each refused
            for place in places:
                outcomes[place] = Outcome(
                    batch[place].label, "refused", batch[place].family, error=exc
                )
            return
        try:
            done = writer.write(items)
        finally:
            new, self._new = self._new, {}
        by_id = {rid: place for place in places if (rid := ids[place]) is not None}
        for rid in done.created:
            outcomes[by_id[rid]] = new[rid][1]
        for rid in done.skipped:  # the same record written meanwhile by someone else
            outcome = new[rid][1]
            outcome.status = "unchanged"
            outcomes[by_id[rid]] = outcome
        for source, error in done.refused:
            one = batch[int(source)]
            outcomes[int(source)] = Outcome(one.label, "refused", one.family, error=_refusal(error))

    def _bulk(self) -> BulkWriter:
        if self._writer is None:
            publication = None
            if self.migrate_reference:
                note = f"decision taken before Mawarid; recorded by {self.actor.username}"
                publication = Publication(
                    self.migrate_reference, by=SYSTEM, submit_note=note, decide_note=note
                )
            self._writer = self.resources.bulk(
                actor=SYSTEM if publication else self.actor,
                publication=publication,
                validate=False,  # accepted by the readers: a valid record already
                notify=True,
                inserted=self._reviews,
            )
        return self._writer

    def _reviews(self, work: Work, ids: list[str]) -> None:
        """The review rows of the records just inserted, in their transaction."""
        rows = []
        for rid in ids:
            one, outcome = self._new[rid]
            rows.append(
                review_values(
                    rid,
                    outcome.notes,
                    source=one.label,
                    family=one.family,
                    partner_identifier=one.identifier,
                    by=self.actor.username,
                )
            )
        insert_reviews(work, rows)

    def _store_again(
        self, batch: list[Incoming], places: list[int], outcomes: list[Outcome | None]
    ) -> None:
        pending: list[tuple[int, Outcome]] = []
        with self.resources.batch() as work:
            known = _preload(work, [batch[place] for place in places])
            for place in places:
                one = batch[place]
                try:
                    with work.savepoint():
                        pending.append((place, self._one(work, one, known)))
                except (CatalogueError, MawaridError) as exc:
                    pending.append((place, Outcome(one.label, "refused", one.family, error=exc)))
        for place, outcome in pending:
            outcomes[place] = outcome

    def _one(self, work: Work, one: Incoming, known: _Known) -> Outcome:
        assert one.accepted is not None
        record = _strip_catalogue_ids(one.accepted.record)
        rid = check_resource_id(one.key())
        notes = one.accepted.notes
        # The batch's resources and review rows were loaded at once (``_preload``): an id
        # it did not find is new, no query needed.
        existing = known.resources.get(rid)
        outcome = Outcome(one.label, "created", one.family, rid, notes)
        if existing is not None:
            if existing.record == record:
                outcome.status = "unchanged"
            elif existing.status in UPDATABLE:
                work.update(self.actor, rid, record, expected_version=existing.version)
                outcome.status = "updated"
            else:
                raise NotUpdated(
                    N_(
                        "%(id)s is %(status)s: a record under validation (or withdrawn) is not "
                        "changed by an import"
                    ),
                    id=rid,
                    status=existing.status,
                )
            if self.migrate_reference and existing.status == "draft":
                self._migrate_draft(work, rid)
                outcome.status = "published"
        else:
            acquisition = (
                one.acquisition if one.acquisition is not None else self.default_acquisition
            )
            if self.migrate_reference:
                work.create_published(
                    SYSTEM,
                    record,
                    reference=self.migrate_reference,
                    acquisition=acquisition,
                    resource_id=rid,
                    note=f"decision taken before Mawarid; recorded by {self.actor.username}",
                    known_new=True,
                )
                outcome.status = "published"
            else:
                work.create_draft(
                    self.actor, record, acquisition=acquisition, resource_id=rid, known_new=True
                )
        if outcome.status != "unchanged":
            self._review(work, one, rid, outcome, known)
        row = work.session.get(Resource, rid)  # in the session: no query
        if row is not None:  # a later record of this batch with the same id sees it
            known.resources[rid] = row
        return outcome

    def _migrate_draft(self, work: Work, rid: str) -> None:
        work.submit(SYSTEM, rid, note="migration of an already-validated catalogue", migration=True)
        work.decide(
            SYSTEM,
            rid,
            commission="validation",
            decision="conforme",
            reference=self.migrate_reference or "",
            note=f"decision taken before Mawarid; recorded by {self.actor.username}",
        )
        work.publish(SYSTEM, rid, note="migration")

    def _review(self, work: Work, one: Incoming, rid: str, outcome: Outcome, known: _Known) -> None:
        write_review(
            work,
            rid,
            outcome.notes,
            source=one.label,
            family=one.family,
            partner_identifier=one.identifier,
            by=self.actor.username,
            known=known.reviews,
        )


@dataclass
class _Known:
    """The rows of a batch's ids that exist (a batch's later records see its earlier ones)."""

    resources: dict[str, Resource] = field(default_factory=dict)
    reviews: dict[str, IntakeReview] = field(default_factory=dict)


def _preload(work: Work, batch: list[Incoming]) -> _Known:
    """The batch's existing resources and review rows, in two queries."""
    ids = []
    for one in batch:
        try:
            ids.append(one.key())
        except (CatalogueError, MawaridError):
            continue
    if not ids:
        return _Known()
    with work.session.no_autoflush:
        resources = work.session.scalars(select(Resource).where(Resource.id.in_(ids))).all()
        reviews = work.session.scalars(
            select(IntakeReview).where(IntakeReview.resource_id.in_(ids))
        ).all()
    return _Known({r.id: r for r in resources}, {r.resource_id: r for r in reviews})


def _existing(resources: ResourceService, ids: set[str]) -> set[str]:
    """Which of ``ids`` are resources already (one query)."""
    if not ids:
        return set()
    with resources.db.session() as session:
        return set(session.scalars(select(Resource.id).where(Resource.id.in_(ids))))


def _refusal(error: Exception) -> MawaridError | CatalogueError | Message:
    """A refusal of the bulk writer as the report shows it (anything else is our bug)."""
    if isinstance(error, (MawaridError, CatalogueError)):
        return error
    log.error("record refused by an unexpected error: %r", error)
    return internal_error()
