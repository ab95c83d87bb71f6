"""Applying a partner's records to the catalogue, one page per transaction.

Each page goes through :meth:`ResourceService.batch` (the same unit of work as every
change, so the OAI rows, the events and the index follow) and, in that same
transaction, records the run's counts, the partner's position (``resume``) and renews
the lease: after a crash, the saved position and the records applied always agree.

The page's records new to us (no mapping yet, readable, not deleted) are written first,
in bulk, by the bulk writer (:meth:`.bulk.BulkWriter.write_within`: validation and
renderings once per record — in worker processes when the page is large enough, see
:mod:`.prepare` —, multi-row inserts), then their mappings and review rows. Every
other record (a change, a deletion, a record named again in the page, one the bulk
writer refused) is isolated in a SAVEPOINT: a record the catalogue refuses is reported
and the rest of the page goes on. What each record does to ours is
:mod:`.harvest_record`'s (with its review row, by the intake's writer); a record that
could not be read, or that the catalogue refused, is kept to be asked again by the next
runs (:mod:`.harvest_refused`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import MawaridError
from core.messages import N_, Message
from metadata_schemas.notes import Note

from ..errors import CatalogueError
from ..store.harvest_models import HarvestRecord, HarvestRun, HarvestSource
from ..store.models import Resource
from .bulk import REFUSALS, Publication
from .bulk import Incoming as BulkIncoming
from .harvest_record import EDITABLE, RecordWriter, ReviewWriter, refusal
from .harvest_refused import MAX_IDENTIFIER, MISSING, Refusals, to_retry
from .harvest_views import MAX_NOTED, MAX_PROBLEMS, Incoming, Lease, PageOutcome
from .prepare import Preparer
from .resources import ResourceService
from .work import Work

#: Records withdrawn per transaction after a full comparison.
SWEEP_BATCH = 200
#: What refuses a page's new records all at once (they then go one by one): the database
#: (an id written meanwhile), the bulk writer's refusals and the one-by-one path's.
BULK_REFUSALS: tuple[type[Exception], ...] = (IntegrityError, *REFUSALS, MawaridError, ValueError)


class PageWriter:
    """The writes of :class:`~.harvest_sources.HarvestSources` (see the module docstring)."""

    def __init__(
        self,
        resources: ResourceService,
        check_lease: Callable[[Session, Lease], HarvestSource],
        now: Callable[[], datetime],
    ) -> None:
        self.resources = resources
        self.check_lease = check_lease
        self.now = now
        #: Where new records are prepared (worker processes); in this process when None.
        self.preparer: Preparer | None = None

    # -- pages ---------------------------------------------------------------------

    def apply_page(
        self,
        lease: Lease,
        items: list[Incoming],
        *,
        resume: dict[str, Any],
        review: ReviewWriter,
        retried: bool = False,
        gone: Sequence[str] = (),
    ) -> PageOutcome:
        """``retried``: the items are refused records asked again (counted as such);
        ``gone``: refused identifiers the partner no longer has (their refusal forgotten:
        a full comparison decides about a copy of ours)."""
        outcome = PageOutcome()
        outcome.add("pages")
        if retried:
            outcome.add("retried", len(items) + len(gone))
        with self.resources.batch() as work:
            source = self.check_lease(work.session, lease)
            writer = RecordWriter(work, source, review=review, pass_id=int(resume.get("pass") or 0))
            identifiers = [i.identifier for i in items]
            writer.load(identifiers, resources=True)
            refused = self._refusals(work.session, source, lease, [*identifiers, *gone])
            for identifier in gone:
                refused.forget(identifier)
            created = self._create_new(work, writer, items)
            for place, item in enumerate(items):
                outcome.add("seen")
                if item.problem is not None:
                    outcome.problem(item.identifier, item.problem)
                    refused.refuse(item, item.problem)
                    continue
                if len(item.identifier) > MAX_IDENTIFIER:
                    outcome.problem(
                        item.identifier[:80],
                        Message(
                            N_("identifier longer than %(max)d characters"), max=MAX_IDENTIFIER
                        ),
                    )
                    continue
                if place in created:
                    done = "created"
                else:
                    try:
                        with work.savepoint():
                            done = writer.apply(item)
                    except (CatalogueError, MawaridError, ValueError) as exc:
                        writer.mappings.pop(item.identifier, None)  # its row may be rolled back
                        outcome.problem(item.identifier, refusal(exc))
                        refused.refuse(item, refusal(exc))
                        continue
                refused.forget(item.identifier)  # came in at last, if it was refused before
                outcome.add(done)
                if item.notes and done in ("created", "updated"):
                    rid = writer.mappings[item.identifier].resource_id
                    outcome.noted(item.identifier, rid, item.notes)
                if item.datestamp and (
                    source.last_datestamp is None or item.datestamp > source.last_datestamp
                ):
                    source.last_datestamp = item.datestamp
            source.resume = resume
            self.count(work.session, lease, outcome)
        return outcome

    def _create_new(self, work: Work, writer: RecordWriter, items: list[Incoming]) -> set[int]:
        """Write the page's records new to us in bulk, with their mappings and review rows;
        the places in ``items`` of those created.

        Only the first record of the page with a given identifier qualifies: what comes
        later with it applies after it, as it would in the page's order. A record the bulk
        writer refuses is left to :meth:`RecordWriter.apply`, which refuses it in the words
        of the one-by-one path (so does every record if the source's agreement cannot be
        recorded); if the database refuses the rows as a whole (someone else wrote one of
        the ids meanwhile), or anything refuses them all at once, the savepoint drops them
        and every one goes that way too.
        """
        first: dict[str, int] = {}
        for place, item in enumerate(items):
            first.setdefault(item.identifier, place)
        new: dict[str, tuple[int, dict[str, Any]]] = {}
        for place in first.values():
            found = writer.new_resource(items[place])
            if found is not None:
                new[found[0]] = (place, found[1])
        if not new:
            return set()
        publication = None
        if writer.source.publish:
            note = writer.publish_note()
            publication = Publication(
                writer.source.agreement, by=writer.actor, submit_note=note, decide_note=note
            )
        try:
            bulk = self.resources.bulk(
                actor=writer.actor, publication=publication, preparer=self.preparer
            )
        except BULK_REFUSALS:
            return set()
        acquisition = writer.acquisition()
        incoming = [
            BulkIncoming(str(place), record, rid, acquisition)
            for rid, (place, record) in new.items()
        ]
        try:
            with work.savepoint():
                report = bulk.write_within(work, incoming)
                for rid in report.created:
                    place, record = new[rid]
                    writer.created(items[place], rid, record)
        except BULK_REFUSALS:
            for place, _ in new.values():
                writer.mappings.pop(items[place].identifier, None)
            return set()
        return {new[rid][0] for rid in report.created}

    def mark_seen(
        self, lease: Lease, headers: list[Incoming], *, resume: dict[str, Any]
    ) -> PageOutcome:
        outcome = PageOutcome()
        outcome.add("pages")
        pass_id = int(resume["pass"])
        with self.resources.batch() as work:
            source = self.check_lease(work.session, lease)
            writer = RecordWriter(work, source, pass_id=pass_id)
            identifiers = [h.identifier for h in headers]
            writer.load(identifiers)
            refused = self._refusals(work.session, source, lease, identifiers)
            for header in headers:
                outcome.add("seen")
                mapping = writer.mappings.get(header.identifier)
                if mapping is None:
                    # Never applied here (refused when it came, or never sent): the retry
                    # phase of this run asks for it; deleted at the partner, nothing to ask.
                    if header.deleted:
                        refused.forget(header.identifier)
                    else:
                        outcome.add("missing")
                        if header.identifier not in refused:
                            refused.refuse(header, MISSING, tried=False)
                    continue
                if not header.deleted:
                    mapping.seen_pass = pass_id
                    continue
                try:
                    with work.savepoint():
                        done = writer.delete(mapping, header.datestamp)
                except (CatalogueError, MawaridError) as exc:
                    writer.mappings.pop(header.identifier, None)
                    outcome.problem(header.identifier, refusal(exc))
                    continue
                outcome.add(done)
            source.resume = resume
            self.count(work.session, lease, outcome)
        return outcome

    def withdraw_unseen(self, lease: Lease, pass_id: int) -> PageOutcome:
        total = PageOutcome()
        while True:
            outcome = PageOutcome()
            with self.resources.batch() as work:
                source = self.check_lease(work.session, lease)
                writer = RecordWriter(work, source)
                rows = work.session.scalars(
                    select(HarvestRecord)
                    .where(
                        HarvestRecord.source_id == source.id,
                        HarvestRecord.deleted.is_(False),
                        HarvestRecord.seen_pass < pass_id,
                    )
                    .order_by(HarvestRecord.identifier)
                    .limit(SWEEP_BATCH)
                ).all()
                for mapping in rows:
                    try:
                        with work.savepoint():
                            done = writer.delete(mapping, None, vanished=True)
                    except (CatalogueError, MawaridError) as exc:
                        outcome.problem(mapping.identifier, refusal(exc))
                        mapping.seen_pass = pass_id  # reported once, not retried in a loop
                        continue
                    outcome.add(done)
                self.count(work.session, lease, outcome)
            _merge(total, outcome)
            if len(rows) < SWEEP_BATCH:
                return total

    def apply_pending(self, lease: Lease, *, review: ReviewWriter) -> PageOutcome:
        outcome = PageOutcome()
        with self.resources.batch() as work:
            source = self.check_lease(work.session, lease)
            writer = RecordWriter(work, source, review=review)
            rows = work.session.execute(
                select(HarvestRecord, Resource.status)
                .join(Resource, Resource.id == HarvestRecord.resource_id)
                .where(
                    HarvestRecord.source_id == source.id,
                    HarvestRecord.pending.is_not(None),
                    Resource.status.in_((*EDITABLE, "withdrawn")),
                )
            ).all()
            for mapping, _status in rows:
                pending = dict(mapping.pending or {})
                mapping.pending = null()
                item = Incoming(
                    mapping.identifier,
                    mapping.datestamp,
                    record=pending.get("record"),
                    notes=tuple(Note.from_dict(n) for n in pending.get("notes") or ()),
                    family=str(pending.get("family") or ""),
                )
                try:
                    with work.savepoint():
                        if pending.get("deleted"):
                            done = writer.delete(mapping, None)
                        else:
                            done = writer.update(mapping, item)
                except (CatalogueError, MawaridError) as exc:
                    outcome.problem(mapping.identifier, refusal(exc))
                    continue
                outcome.add(done)
                if item.notes and done == "updated":
                    outcome.noted(item.identifier, mapping.resource_id, item.notes)
            self.count(work.session, lease, outcome)
        return outcome

    def to_retry(self, lease: Lease, *, before_run: int, limit: int) -> list[str]:
        with self.resources.db.session() as session:
            return to_retry(session, lease.source_id, before_run=before_run, limit=limit)

    # -- helpers -----------------------------------------------------------------------

    def _refusals(
        self, session: Session, source: HarvestSource, lease: Lease, identifiers: list[str]
    ) -> Refusals:
        return Refusals(session, source.id, identifiers, now=self.now(), run_id=lease.run_id)

    def count(self, session: Session, lease: Lease, outcome: PageOutcome) -> None:
        run = session.get(HarvestRun, lease.run_id)
        if run is None:
            return
        counts = dict(run.counts or {})
        for name, n in outcome.counts.items():
            counts[name] = counts.get(name, 0) + n
        run.counts = counts
        if outcome.problems:
            run.problems = _kept_problems(list(run.problems or []), outcome.problems)


def _merge(total: PageOutcome, outcome: PageOutcome) -> None:
    for name, n in outcome.counts.items():
        total.add(name, n)
    total.problems.extend(outcome.problems)


def _kept_problems(kept: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's list with ``new`` added: failures and records with notes each up to their
    own limit (thousands of records with notes must not hide a failure)."""
    failures = sum(1 for p in kept if not p.get("note"))
    noted = len(kept) - failures
    for problem in new:
        if problem.get("note"):
            if noted < MAX_NOTED:
                kept.append(problem)
                noted += 1
        elif failures < MAX_PROBLEMS:
            kept.append(problem)
            failures += 1
    return kept
