"""What the dashboards and the ministry reports show, as plain data (HTML, SVG and CSV are skins).

Every usage figure comes from the roll-ups (robots and double clicks already
removed): ``usage_monthly`` when the period is whole months (the default, all
time), else ``usage_daily``; so a query costs in (month or day, resource)
pairs, not in clicks. Levels and
subjects come from ``usage_resource_terms``; regions from the campaigns'
shipments and installation reports.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from core.messages import N_
from metadata_schemas.record import title_of

from .models import Installation, Shipment, UsageDaily, UsageMonthly, UsageResourceTerm

METRICS = (
    "total_investigations",
    "unique_investigations",
    "total_requests",
    "unique_requests",
    "views",
    "accesses",
    "api_reads",
    "harvests",
    "robots",
    "double_clicks",
)
#: What each figure is called on the dashboards (English message ids, see core.messages).
FIGURE_LABELS = {
    "total_investigations": N_("Views (total)"),
    "unique_investigations": N_("Views (unique)"),
    "total_requests": N_("Resource accesses (total)"),
    "unique_requests": N_("Resource accesses (unique)"),
    "views": N_("Page views"),
    "accesses": N_("Accesses"),
    "api_reads": N_("API reads"),
    "harvests": N_("OAI-PMH harvests"),
    "robots": N_("Robots excluded"),
    "double_clicks": N_("Double clicks filtered"),
    "planned": N_("Planned"),
    "delivered": N_("Delivered"),
    "installed": N_("Installed"),
    "establishments_installed": N_("Establishments equipped"),
    "failed": N_("Failures"),
}
DIMENSIONS = {"cycle": "level", "level": "level", "subject": "subject"}  # → vocabulary
SORTABLE = (
    "total_requests",
    "unique_requests",
    "total_investigations",
    "unique_investigations",
    "views",
    "accesses",
    "api_reads",
    "harvests",
)


@dataclass
class Period:
    start: date | None = None
    end: date | None = None

    def where(self, column):
        clauses = []
        if self.start:
            clauses.append(column >= self.start)
        if self.end:
            clauses.append(column <= self.end)
        return clauses

    @property
    def whole_months(self) -> bool:
        starts = self.start is None or self.start.day == 1
        ends = (
            self.end is None
            or self.end.day == calendar.monthrange(self.end.year, self.end.month)[1]
        )
        return starts and ends

    def rollup(self):
        """(table, period column, WHERE clauses): the smallest roll-up that answers exactly."""
        if self.whole_months:
            column = UsageMonthly.month
            clauses = []
            if self.start:
                clauses.append(column >= self.start.isoformat()[:7])
            if self.end:
                clauses.append(column <= self.end.isoformat()[:7])
            return UsageMonthly, column, clauses
        return UsageDaily, UsageDaily.day, self.where(UsageDaily.day)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


def _sums(table=UsageDaily):
    return [func.coalesce(func.sum(getattr(table, m)), 0).label(m) for m in METRICS]


#: Titles change rarely; a dashboard shows the same top list again and again.
TITLE_TTL = 300.0


class ReportService:
    def __init__(self, db: Any, resources: Any, vocabularies: Any, usage: Any) -> None:
        self.db = db
        self.resources = resources
        self.vocabularies = vocabularies
        self.usage = usage
        self._titles: dict[str, tuple[float, dict[str, str]]] = {}

    def _fresh(self) -> None:
        # Show what was recorded up to now, not up to the writer's last pass.
        self.usage.flush()

    def totals(self, period: Period | None = None) -> dict[str, int]:
        self._fresh()
        period = period or Period()
        table, _, where = period.rollup()
        with self.db.session() as session:
            row = session.execute(select(*_sums(table)).where(*where)).one()
        return {m: int(getattr(row, m)) for m in METRICS}

    def top_resources(
        self, *, limit: int = 20, period: Period | None = None, metric: str = "total_requests"
    ) -> list[dict[str, Any]]:
        self._fresh()
        metric = metric if metric in SORTABLE else "total_requests"
        period = period or Period()
        table, _, where = period.rollup()
        order = func.sum(getattr(table, metric))
        with self.db.session() as session:
            rows = session.execute(
                select(table.resource_id, *_sums(table))
                .where(*where)
                .group_by(table.resource_id)
                .order_by(
                    order.desc(), func.sum(table.total_investigations).desc(), table.resource_id
                )
                .limit(max(1, min(int(limit), 1000)))
            ).all()
        return [
            {
                "resource_id": r.resource_id,
                "title": self.titles(r.resource_id),
                **{m: int(getattr(r, m)) for m in METRICS},
            }
            for r in rows
        ]

    def titles(self, rid: str) -> dict[str, str]:
        """A resource's French and Arabic titles (cached five minutes)."""
        hit = self._titles.get(rid)
        if hit is not None and time.monotonic() - hit[0] < TITLE_TTL:
            return hit[1]
        try:
            record = self.resources.get(rid).record
            titles = {"fr": title_of(record, "fr"), "ar": title_of(record, "ar")}
        except Exception:
            titles = {"fr": rid, "ar": rid}
        if len(self._titles) > 10_000:
            self._titles.clear()
        self._titles[rid] = (time.monotonic(), titles)
        return titles

    def by_dimension(self, dimension: str, *, period: Period | None = None) -> list[dict[str, Any]]:
        """Usage per cycle, level or subject (a resource counts under each of its terms)."""
        self._fresh()
        if dimension not in DIMENSIONS:
            raise ValueError(
                f"unknown dimension {dimension!r}: expected one of {', '.join(DIMENSIONS)}"
            )
        period = period or Period()
        table, _, where = period.rollup()
        with self.db.session() as session:
            rows = session.execute(
                select(UsageResourceTerm.term, *_sums(table))
                .join(UsageResourceTerm, UsageResourceTerm.resource_id == table.resource_id)
                .where(UsageResourceTerm.dimension == dimension, *where)
                .group_by(UsageResourceTerm.term)
                .order_by(
                    func.sum(table.total_requests).desc(),
                    func.sum(table.total_investigations).desc(),
                    UsageResourceTerm.term,
                )
            ).all()
        vocab = self.vocabularies[DIMENSIONS[dimension]]
        out = []
        for r in rows:
            term = vocab.get(r.term)
            labels = dict(term.labels) if term is not None else {"fr": r.term, "ar": r.term}
            out.append(
                {"term": r.term, "labels": labels, **{m: int(getattr(r, m)) for m in METRICS}}
            )
        return out

    def series(
        self, *, granularity: str = "day", period: Period | None = None
    ) -> list[dict[str, Any]]:
        """Daily or monthly COUNTER totals, oldest first."""
        self._fresh()
        period = period or Period()
        table, column, where = (
            period.rollup()
            if granularity == "month"
            else (UsageDaily, UsageDaily.day, period.where(UsageDaily.day))
        )
        with self.db.session() as session:
            rows = session.execute(
                select(column.label("period"), *_sums(table))
                .where(*where)
                .group_by(column)
                .order_by(column)
            ).all()
        buckets: dict[str, dict[str, int]] = {}
        for r in rows:
            key = r.period if isinstance(r.period, str) else r.period.isoformat()
            key = key[:7] if granularity == "month" else key
            bucket = buckets.setdefault(key, dict.fromkeys(METRICS, 0))
            for m in METRICS:
                bucket[m] += int(getattr(r, m))
        return [{"period": k, **v} for k, v in buckets.items()]

    def by_region(self) -> list[dict[str, Any]]:
        """Campaign diffusion per region, all campaigns: shipped, delivered, installed."""
        with self.db.session() as session:
            ships = session.execute(
                select(
                    Shipment.region,
                    func.count(func.distinct(Shipment.campaign_id)),
                    func.sum(Shipment.quantity),
                ).group_by(Shipment.region)
            ).all()
            delivered = dict(
                session.execute(
                    select(Shipment.region, func.sum(Shipment.quantity))
                    .where(Shipment.status == "delivered")
                    .group_by(Shipment.region)
                ).all()
            )
            installs = session.execute(
                select(
                    Installation.campaign_id,
                    Installation.region,
                    Installation.establishment_code,
                    Installation.status,
                    Installation.quantity,
                ).order_by(Installation.reported_on, Installation.id)
            ).all()
        latest: dict[tuple, Any] = {}
        for i in installs:
            latest[(i.campaign_id, i.region, i.establishment_code)] = i
        rows: dict[str, dict[str, Any]] = {}
        for term in self.vocabularies["region"].terms.values():
            rows[term.id] = {
                "region": term.id,
                "labels": dict(term.labels),
                "campaigns": 0,
                "planned": 0,
                "delivered": 0,
                "installed": 0,
                "establishments_installed": 0,
                "failed": 0,
            }
        for region, n_campaigns, planned in ships:
            if region in rows:
                rows[region].update(
                    campaigns=int(n_campaigns),
                    planned=int(planned or 0),
                    delivered=int(delivered.get(region) or 0),
                )
        for (_cid, region, _code), i in latest.items():
            if region not in rows:
                continue
            if i.status in ("installed", "partial"):
                rows[region]["installed"] += i.quantity
                rows[region]["establishments_installed"] += 1
            elif i.status == "failed":
                rows[region]["failed"] += 1
        return list(rows.values())
