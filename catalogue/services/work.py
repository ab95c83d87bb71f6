"""The operations on resources, inside one unit of work (see :mod:`.unit_of_work`).

:class:`Work` is what :meth:`ResourceService.batch` yields; the service's public
methods each run one of these in a transaction of their own. Every operation:
permission check (:mod:`.actors`) → input check → lifecycle transition
(:mod:`.lifecycle`) → the change and its append-only event → the OAI rows when the
public view changes, with its row in the index journal → a :class:`ResourceChange`
for the listeners (after commit).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from core.messages import N_
from metadata_schemas.errors import UnknownTermError

from ..errors import (
    DuplicateIdentifier,
    IllegalTransition,
    InvalidInput,
    NotFound,
    ReviewPending,
    WrongCommission,
    unknown_term,
)
from ..store.models import Document, Resource, ResourceEvent, ResourceVersion
from ..store.reviews import IntakeReview
from .actors import Actor, require
from .completeness import RULES as COMPLETENESS
from .documents import clean_filename
from .lifecycle import DECISIONS, VALIDATION_COMMISSION, next_status
from .provenance import document_dict
from .unit_of_work import UnitOfWork, _note, _reference, check_resource_id, new_resource_id, to_view
from .views import ResourceView


def duplicate(resource_id: str) -> DuplicateIdentifier:
    return DuplicateIdentifier(N_("a resource %(id)r already exists"), id=resource_id)


def not_on_commission(username: str, commission: str) -> WrongCommission:
    return WrongCommission(
        N_("%(user)s does not sit on the %(commission)s commission"),
        user=username,
        commission=commission,
    )


class Work(UnitOfWork):
    """Operations inside one transaction. Obtained from :meth:`ResourceService.batch`."""

    def create_draft(
        self,
        actor: Actor,
        record: Any,
        *,
        acquisition: Any = None,
        resource_id: str | None = None,
        known_new: bool = False,
    ) -> ResourceView:
        """``known_new``: the caller has checked that ``resource_id`` is free (the import
        looks a whole batch up at once); a clash still fails on the primary key."""
        require(actor, "create")
        if resource_id is not None:
            check_resource_id(resource_id)
            if not known_new and self._exists(resource_id):
                raise duplicate(resource_id)
        else:
            resource_id = new_resource_id()
            while self._exists(resource_id):
                resource_id = new_resource_id()
        record, title, key = self._record(record, resource_id)
        now = self.now()
        row = Resource(
            id=resource_id,
            status="draft",
            record=record,
            title=title,
            title_key=key,
            created_at=now,
            created_by=actor.username,
            updated_at=now,
            datestamp=now,
        )
        if acquisition is not None:
            row.acquisition = self._acquisition(acquisition)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:  # created by someone else since the check above
            raise duplicate(resource_id) from None
        self._rows[row.id] = row
        self._event(row, "create", actor, None, at=now)
        if row.acquisition is not None:
            self._event(
                row, "acquisition", actor, "draft", at=now, reference=row.acquisition.reference
            )
        return to_view(row)

    def create_published(
        self,
        actor: Actor,
        record: Any,
        *,
        reference: str,
        acquisition: Any = None,
        resource_id: str | None = None,
        note: str | None = None,
        known_new: bool = False,
    ) -> ResourceView:
        """Create, submit, record the validation commission's "conforme" and publish, at once.

        For harvests published under an agreement (one record inside a transaction of
        other operations); imports and the demo publish many at once through :mod:`.bulk`. The actor needs every right the four operations need (including sitting on
        the validation commission); the history holds the same four events, and the rows
        are written once instead of being updated at each step. ``known_new``: the caller
        checked in bulk that the id is free (the primary key still refuses a duplicate).
        """
        for action in ("create", "submit", "decide", "publish"):
            require(actor, action)
        if VALIDATION_COMMISSION not in actor.commissions:
            raise not_on_commission(actor.username, VALIDATION_COMMISSION)
        reference = _reference(reference)
        note = _note(note)
        if resource_id is not None:
            check_resource_id(resource_id)
            if not known_new and self._exists(resource_id):
                raise duplicate(resource_id)
        else:
            resource_id = new_resource_id()
        record, title, key = self._record(record, resource_id)
        now = self.now()
        row = Resource(
            id=resource_id,
            status="published",
            record=record,
            title=title,
            title_key=key,
            created_at=now,
            created_by=actor.username,
            updated_at=now,
            datestamp=now,
            published_at=now,
        )
        if acquisition is not None:
            row.acquisition = self._acquisition(acquisition)
        self.session.add(row)
        self._rows[row.id] = row
        steps: list[tuple[str, str | None, str, dict[str, Any]]] = [
            ("create", None, "draft", {}),
            ("submit", "draft", "submitted", {"note": note}),
            (
                "decide",
                "submitted",
                "validated",
                {
                    "commission": VALIDATION_COMMISSION,
                    "decision": "conforme",
                    "reference": reference,
                    "note": note,
                },
            ),
            ("publish", "validated", "published", {}),
        ]
        if row.acquisition is not None:
            steps.insert(
                1, ("acquisition", "draft", "draft", {"reference": row.acquisition.reference})
            )
        for action, before, after, fields in steps:
            event = ResourceEvent(
                resource_id=row.id,
                action=action,
                from_status=before,
                to_status=after,
                actor=actor.username,
                at=now,
                **fields,
            )
            self._events.append((event, None))
            if action == "decide":
                self._decisions[row.id] = event
        self._refresh_oai(row, new=True)
        view = to_view(row, version=1)
        self._changed("published", row, view)
        return view

    def update(
        self, actor: Actor, resource_id: str, record: Any, *, expected_version: int
    ) -> ResourceView:
        require(actor, "update")
        row = self._load(resource_id)
        self._check_version(row, expected_version)
        before = row.status
        after = next_status("update", before, resource_id=row.id)
        record, title, key = self._record(record, row.id)
        now = self.now()
        replaced = (row.version, row.record, row.updated_at) if record != row.record else None
        row.record, row.title, row.title_key = record, title, key
        row.status, row.updated_at = after, now
        if after == "published":
            row.datestamp = now
        self._flush()  # the version check comes first: a stale edit keeps nothing
        if replaced is not None:  # the description it replaces stays readable
            version, earlier, saved_at = replaced
            self.session.add(
                ResourceVersion(
                    resource_id=row.id,
                    version=version,
                    record=earlier,
                    saved_at=saved_at,
                    replaced_by=actor.username,
                    replaced_at=now,
                )
            )
        self._event(row, "update", actor, before, at=now)
        if after == "published":
            self._refresh_oai(row)
            self._changed("updated", row)
        return to_view(row)

    def set_acquisition(
        self, actor: Actor, resource_id: str, acquisition: Any, *, expected_version: int
    ) -> ResourceView:
        require(actor, "set_acquisition")
        row = self._load(resource_id)
        self._check_version(row, expected_version)
        if row.status == "withdrawn":
            raise IllegalTransition(N_("%(id)s: a withdrawn resource cannot be changed"), id=row.id)
        now = self.now()
        acquired = row.acquisition = self._acquisition(acquisition)
        row.updated_at = now
        published = row.status == "published"
        if published:
            row.datestamp = now
        self._flush()
        self._event(row, "acquisition", actor, row.status, at=now, reference=acquired.reference)
        if published:
            self._refresh_oai(row)
            self._changed("updated", row)
        return to_view(row)

    def attach_document(
        self,
        actor: Actor,
        resource_id: str,
        *,
        step: str,
        document_type: str,
        filename: str,
        data: bytes,
        note: str | None = None,
        fsync: bool = True,
        flush: bool = True,
    ) -> dict[str, Any]:
        """Store the file and record it on the step; ``flush=False`` (bulk) leaves ``id`` None."""
        require(actor, "attach_document")

        row = self._load(resource_id)
        if row.acquisition is None:
            raise InvalidInput(
                N_("%(id)s: record its acquisition before attaching procedure documents"),
                id=row.id,
            )
        procedure = self.service.procedures.get_procedure(row.acquisition.procedure)
        step_id = procedure.step(step).id
        try:
            doc_type = self.service.vocabularies["document_type"].resolve(document_type).id
        except UnknownTermError as exc:
            raise unknown_term("document_type", exc) from None
        name = clean_filename(filename)
        note = _note(note)
        digest, size = self.service.documents.put(data, fsync=fsync)
        now = self.now()
        doc = Document(
            acquisition=row.acquisition,
            step=step_id,
            document_type=doc_type,
            filename=name,
            sha256=digest,
            size=size,
            uploaded_at=now,
            uploaded_by=actor.username,
            resource=row,
        )
        self.session.add(doc)
        self._event(row, "attach", actor, row.status, at=now, note=note, document=doc)
        if flush:
            self.session.flush()
        return document_dict(doc)

    def submit(
        self, actor: Actor, resource_id: str, *, note: str | None = None, migration: bool = False
    ) -> ResourceView:
        """Send a draft to the validation commission: complete by the rules
        (:mod:`.completeness`) and with its import notes reviewed.

        ``migration``: a record validated before Mawarid (``import --migrate-validated``
        recording an old catalogue's history): kept as it was validated, complete by
        today's rules or not, its import notes needing no review.
        """
        require(actor, "submit")
        row = self._load(resource_id)
        review = None if migration else self.session.get(IntakeReview, row.id)
        if review is not None and review.status == "to_review":
            raise ReviewPending(
                N_(
                    "%(id)s has import notes to review (mappings, values kept as written): "
                    "review them in the staff console before submitting it for validation"
                ),
                id=row.id,
            )
        note = _note(note)
        before = row.status
        after = next_status("submit", before, resource_id=row.id)
        if not migration:
            # The commission sees complete records only, whoever submits (console, CLI, API).
            COMPLETENESS.require(row.record, row.id)
        row.status = after
        row.updated_at = self.now()
        self._flush()
        self._event(row, "submit", actor, before, at=row.updated_at, note=note)
        return to_view(row)

    def decide(
        self,
        actor: Actor,
        resource_id: str,
        *,
        commission: str,
        decision: str,
        reference: str,
        note: str | None = None,
        document_id: int | None = None,
    ) -> ResourceView:
        require(actor, "decide")

        try:
            commission_id = self.service.vocabularies["commission"].resolve(commission).id
        except UnknownTermError as exc:
            raise unknown_term("commission", exc) from None
        if commission_id != VALIDATION_COMMISSION:
            raise WrongCommission(
                N_(
                    "only the %(validation)s commission decides whether a resource is "
                    "conforme, not %(commission)r"
                ),
                validation=VALIDATION_COMMISSION,
                commission=commission_id,
            )
        if commission_id not in actor.commissions:
            raise not_on_commission(actor.username, commission_id)
        if decision not in DECISIONS:
            raise InvalidInput(
                N_("decision: %(value)r is not one of %(choices)s"),
                value=decision,
                choices=", ".join(DECISIONS),
            )
        reference = _reference(reference)
        note = _note(note)
        row = self._load(resource_id)
        before = row.status
        row.status = next_status(f"decide:{decision}", before, resource_id=row.id)
        row.updated_at = self.now()
        if document_id is not None:
            doc = self.session.get(Document, document_id)
            if doc is None or doc.acquisition_id != row.acquisition_id:
                raise NotFound(
                    N_("no document %(document)s in the provenance of %(id)s"),
                    document=document_id,
                    id=row.id,
                )
        self._flush()
        self._decisions[row.id] = self._event(
            row,
            "decide",
            actor,
            before,
            at=row.updated_at,
            note=note,
            commission=commission_id,
            decision=decision,
            reference=reference,
            document_id=document_id,
        )
        return to_view(row)

    def publish(self, actor: Actor, resource_id: str, *, note: str | None = None) -> ResourceView:
        require(actor, "publish")
        row = self._load(resource_id)
        before = row.status
        after = next_status("publish", before, resource_id=row.id)
        decision = self._last_decision(row.id)
        if decision is None or decision.decision != "conforme":
            raise IllegalTransition(
                N_("%(id)s: publishing needs a 'conforme' decision of the validation commission"),
                id=row.id,
            )
        now = self.now()
        row.status, row.updated_at, row.datestamp = after, now, now
        row.published_at = now
        self._flush()
        self._event(row, "publish", actor, before, at=now, note=_note(note))
        self._refresh_oai(row, new=True)  # published once: withdrawn is final
        self._changed("published", row)
        return to_view(row)

    def withdraw(self, actor: Actor, resource_id: str, *, reason: str) -> ResourceView:
        require(actor, "withdraw")
        why = _note(reason, "reason", required=True)
        row = self._load(resource_id)
        before = row.status
        row.status = next_status("withdraw", before, resource_id=row.id)
        now = self.now()
        row.updated_at, row.datestamp, row.withdrawn_at = now, now, now
        self._flush()
        self._event(row, "withdraw", actor, before, at=now, note=why)
        self._refresh_oai(row, deleted=True)
        self._changed("withdrawn", row)
        return to_view(row)

    def retract(self, actor: Actor, resource_id: str, *, reason: str) -> ResourceView:
        """Withdraw a resource that was never published (no OAI row is written)."""
        require(actor, "retract")
        why = _note(reason, "reason", required=True)
        row = self._load(resource_id)
        before = row.status
        row.status = next_status("retract", before, resource_id=row.id)
        now = self.now()
        row.updated_at, row.withdrawn_at = now, now
        self._flush()
        self._event(row, "retract", actor, before, at=now, note=why)
        return to_view(row)
