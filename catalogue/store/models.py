"""Tables of the catalogue, on the one declarative :class:`Base` every package shares.

Other packages (diffusion) declare their tables on this same ``Base`` and add
their own Alembic revisions after ``0001_catalogue``; the migration environment
(``catalogue/migrations/env.py``) compares against ``Base.metadata``.

Conventions:

* datetimes are UTC, naive, at whole seconds (OAI-PMH datestamps must be stable
  and compare equal on SQLite and PostgreSQL): always build them with :func:`utcnow`;
* ``resource_events`` is append-only: the application never updates or deletes a
  row and database triggers (see :mod:`catalogue.store.triggers`) refuse it;
* ``resources.version`` is SQLAlchemy's ``version_id_col``: every UPDATE checks
  it, so two staff saving the same version cannot overwrite each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.clock import SYSTEM_CLOCK
from core.clock import utcnow as clock_utcnow

#: Stable constraint names, so that Alembic can alter them later on both back ends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")
#: A 64-bit counter; SQLite's auto-increment needs the exact type INTEGER.
SequenceType = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """Now by the system clock (UTC, naive, whole seconds); services take a
    :class:`core.clock.Clock` instead, so that tests can move time."""
    return clock_utcnow(SYSTEM_CLOCK)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model: multi-row inserts go through Core (one ``executemany``),
    not the ORM's bulk path (which may run one statement per row)."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


class Resource(Base):
    __tablename__ = "resources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    record: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Denormalised for listing and filtering without parsing JSON.
    title: Mapped[str] = mapped_column(String(1000), default="")
    title_key: Mapped[str] = mapped_column(Text, default="")
    acquisition_id: Mapped[int | None] = mapped_column(
        ForeignKey("acquisitions.id"), index=True, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: When the public view last changed (publish, edit while published, withdraw).
    datestamp: Mapped[datetime] = mapped_column(DateTime)

    acquisition: Mapped[Acquisition | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class ResourceEvent(Base):
    """One lifecycle event: who did what, when, why, on which document. Never updated."""

    __tablename__ = "resource_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    commission: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)

    # Declared so the unit of work inserts resources and documents before their events.
    resource: Mapped[Resource] = relationship()
    document: Mapped[Document | None] = relationship()


class Acquisition(Base):
    """How resources entered the catalogue. Shared by every resource of one tender,
    donation or agreement: identified by ``(mode, reference)`` when it has a reference."""

    __tablename__ = "acquisitions"
    __table_args__ = (UniqueConstraint("mode", "reference", name="uq_acquisitions_mode_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mode: Mapped[str] = mapped_column(String(64))
    procedure: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    counterpart: Mapped[str | None] = mapped_column(String(500), nullable=True)
    started_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    completed_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    current_step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    steps: Mapped[list[ProcedureStep]] = relationship(
        back_populates="acquisition",
        order_by="ProcedureStep.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    # A plain attribute beside the columns (see bulk_steps below).
    __allow_unmapped__ = True

    #: Steps of a new acquisition waiting for a bulk insert (not a column; see services).
    bulk_steps: dict[str, dict[str, Any]] | None = None
    #: The steps as read with plain rows by a bulk preload, while ``steps`` is not loaded:
    #: re-applying an unchanged acquisition then costs no ORM objects (see services).
    recorded_steps: list[dict[str, Any]] | None = None


class ProcedureStep(Base):
    """What happened at one step of the acquisition's procedure (ids from procedures/*.json)."""

    __tablename__ = "procedure_steps"
    __table_args__ = (
        UniqueConstraint("acquisition_id", "step", name="uq_procedure_steps_acq_step"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acquisition_id: Mapped[int] = mapped_column(ForeignKey("acquisitions.id"), index=True)
    step: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    actors: Mapped[list[str]] = mapped_column(JSONType, default=list)
    commission: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    acquisition: Mapped[Acquisition] = relationship(back_populates="steps")


class Document(Base):
    """A file attached to a procedure step; the bytes live in ``documents/ab/cd/<sha256>``."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acquisition_id: Mapped[int] = mapped_column(ForeignKey("acquisitions.id"), index=True)
    step: Mapped[str] = mapped_column(String(64))
    document_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str | None] = mapped_column(ForeignKey("resources.id"), nullable=True)

    # For the unit of work's insert order (a document may come with its new acquisition).
    acquisition: Mapped[Acquisition] = relationship()
    resource: Mapped[Resource | None] = relationship()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    commissions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: Bumped when every session of the account must end (logout, new password,
    #: deactivation, a role or commission taken away); a session remembers the epoch
    #: it was opened in and is refused once it differs.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginThrottle(Base):
    """Failed logins per user name (known or not: the answer must not tell which)."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class OAIItem(Base):
    """What OAI-PMH serves: one row per published (or withdrawn → deleted) resource."""

    __tablename__ = "oai_item"
    __table_args__ = (Index("ix_oai_item_datestamp_identifier", "datestamp", "identifier"),)

    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(300), unique=True)
    datestamp: Mapped[datetime] = mapped_column(DateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    oai_dc: Mapped[str | None] = mapped_column(Text, nullable=True)
    oai_lom: Mapped[str | None] = mapped_column(Text, nullable=True)
    scolomfr: Mapped[str | None] = mapped_column(Text, nullable=True)

    resource: Mapped[Resource] = relationship()


class OAIItemSet(Base):
    __tablename__ = "oai_item_set"

    resource_id: Mapped[str] = mapped_column(ForeignKey("oai_item.resource_id"), primary_key=True)
    set_spec: Mapped[str] = mapped_column(String(300), primary_key=True, index=True)

    item: Mapped[OAIItem] = relationship()


class IndexJournalEntry(Base):
    """The transactional outbox of the search index: one row per change of the public
    view of a resource, written in the transaction of the change itself.

    The drainer (``mawarid.index_sync``) applies pending rows to the index from the
    resource's *current* state (so replays and coalescing are safe) and deletes them;
    a row whose resource the index refuses keeps its ``error`` and waits for
    ``mawarid index repair``.
    """

    __tablename__ = "index_journal"

    seq: Mapped[int] = mapped_column(SequenceType, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    change: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class RateLimitCounter(Base):
    """One window of a rate limit (flask-limiter's fixed windows): how many hits ``key`` made
    until ``expires_at`` (seconds since the epoch). Kept here so that every worker process and
    every server sharing the database counts together (``portal.rate_limits``)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[float] = mapped_column(Float, nullable=False, index=True)


class ResourceVersion(Base):
    """A record as it was before an edit replaced it: the history of a resource's
    description. Written by the edit itself, in its transaction; never updated.

    The current description stays in ``resources.record``; ``version`` is the number the
    resource carried while this description was current, ``saved_at`` when it became so.
    """

    __tablename__ = "resource_versions"

    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSONType)
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    #: Who replaced it (the actor of the edit), and when.
    replaced_by: Mapped[str] = mapped_column(String(100))
    replaced_at: Mapped[datetime] = mapped_column(DateTime)
