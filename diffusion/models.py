"""Tables of the diffusion area, on the catalogue's shared declarative ``Base``.

Usage is stored twice on purpose:

* ``usage_events``: one row per accepted event, already classified (robot or
  not, double click or not, first of the day for its user or not). It holds a
  keyed hash of the visitor, never an IP address or a user agent;
* ``usage_daily`` and ``usage_monthly``: the same events summed per day (and
  month) and resource, updated in the same transaction. Dashboards read only
  these, so their cost follows the number of (month or day, resource) pairs,
  not the number of clicks.

``usage_resource_terms`` copies each counted resource's level, cycle and subject
ids at record time, so "usage per level" is a join on small tables instead of a
parse of every record's JSON.

Campaign tables follow the life of a distribution: a selection of resources,
targets (regions, optionally establishments), shipments (planned → delivered)
and installation reports imported from the academies.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.store.models import Base, JSONType


class UsageEvent(Base):
    __tablename__ = "usage_events"
    __table_args__ = (
        # Double-click and uniqueness look-ups: "this visitor, recently / today".
        Index("ix_usage_events_visitor", "visitor", "occurred_at"),
        Index("ix_usage_events_day_resource", "day", "resource_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))  # view | access | api | oai
    resource_id: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA256 (daily salt) of the session id, or of IP + user agent; truncated.
    visitor: Mapped[str] = mapped_column(String(32))
    agent: Mapped[str] = mapped_column(String(8))  # human | robot | machine
    #: Counted by COUNTER: a human, not a repeat of the same click within 30 s.
    counted: Mapped[bool] = mapped_column(Boolean)
    double_click: Mapped[bool] = mapped_column(Boolean, default=False)
    first_investigation: Mapped[bool] = mapped_column(Boolean, default=False)
    first_request: Mapped[bool] = mapped_column(Boolean, default=False)


class _CounterMetrics:
    """The COUNTER metric columns shared by the daily and the monthly roll-ups."""

    views: Mapped[int] = mapped_column(Integer, default=0)
    accesses: Mapped[int] = mapped_column(Integer, default=0)
    api_reads: Mapped[int] = mapped_column(Integer, default=0)
    harvests: Mapped[int] = mapped_column(Integer, default=0)
    total_investigations: Mapped[int] = mapped_column(Integer, default=0)
    unique_investigations: Mapped[int] = mapped_column(Integer, default=0)
    total_requests: Mapped[int] = mapped_column(Integer, default=0)
    unique_requests: Mapped[int] = mapped_column(Integer, default=0)
    robots: Mapped[int] = mapped_column(Integer, default=0)
    double_clicks: Mapped[int] = mapped_column(Integer, default=0)


class UsageDaily(_CounterMetrics, Base):
    """COUNTER metrics per day and resource (robots and double clicks already removed)."""

    __tablename__ = "usage_daily"
    __table_args__ = (Index("ix_usage_daily_resource", "resource_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class UsageMonthly(_CounterMetrics, Base):
    """The same metrics per month (``YYYY-MM``): what all-time and whole-month dashboards read.

    COUNTER's monthly ``Unique_*`` figures are sums of the daily ones (a session
    never spans two days), so this table is an exact roll-up of ``usage_daily``."""

    __tablename__ = "usage_monthly"
    __table_args__ = (Index("ix_usage_monthly_resource", "resource_id", "month"),)

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class UsageResourceTerm(Base):
    """A counted resource's classification, copied when it is first counted."""

    __tablename__ = "usage_resource_terms"
    __table_args__ = (Index("ix_usage_resource_terms_term", "dimension", "term"),)

    resource_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)  # cycle|level|subject
    term: Mapped[str] = mapped_column(String(128), primary_key=True)


class Campaign(Base):
    __tablename__ = "diffusion_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict[str, Any]] = mapped_column(JSONType)  # {"fr": ..., "ar": ...}
    channel: Mapped[str] = mapped_column(String(64))  # vocabulary diffusion_channel
    #: The saved search ({"q": ..., "filters": {...}}) or None for an explicit list.
    selection: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    resources: Mapped[list[CampaignResource]] = relationship(
        order_by="CampaignResource.position", cascade="all, delete-orphan", lazy="selectin"
    )
    targets: Mapped[list[CampaignTarget]] = relationship(
        order_by="CampaignTarget.id", cascade="all, delete-orphan", lazy="selectin"
    )


class CampaignResource(Base):
    __tablename__ = "diffusion_campaign_resources"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("diffusion_campaigns.id"), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class CampaignTarget(Base):
    """A region, or one establishment of a region, that the campaign is meant to reach."""

    __tablename__ = "diffusion_campaign_targets"
    __table_args__ = (
        UniqueConstraint(
            "campaign_id", "region", "establishment_code", name="uq_diffusion_campaign_targets_key"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("diffusion_campaigns.id"), index=True)
    region: Mapped[str] = mapped_column(String(64))
    #: Empty string (not NULL) for "the whole region", so the unique key holds everywhere.
    establishment_code: Mapped[str] = mapped_column(String(64), default="")
    establishment_name: Mapped[str | None] = mapped_column(String(300), nullable=True)


class Shipment(Base):
    """Media or deployment sent to a region: planned, then delivered."""

    __tablename__ = "diffusion_shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("diffusion_campaigns.id"), index=True)
    region: Mapped[str] = mapped_column(String(64))
    establishment_code: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # planned | delivered
    planned_on: Mapped[date] = mapped_column(Date)
    planned_by: Mapped[str] = mapped_column(String(100))
    delivered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    delivered_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReportImport(Base):
    """One installation report file imported back from the academies."""

    __tablename__ = "diffusion_report_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("diffusion_campaigns.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    lines: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(100))
    __table_args__ = (
        UniqueConstraint("campaign_id", "sha256", name="uq_diffusion_report_imports_file"),
    )


class Installation(Base):
    """One line of an installation report: an establishment's status at a date."""

    __tablename__ = "diffusion_installations"
    __table_args__ = (Index("ix_diffusion_installations_region", "campaign_id", "region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("diffusion_campaigns.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("diffusion_report_imports.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(64))
    establishment_code: Mapped[str] = mapped_column(String(64))
    reported_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # installation_statuses.json
    installer: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
