"""What one partner record does to ours, inside a page's unit of work.

:class:`RecordWriter` is made for one page (:mod:`.harvest_apply`): it loads the page's
record map (``harvest_records``: the partner's identifier → our resource) and resources
in one query each, then applies each record:

* new → created as a draft (review) or published under the agreement, the partner's
  identifier in ``general.identifier`` (catalog ``oai``), its acquisition the source's
  (the page writer creates a page's new records in bulk: :meth:`RecordWriter.new_resource`
  says which, :meth:`RecordWriter.created` writes their mapping and review row);
* sent again unchanged (the overlap of an incremental run, a resumed page) → nothing;
* changed → a new version (``update`` event, the history kept); while the resource is
  before the validation commission (submitted, validated) the change waits in
  ``pending`` and is applied once the commission has decided;
* deleted → withdrawn (published: it becomes an OAI deleted record of ours) or retracted
  (never published: it leaves the review queue); a record the partner restores later
  comes back as a new resource, since withdrawal is final.

Records were read by the intake (``harvesters.reading``): a record created or updated
with notes gets its review row in the same savepoint, written by the intake's own writer
(:func:`catalogue.intake.queue.write_review`, handed in as ``review`` — the services do
not import the intake), so it waits in the same review queue as an import; published
under the agreement, it keeps its notes listed on the record all the same (as ``import
--migrate-validated`` does). A clean record gets no review row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import null, select

from core.errors import MawaridError
from core.messages import N_, Message
from metadata_schemas.notes import Note
from metadata_schemas.record import load_record

from ..errors import describe
from ..store.harvest_models import HarvestRecord, HarvestSource
from ..store.models import Resource
from ..store.reviews import IntakeReview
from .actors import EDITORS, Actor
from .harvest_refused import MAX_IDENTIFIER
from .harvest_views import Incoming
from .resources import Work, _strip_catalogue_ids
from .views import iso

#: Statuses in which a resource takes the partner's changes at once.
EDITABLE = ("draft", "rejected", "published")
#: Catalog of the ``general.identifier`` that keeps the partner's OAI identifier.
OAI_CATALOG = "oai"


class ReviewWriter(Protocol):
    """The intake's writer of a record's review row (:func:`catalogue.intake.queue.write_review`)."""

    def __call__(
        self,
        work: Work,
        resource_id: str,
        notes: Sequence[Note],
        *,
        source: str,
        family: str,
        partner_identifier: str | None,
        by: str,
        known: dict[str, IntakeReview] | None = None,
    ) -> object: ...


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
        roles = EDITORS | {"validator"}
        return Actor(f"harvest:{source.name}", roles, frozenset({"validation"}))
    return Actor(f"harvest:{source.name}", EDITORS)


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


class RecordWriter:
    """Applies a page's records to ours (see the module docstring)."""

    def __init__(
        self,
        work: Work,
        source: HarvestSource,
        *,
        review: ReviewWriter | None = None,
        pass_id: int = 0,
    ) -> None:
        self.work = work
        self.source = source
        self.actor = harvest_actor(source)
        self.review = review
        self.pass_id = pass_id
        self.mappings: dict[str, HarvestRecord] = {}
        #: The page's resources, loaded at once (None: no such resource yet).
        self.rows: dict[str, Resource | None] = {}

    def load(self, identifiers: Sequence[str], *, resources: bool = False) -> None:
        """The record map of ``identifiers`` (and their resources), one query each."""
        wanted = sorted({i for i in identifiers if len(i) <= MAX_IDENTIFIER})
        if not wanted:
            return
        session = self.work.session
        found = session.scalars(
            select(HarvestRecord).where(
                HarvestRecord.source_id == self.source.id, HarvestRecord.identifier.in_(wanted)
            )
        ).all()
        self.mappings.update((row.identifier, row) for row in found)
        if not resources:
            return
        ids = {
            self.mappings[i].resource_id
            if i in self.mappings
            else resource_id_for(self.source.base_url, i)
            for i in wanted
        }
        self.rows.update(dict.fromkeys(ids))
        for row in session.scalars(select(Resource).where(Resource.id.in_(sorted(ids)))).all():
            self.rows[row.id] = row
            self.work._rows[row.id] = row  # the unit of work keeps them (no second load)

    def apply(self, item: Incoming) -> str:
        """What the record does here: created, updated, unchanged, pending or withdrawn."""
        mapping = self.mappings.get(item.identifier)
        if mapping is not None and self.pass_id:
            mapping.seen_pass = self.pass_id
        if item.deleted:
            if mapping is None:
                return "unchanged"  # deleted before we ever had it
            return self.delete(mapping, item.datestamp)
        assert item.record is not None
        record = with_oai_identifier(item.record, item.identifier)
        digest = content_digest(record)
        if mapping is None:
            mapping = self._map(item)
        elif mapping.digest == digest and not mapping.deleted:
            mapping.datestamp = item.datestamp
            return "unchanged"
        mapping.datestamp = item.datestamp
        row = self._resource(mapping.resource_id)
        if row is not None and row.status == "withdrawn":
            if not mapping.deleted:
                mapping.digest = digest  # withdrawn here by staff: not brought back
                return "unchanged"
            generation = 1
            while self.work.session.get(Resource, mapping.resource_id) is not None:
                mapping.resource_id = resource_id_for(
                    self.source.base_url, item.identifier, generation
                )
                generation += 1
            row = None
        mapping.deleted = False
        mapping.digest = digest
        if row is None:
            self._create(mapping.resource_id, record)
            self.rows[mapping.resource_id] = self.work._rows.get(mapping.resource_id)
            self._review(mapping.resource_id, item, new=True)
            return "created"
        return self.update(mapping, item, record)

    def update(
        self, mapping: HarvestRecord, item: Incoming, record: dict[str, Any] | None = None
    ) -> str:
        """``record``: the item's record with the partner's identifier (a pending one has it)."""
        record = record if record is not None else item.record
        assert record is not None
        row = self.work._load(mapping.resource_id)
        if row.status not in EDITABLE:
            mapping.pending = {
                "record": record,
                "deleted": False,
                "notes": [n.to_json() for n in item.notes],
                "family": item.family,
            }
            return "pending"
        if _strip_catalogue_ids(load_record(record, record=mapping.identifier)) == row.record:
            return "unchanged"
        self.work.update(self.actor, row.id, record, expected_version=row.version)
        mapping.pending = null()
        self._review(row.id, item, new=False)
        return "updated"

    def delete(
        self, mapping: HarvestRecord, datestamp: datetime | None, *, vanished: bool = False
    ) -> str:
        if mapping.deleted:
            return "unchanged"
        row = self.work._load(mapping.resource_id)
        name = self.source.name
        if vanished:
            reason = (
                f"no longer at the partner {name} ({mapping.identifier}): "
                "found missing by a full comparison"
            )
        else:
            when = f", {iso(datestamp)}" if datestamp else ""
            reason = f"deleted by the partner {name} ({mapping.identifier}{when})"
        mapping.deleted = True
        mapping.pending = null()
        if datestamp is not None:
            mapping.datestamp = datestamp
        if row.status == "withdrawn":
            return "unchanged"
        if row.status == "published":
            self.work.withdraw(self.actor, row.id, reason=reason)
        else:
            self.work.retract(self.actor, row.id, reason=reason)
        return "withdrawn"

    # -- new records in bulk ---------------------------------------------------------------

    def new_resource(self, item: Incoming) -> tuple[str, dict[str, Any]] | None:
        """``(resource id, record)`` of a record new to us — readable, not deleted, no
        mapping and no resource of its id (the page's, :meth:`load` with ``resources``) —
        to be written in bulk and then given to :meth:`created`; None for any other."""
        if item.deleted or item.record is None or item.problem is not None:
            return None
        if len(item.identifier) > MAX_IDENTIFIER or item.identifier in self.mappings:
            return None
        resource_id = resource_id_for(self.source.base_url, item.identifier)
        if resource_id not in self.rows or self.rows[resource_id] is not None:
            return None
        return resource_id, with_oai_identifier(item.record, item.identifier)

    def created(self, item: Incoming, resource_id: str, record: dict[str, Any]) -> None:
        """A new record written in bulk (see :meth:`new_resource`): its mapping and its
        review row, as :meth:`apply` writes them for a record it creates."""
        mapping = self._map(item)
        mapping.datestamp = item.datestamp
        mapping.digest = content_digest(record)
        self.rows.pop(resource_id, None)  # inserted outside the session: loaded if needed
        self._review(resource_id, item, new=True)

    def acquisition(self) -> dict[str, Any]:
        """The acquisition of the source's records (its agreement with the partner)."""
        source = self.source
        return {
            "mode": source.acquisition_mode,
            "reference": source.agreement,
            "counterpart": source.counterpart or source.base_url,
        }

    def publish_note(self) -> str:
        """The note of the events of a record published under the agreement."""
        source = self.source
        return f"published under the agreement {source.agreement} (harvested from {source.name})"

    # -- helpers ------------------------------------------------------------------------

    def _map(self, item: Incoming) -> HarvestRecord:
        """The new mapping of a record we never had."""
        mapping = HarvestRecord(
            source_id=self.source.id,
            identifier=item.identifier,
            resource_id=resource_id_for(self.source.base_url, item.identifier),
            deleted=False,
            seen_pass=self.pass_id,
        )
        self.work.session.add(mapping)
        self.mappings[item.identifier] = mapping
        return mapping

    def _resource(self, resource_id: str) -> Resource | None:
        if resource_id in self.rows:  # loaded with the page
            return self.rows[resource_id]
        return self.work.session.get(Resource, resource_id)

    def _create(self, resource_id: str, record: dict[str, Any]) -> None:
        source = self.source
        acquisition = self.acquisition()
        if source.publish:
            self.work.create_published(
                self.actor,
                record,
                reference=source.agreement,
                acquisition=acquisition,
                resource_id=resource_id,
                note=self.publish_note(),
            )
        else:
            self.work.create_draft(
                self.actor, record, acquisition=acquisition, resource_id=resource_id
            )

    def _review(self, resource_id: str, item: Incoming, *, new: bool) -> None:
        """The record's review row, by the intake's writer: new notes replace the last ones;
        a clean record needs none (an earlier row of the resource is brought up to date)."""
        known: dict[str, IntakeReview] = {}
        if not new:
            row = self.work.session.get(IntakeReview, resource_id)
            if row is not None:
                known[resource_id] = row
        if not item.notes and resource_id not in known:
            return
        assert self.review is not None, "records are applied with the intake's review writer"
        self.review(
            self.work,
            resource_id,
            item.notes,
            source=f"{self.source.base_url} [{item.identifier}]",
            family=item.family or self.source.metadata_prefix,
            partner_identifier=item.identifier,
            by=self.actor.username,
            known=known,
        )
