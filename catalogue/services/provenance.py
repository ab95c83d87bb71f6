"""The provenance of a resource: where it came from, which commission decided what, on which documents.

Two shapes are built from the same rows:

* :func:`provenance_document` — the full JSON document (``mawarid provenance ID``,
  the export's ``<id>.provenance.json``, the portal's provenance page): the
  acquisition with every step of its procedure (labels, actors, commission,
  expected and attached documents with their SHA-256), the decisions, and the
  whole event history;
* :func:`provenance_summary` — the small dict the XML writers of
  ``metadata_schemas`` turn into LOM ``lifeCycle``/``metaMetadata`` contributes
  (see docs/contracts.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import Document, Resource, ResourceEvent
from .acquisitions import acquisition_dict
from .lifecycle import VALIDATION_COMMISSION
from .procedures import Procedures
from .views import EventView, iso

#: Who publishes, as named in the LOM metaMetadata and the provenance summary.
PUBLISHER = "LNRN"


def last_decision(session: Session, resource_id: str) -> ResourceEvent | None:
    return session.scalars(
        select(ResourceEvent)
        .where(
            ResourceEvent.resource_id == resource_id,
            ResourceEvent.action == "decide",
            ResourceEvent.commission == VALIDATION_COMMISSION,
        )
        .order_by(ResourceEvent.seq.desc())
        .limit(1)
    ).first()


def provenance_summary(resource: Resource, decision: ResourceEvent | None) -> dict[str, Any]:
    acq = resource.acquisition
    conforme = decision is not None and decision.decision == "conforme"
    return summary_of(
        mode=acq.mode if acq else None,
        reference=acq.reference if acq else None,
        counterpart=acq.counterpart if acq else None,
        validated_at=decision.at if decision is not None and conforme else None,
        decision_reference=decision.reference if decision is not None else None,
        published_at=(
            resource.published_at if resource.status in ("published", "withdrawn") else None
        ),
    )


def summary_of(
    *,
    mode: str | None,
    reference: str | None,
    counterpart: str | None,
    validated_at: datetime | None,
    decision_reference: str | None,
    published_at: datetime | None,
) -> dict[str, Any]:
    """The provenance summary from its parts (see :func:`provenance_summary`)."""
    validated = None
    if validated_at is not None:
        validated = {
            "date": validated_at.date().isoformat(),
            "commission": VALIDATION_COMMISSION,
            "reference": decision_reference,
        }
    published = {"date": iso(published_at), "by": PUBLISHER} if published_at else None
    return {
        "mode": mode,
        "reference": reference,
        "counterpart": counterpart,
        "validated": validated,
        "published": published,
    }


def document_dict(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "type": doc.document_type,
        "filename": doc.filename,
        "sha256": doc.sha256,
        "size": doc.size,
        "step": doc.step,
        "uploaded_at": iso(doc.uploaded_at),
        "uploaded_by": doc.uploaded_by,
    }


def event_view(event: ResourceEvent, documents: dict[int, Document]) -> EventView:
    doc = documents.get(event.document_id) if event.document_id else None
    return EventView(
        seq=event.seq,
        resource_id=event.resource_id,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        actor=event.actor,
        at=event.at,
        note=event.note,
        commission=event.commission,
        decision=event.decision,
        reference=event.reference,
        document=document_dict(doc) if doc else None,
    )


def events_of(session: Session, resource_id: str) -> list[EventView]:
    events = session.scalars(
        select(ResourceEvent)
        .where(ResourceEvent.resource_id == resource_id)
        .order_by(ResourceEvent.seq)
    ).all()
    doc_ids = {e.document_id for e in events if e.document_id}
    documents = (
        {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(doc_ids)))}
        if doc_ids
        else {}
    )
    return [event_view(e, documents) for e in events]


def provenance_document(
    session: Session, resource: Resource, *, procedures: Procedures, vocabularies: Any
) -> dict[str, Any]:
    events = events_of(session, resource.id)
    acquisition = None
    acq = resource.acquisition
    if acq is not None:
        docs = session.scalars(
            select(Document).where(Document.acquisition_id == acq.id).order_by(Document.id)
        ).all()
        by_step: dict[str, list[dict]] = {}
        for doc in docs:
            by_step.setdefault(doc.step, []).append(document_dict(doc))
        recorded = {s["id"]: s for s in acquisition_dict(acq)["steps"]}
        procedure = procedures.get(acq.procedure)
        steps = []
        for step in procedure.steps if procedure else ():
            done = recorded.get(step.id, {})
            steps.append(
                {
                    "id": step.id,
                    "labels": dict(step.labels),
                    "status": done.get("status", "pending"),
                    "date": done.get("date"),
                    "actors": done.get("actors") or list(step.actors),
                    "commission": done.get("commission") or step.commission,
                    "expected_documents": list(step.documents),
                    "documents": by_step.get(step.id, []),
                    "note": done.get("note"),
                }
            )
        acquisition = {key: value for key, value in acquisition_dict(acq).items() if key != "steps"}
        acquisition["mode_labels"] = _labels(vocabularies, "acquisition_mode", acq.mode)
        acquisition["procedure_labels"] = dict(procedure.labels) if procedure else None
        acquisition["steps"] = steps
    decisions = [
        {
            "commission": e.commission,
            "decision": e.decision,
            "reference": e.reference,
            "by": e.actor,
            "at": iso(e.at),
            "note": e.note,
            "document": e.document,
        }
        for e in events
        if e.action == "decide"
    ]
    return {
        "resource": {
            "id": resource.id,
            "status": resource.status,
            "version": resource.version,
            "title": resource.record.get("general", {}).get("title", {}),
            "created_at": iso(resource.created_at),
            "created_by": resource.created_by,
            "published_at": iso(resource.published_at),
            "withdrawn_at": iso(resource.withdrawn_at),
        },
        "acquisition": acquisition,
        "decisions": decisions,
        "events": [e.to_dict() for e in events],
        "summary": provenance_summary(resource, last_decision(session, resource.id)),
    }


def _labels(vocabularies: Any, vocabulary: str, term_id: str) -> dict[str, str] | None:
    try:
        term = vocabularies[vocabulary].get(term_id)
    except (KeyError, TypeError):
        return None
    return dict(term.labels) if term else None
