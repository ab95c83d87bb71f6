"""Applying a partner's records to the catalogue, one page per transaction.

Each page goes through :meth:`ResourceService.batch` (the same unit of work as every
change, so the OAI rows, the events and the index follow) and, in that same
transaction, records the run's counts, the partner's position (``resume``) and renews
the lease: after a crash, the saved position and the records applied always agree.
Each record is isolated in a SAVEPOINT: a record the catalogue refuses is reported and
the rest of the page goes on.

What a record does (``harvest_records`` maps the partner's identifier to our resource):

* new → created as a draft (review) or published under the agreement, the partner's
  identifier in ``general.identifier`` (catalog ``oai``), its acquisition the source's;
* sent again unchanged (the overlap of an incremental run, a resumed page) → nothing;
* changed → a new version (``update`` event, the history kept); while the resource is
  before the validation commission (submitted, validated) the change waits in
  ``pending`` and is applied once the commission has decided;
* deleted → withdrawn (published: it becomes an OAI deleted record of ours) or retracted
  (never published: it leaves the review queue); a record the partner restores later
  comes back as a new resource, since withdrawal is final.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import null, select
from sqlalchemy.orm import Session

from core.errors import MawaridError
from core.messages import N_, Message

from ..errors import CatalogueError, describe
from ..store.harvest_models import HarvestRecord, HarvestRun, HarvestSource
from ..store.models import Resource
from .actors import Actor
from .harvest_views import MAX_PROBLEMS, Incoming, Lease, PageOutcome
from .resources import ResourceService, Work, _strip_catalogue_ids
from .views import iso

#: Statuses in which a resource takes the partner's changes at once.
EDITABLE = ("draft", "rejected", "published")
#: Catalog of the ``general.identifier`` that keeps the partner's OAI identifier.
OAI_CATALOG = "oai"
#: Records withdrawn per transaction after a full comparison.
SWEEP_BATCH = 200
MAX_IDENTIFIER = 300


def resource_id_for(base_url: str, identifier: str, generation: int = 0) -> str:
    """A stable catalogue id for a partner record: same partner + identifier → same id."""
    key = f"{base_url.rstrip('/')}\n{identifier}" + (f"\n{generation}" if generation else "")
    return "oai-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def content_digest(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def harvest_actor(source: HarvestSource) -> Actor:
    """Who the events of a source's records name: ``harvest:<source>``."""
    if source.publish:  # the agreement stands for the validation commission's decision
        roles = frozenset({"indexer", "admin", "validator"})
        return Actor(f"harvest:{source.name}", roles, frozenset({"validation"}))
    return Actor(f"harvest:{source.name}", frozenset({"indexer", "admin"}))


def with_oai_identifier(record: dict[str, Any], identifier: str) -> dict[str, Any]:
    general = dict(record.get("general") or {})
    ids = list(general.get("identifier") or [])
    if not any(i.get("catalog") == OAI_CATALOG and i.get("entry") == identifier for i in ids):
        ids.append({"catalog": OAI_CATALOG, "entry": identifier})
    general["identifier"] = ids
    return {**record, "general": general}


def refusal(exc: Exception) -> Message:
    if isinstance(exc, MawaridError):
        return exc.msg
    return Message(N_("refused by the catalogue: %(reason)s"), reason=describe(exc))


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

    # -- pages ---------------------------------------------------------------------

    def apply_page(
        self, lease: Lease, items: list[Incoming], *, resume: dict[str, Any]
    ) -> PageOutcome:
        outcome = PageOutcome()
        outcome.add("pages")
        pass_id = int(resume.get("pass") or 0)
        with self.resources.batch() as work:
            source = self.check_lease(work.session, lease)
            actor = harvest_actor(source)
            mappings = self._mappings(work.session, source.id, [i.identifier for i in items])
            rows = self._resources(work, source, mappings, items)
            for item in items:
                outcome.add("seen")
                if item.problem is not None:
                    outcome.problem(item.identifier, item.problem)
                    continue
                if len(item.identifier) > MAX_IDENTIFIER:
                    outcome.problem(
                        item.identifier[:80],
                        Message(
                            N_("identifier longer than %(max)d characters"), max=MAX_IDENTIFIER
                        ),
                    )
                    continue
                try:
                    with work.savepoint():
                        done = self._apply(work, source, actor, mappings, rows, item, pass_id)
                except (CatalogueError, MawaridError, ValueError) as exc:
                    mappings.pop(item.identifier, None)  # its row may have been rolled back
                    outcome.problem(item.identifier, refusal(exc))
                    continue
                outcome.add(done)
                for note in item.notes if done in ("created", "updated") else ():
                    outcome.note(item.identifier, note)
                if item.datestamp and (
                    source.last_datestamp is None or item.datestamp > source.last_datestamp
                ):
                    source.last_datestamp = item.datestamp
            source.resume = resume
            self.count(work.session, lease, outcome)
        return outcome

    def mark_seen(
        self, lease: Lease, headers: list[Incoming], *, resume: dict[str, Any]
    ) -> PageOutcome:
        outcome = PageOutcome()
        outcome.add("pages")
        pass_id = int(resume["pass"])
        with self.resources.batch() as work:
            source = self.check_lease(work.session, lease)
            actor = harvest_actor(source)
            mappings = self._mappings(work.session, source.id, [h.identifier for h in headers])
            for header in headers:
                outcome.add("seen")
                mapping = mappings.get(header.identifier)
                if mapping is None:
                    # Never applied here (refused when it came): the next full harvest retries.
                    if not header.deleted:
                        outcome.add("missing")
                    continue
                if not header.deleted:
                    mapping.seen_pass = pass_id
                    continue
                try:
                    with work.savepoint():
                        done = self._delete(work, source, actor, mapping, header.datestamp)
                except (CatalogueError, MawaridError) as exc:
                    mappings.pop(header.identifier, None)
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
                actor = harvest_actor(source)
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
                            done = self._delete(work, source, actor, mapping, None, vanished=True)
                    except (CatalogueError, MawaridError) as exc:
                        outcome.problem(mapping.identifier, refusal(exc))
                        mapping.seen_pass = pass_id  # reported once, not retried in a loop
                        continue
                    outcome.add(done)
                self.count(work.session, lease, outcome)
            _merge(total, outcome)
            if len(rows) < SWEEP_BATCH:
                return total

    def apply_pending(self, lease: Lease) -> PageOutcome:
        outcome = PageOutcome()
        with self.resources.batch() as work:
            source = self.check_lease(work.session, lease)
            actor = harvest_actor(source)
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
                try:
                    with work.savepoint():
                        if pending.get("deleted"):
                            done = self._delete(work, source, actor, mapping, None)
                        else:
                            done = self._update(work, source, actor, mapping, pending["record"])
                except (CatalogueError, MawaridError) as exc:
                    outcome.problem(mapping.identifier, refusal(exc))
                    continue
                outcome.add(done)
            self.count(work.session, lease, outcome)
        return outcome

    # -- one record ------------------------------------------------------------------

    def _apply(
        self,
        work: Work,
        source: HarvestSource,
        actor: Actor,
        mappings: dict[str, HarvestRecord],
        rows: dict[str, Resource | None],
        item: Incoming,
        pass_id: int,
    ) -> str:
        mapping = mappings.get(item.identifier)
        if mapping is not None and pass_id:
            mapping.seen_pass = pass_id
        if item.deleted:
            if mapping is None:
                return "unchanged"  # deleted before we ever had it
            return self._delete(work, source, actor, mapping, item.datestamp)
        assert item.record is not None
        record = with_oai_identifier(item.record, item.identifier)
        digest = content_digest(record)
        if mapping is None:
            mapping = HarvestRecord(
                source_id=source.id,
                identifier=item.identifier,
                resource_id=resource_id_for(source.base_url, item.identifier),
                deleted=False,
                seen_pass=pass_id,
            )
            work.session.add(mapping)
            mappings[item.identifier] = mapping
        elif mapping.digest == digest and not mapping.deleted:
            mapping.datestamp = item.datestamp
            return "unchanged"
        mapping.datestamp = item.datestamp
        if mapping.resource_id in rows:  # loaded with the page (None: no such resource yet)
            row = rows[mapping.resource_id]
        else:
            row = work.session.get(Resource, mapping.resource_id)
        if row is not None and row.status == "withdrawn":
            if not mapping.deleted:
                mapping.digest = digest  # withdrawn here by staff: not brought back
                return "unchanged"
            generation = 1
            while work.session.get(Resource, mapping.resource_id) is not None:
                mapping.resource_id = resource_id_for(source.base_url, item.identifier, generation)
                generation += 1
            row = None
        mapping.deleted = False
        mapping.digest = digest
        if row is None:
            self._create(work, source, actor, mapping.resource_id, record)
            rows[mapping.resource_id] = work._rows.get(mapping.resource_id)
            return "created"
        return self._update(work, source, actor, mapping, record)

    def _create(
        self,
        work: Work,
        source: HarvestSource,
        actor: Actor,
        resource_id: str,
        record: dict[str, Any],
    ) -> None:
        acquisition = {
            "mode": source.acquisition_mode,
            "reference": source.agreement,
            "counterpart": source.counterpart or source.base_url,
        }
        if source.publish:
            work.create_published(
                actor,
                record,
                reference=source.agreement,
                acquisition=acquisition,
                resource_id=resource_id,
                note=f"published under the agreement {source.agreement} "
                f"(harvested from {source.name})",
            )
        else:
            work.create_draft(actor, record, acquisition=acquisition, resource_id=resource_id)

    def _update(
        self,
        work: Work,
        source: HarvestSource,
        actor: Actor,
        mapping: HarvestRecord,
        record: dict[str, Any],
    ) -> str:
        row = work._load(mapping.resource_id)
        if row.status not in EDITABLE:
            mapping.pending = {"record": record, "deleted": False}
            return "pending"
        from metadata_schemas.record import load_record

        if _strip_catalogue_ids(load_record(record, record=mapping.identifier)) == row.record:
            return "unchanged"
        work.update(actor, row.id, record, expected_version=row.version)
        mapping.pending = null()
        return "updated"

    def _delete(
        self,
        work: Work,
        source: HarvestSource,
        actor: Actor,
        mapping: HarvestRecord,
        datestamp: datetime | None,
        *,
        vanished: bool = False,
    ) -> str:
        if mapping.deleted:
            return "unchanged"
        row = work._load(mapping.resource_id)
        if vanished:
            reason = (
                f"no longer at the partner {source.name} ({mapping.identifier}): "
                "found missing by a full comparison"
            )
        else:
            reason = (
                f"deleted by the partner {source.name} ({mapping.identifier}"
                + (f", {iso(datestamp)}" if datestamp else "")
                + ")"
            )
        mapping.deleted = True
        mapping.pending = null()
        if datestamp is not None:
            mapping.datestamp = datestamp
        if row.status == "withdrawn":
            return "unchanged"
        if row.status == "published":
            work.withdraw(actor, row.id, reason=reason)
        else:
            work.retract(actor, row.id, reason=reason)
        return "withdrawn"

    # -- helpers -----------------------------------------------------------------------

    def _resources(
        self,
        work: Work,
        source: HarvestSource,
        mappings: dict[str, HarvestRecord],
        items: list[Incoming],
    ) -> dict[str, Resource | None]:
        """The resources a page will touch, in one query (not one per record)."""
        ids = {
            mappings[i.identifier].resource_id
            if i.identifier in mappings
            else resource_id_for(source.base_url, i.identifier)
            for i in items
            if len(i.identifier) <= MAX_IDENTIFIER
        }
        if not ids:
            return {}
        found = work.session.scalars(select(Resource).where(Resource.id.in_(sorted(ids)))).all()
        rows: dict[str, Resource | None] = dict.fromkeys(ids)
        for row in found:
            rows[row.id] = row
            work._rows[row.id] = row  # the unit of work keeps them (and will not load them again)
        return rows

    def _mappings(
        self, session: Session, source_id: int, identifiers: list[str]
    ) -> dict[str, HarvestRecord]:
        wanted = sorted({i for i in identifiers if len(i) <= MAX_IDENTIFIER})
        if not wanted:
            return {}
        rows = session.scalars(
            select(HarvestRecord).where(
                HarvestRecord.source_id == source_id, HarvestRecord.identifier.in_(wanted)
            )
        ).all()
        return {row.identifier: row for row in rows}

    def count(self, session: Session, lease: Lease, outcome: PageOutcome) -> None:
        run = session.get(HarvestRun, lease.run_id)
        if run is None:
            return
        counts = dict(run.counts or {})
        for name, n in outcome.counts.items():
            counts[name] = counts.get(name, 0) + n
        run.counts = counts
        if outcome.problems and len(run.problems or []) < MAX_PROBLEMS:
            run.problems = [*(run.problems or []), *outcome.problems][:MAX_PROBLEMS]


def _merge(total: PageOutcome, outcome: PageOutcome) -> None:
    for name, n in outcome.counts.items():
        total.add(name, n)
    total.problems.extend(outcome.problems)
