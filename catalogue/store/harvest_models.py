"""Tables of harvesting: the partners' OAI-PMH repositories followed, their runs, their records.

* ``harvest_sources`` — one partner repository as data (base URL, format, sets, the
  agreement its records come under, review or publish, how often), what the partner told
  about itself (granularity, deleted records), where the last complete run ended (the
  partner's ``responseDate``: the next ``from``), the state of a run in progress (saved with
  every page, so a killed run resumes) and the lease that keeps two runs apart;
* ``harvest_runs`` — one row per run: kind, status, counts and the problems found, kept
  as message ids and parameters so staff read them in their language;
* ``harvest_records`` — which of our resources holds each record of the partner, the
  partner's datestamp and a digest of what was applied (a record sent again unchanged
  changes nothing), the last full comparison that saw it, and a change waiting while the
  resource is before the validation commission.
* ``harvest_refused`` — the partner's records a run could not bring in (unreadable, or
  refused by the catalogue), with why: the next runs ask them again (``GetRecord``), so a
  record the partner (or a newer Mawarid) fixes comes in without a full harvest.

Datetimes are UTC, naive, at whole seconds, like every catalogue table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, JSONType


class HarvestSource(Base):
    __tablename__ = "harvest_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    metadata_prefix: Mapped[str] = mapped_column(String(64))
    sets: Mapped[list[str]] = mapped_column(JSONType, default=list)
    acquisition_mode: Mapped[str] = mapped_column(String(64))
    agreement: Mapped[str] = mapped_column(String(200))
    counterpart: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: True: records are published under the agreement; False: they wait for review.
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    #: Days between full comparisons for partners that keep no deletions.
    full_every_days: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    # What the partner says of itself (Identify), refreshed by each run.
    granularity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    deleted_record: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: The partner's responseDate when the last complete run began: the next run's ``from``.
    next_from: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: The newest datestamp the partner gave.
    last_datestamp: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_full_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: The run in progress (phase, set, token, from, …), saved with each page; None when idle.
    resume: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class HarvestRun(Base):
    __tablename__ = "harvest_runs"
    __table_args__ = (Index("ix_harvest_runs_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # first | incremental | full
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed | interrupted
    owner: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    since: Mapped[str | None] = mapped_column(String(32), nullable=True)
    resumed: Mapped[bool] = mapped_column(Boolean, default=False)
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    #: [{"identifier", "msgid", "params"}], the first few hundred problems of the run.
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: Why the run stopped early: {"code", "msgid", "params"}.
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class HarvestRecord(Base):
    __tablename__ = "harvest_records"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("harvest_sources.id", ondelete="CASCADE"), primary_key=True
    )
    identifier: Mapped[str] = mapped_column(String(300), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    datestamp: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The partner deleted it (and we withdrew our resource).
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The id of the last full comparison that found the record at the partner.
    seen_pass: Mapped[int] = mapped_column(Integer, default=0)
    #: A change that waits while the resource is before the commission: {"record", "deleted"}.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class HarvestRefused(Base):
    __tablename__ = "harvest_refused"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("harvest_sources.id", ondelete="CASCADE"), primary_key=True
    )
    identifier: Mapped[str] = mapped_column(String(300), primary_key=True)
    #: The partner's datestamp of the version refused.
    datestamp: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: Why, the last time: {"msgid", "params"} (read in the reader's language).
    problem: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    first_refused_at: Mapped[datetime] = mapped_column(DateTime)
    last_tried_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    #: The run that tried it last: a run retries what earlier runs tried, oldest first.
    last_run: Mapped[int] = mapped_column(Integer, default=0)
