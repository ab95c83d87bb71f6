"""The intake's own table: how each imported resource came in, and its review.

One row per resource imported by ``mawarid import`` (or a spreadsheet upload):
where it came from (file, record family, the partner's identifier), what the
readers noted about it (mappings proposed, values kept as written, warnings:
:class:`metadata_schemas.notes.Note` as JSON, each with its resolution) and
whether a documentalist has reviewed it. A resource with notes to review cannot
be submitted for validation until ``status`` is ``reviewed``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..store.models import Base, JSONType, Resource

#: ``to_review``: notes wait for a person; ``reviewed``: done; ``clean``: nothing to review.
REVIEW_STATUSES = ("to_review", "reviewed", "clean")


class IntakeReview(Base):
    __tablename__ = "intake_reviews"

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    source: Mapped[str] = mapped_column(String(1000))
    family: Mapped[str] = mapped_column(String(32))
    partner_identifier: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

    #: Declared so that a flush inserts the resource before its review row (both may be
    #: pending at once: an import adds them in one savepoint without a query between).
    resource: Mapped[Resource] = relationship(Resource, lazy="raise_on_sql")
