"""Putting a record in the review queue: the one writer of its review row.

:func:`write_review` is called inside the unit of work that wrote the resource (a
:class:`~catalogue.services.work.Work`), so the record and its notes are committed
together: by ``mawarid import`` (:mod:`.importer`) and by the harvester (the
harvest page writer gets it from ``harvesters``, since the catalogue's services do
not import the intake). The queue itself is :class:`.review.ReviewService`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert

from metadata_schemas.notes import Note

from ..services.work import Work
from ..store.models import table_of, utcnow
from ..store.reviews import IntakeReview


def write_review(
    work: Work,
    resource_id: str,
    notes: Sequence[Note],
    *,
    source: str,
    family: str,
    partner_identifier: str | None,
    by: str,
    known: dict[str, IntakeReview] | None = None,
) -> IntakeReview:
    """The review row of a resource just created or updated from a partner's record.

    ``to_review`` when a note needs a person, else ``clean``; a previous review of the
    resource (an earlier version of the record) is replaced: the new notes are the ones
    to settle. ``known``: the rows the caller loaded for its batch (an id missing from it
    has none; the new row is added to it); without it, the row is looked up.
    """
    row = (
        known.get(resource_id) if known is not None else work.session.get(IntakeReview, resource_id)
    )
    if row is None:
        row = IntakeReview(resource_id=resource_id)
        work.session.add(row)
        if known is not None:
            known[resource_id] = row
    values = review_values(
        resource_id,
        notes,
        source=source,
        family=family,
        partner_identifier=partner_identifier,
        by=by,
    )
    for name, value in values.items():
        setattr(row, name, value)
    return row


def review_values(
    resource_id: str,
    notes: Sequence[Note],
    *,
    source: str,
    family: str,
    partner_identifier: str | None,
    by: str,
) -> dict[str, Any]:
    """The columns of a new review row (:func:`write_review` sets them on its row; the
    import's bulk path inserts many at once, in the transaction of their resources)."""
    return {
        "resource_id": resource_id,
        "status": "to_review" if any(n.review for n in notes) else "clean",
        "notes": [n.to_json() for n in notes],
        "source": source[:1000],
        "family": family[:32],
        "partner_identifier": (partner_identifier or "")[:1000] or None,
        "imported_at": utcnow(),
        "imported_by": by[:100],
        "reviewed_at": None,
        "reviewed_by": None,
    }


def insert_reviews(work: Work, rows: Sequence[dict[str, Any]]) -> None:
    """Review rows of resources just inserted (:func:`review_values`), in one statement."""
    if rows:
        work.session.execute(insert(table_of(IntakeReview)), list(rows))
