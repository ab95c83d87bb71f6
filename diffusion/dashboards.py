"""What the dashboards and the ministry reports show, as plain data (HTML, SVG and CSV are skins).

Every usage figure comes from ``usage_daily`` (robots and double clicks already
removed) so a query costs in (day, resource) pairs, not in clicks. Levels and
subjects come from ``usage_resource_terms``; regions from the campaigns'
shipments and installation reports.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from metadata_schemas.record import title_of

from .models import Installation, Shipment, UsageDaily, UsageResourceTerm

METRICS = ("total_investigations", "unique_investigations", "total_requests", "unique_requests",
           "views", "accesses", "api_reads", "harvests", "robots", "double_clicks")
DIMENSIONS = {"cycle": "level", "level": "level", "subject": "subject"}   # → vocabulary
SORTABLE = ("total_requests", "unique_requests", "total_investigations", "unique_investigations",
            "views", "accesses", "api_reads", "harvests")


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

    def to_dict(self) -> dict[str, str | None]:
        return {"start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None}


def _sums():
    return [func.coalesce(func.sum(getattr(UsageDaily, m)), 0).label(m) for m in METRICS]


class ReportService:
    def __init__(self, db: Any, resources: Any, vocabularies: Any, usage: Any) -> None:
        self.db = db
        self.resources = resources
        self.vocabularies = vocabularies
        self.usage = usage

    def _fresh(self) -> None:
        # Show what was recorded up to now, not up to the writer's last pass.
        self.usage.flush()

    def totals(self, period: Period | None = None) -> dict[str, int]:
        self._fresh()
        period = period or Period()
        with self.db.session() as session:
            row = session.execute(select(*_sums()).where(*period.where(UsageDaily.day))).one()
        return {m: int(getattr(row, m)) for m in METRICS}

    def top_resources(self, *, limit: int = 20, period: Period | None = None,
                      metric: str = "total_requests") -> list[dict[str, Any]]:
        self._fresh()
        metric = metric if metric in SORTABLE else "total_requests"
        period = period or Period()
        order = func.sum(getattr(UsageDaily, metric))
        with self.db.session() as session:
            rows = session.execute(
                select(UsageDaily.resource_id, *_sums()).where(*period.where(UsageDaily.day))
                .group_by(UsageDaily.resource_id)
                .order_by(order.desc(), func.sum(UsageDaily.total_investigations).desc(),
                          UsageDaily.resource_id)
                .limit(max(1, min(int(limit), 1000)))).all()
        return [{"resource_id": r.resource_id, "title": self.titles(r.resource_id),
                 **{m: int(getattr(r, m)) for m in METRICS}} for r in rows]

    def titles(self, rid: str) -> dict[str, str]:
        try:
            record = self.resources.get(rid).record
        except Exception:
            return {"fr": rid, "ar": rid}
        return {"fr": title_of(record, "fr"), "ar": title_of(record, "ar")}

    def by_dimension(self, dimension: str, *, period: Period | None = None) -> list[dict[str, Any]]:
        """Usage per cycle, level or subject (a resource counts under each of its terms)."""
        self._fresh()
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dimension!r}: expected one of {', '.join(DIMENSIONS)}")
        period = period or Period()
        with self.db.session() as session:
            rows = session.execute(
                select(UsageResourceTerm.term, *_sums())
                .join(UsageResourceTerm, UsageResourceTerm.resource_id == UsageDaily.resource_id)
                .where(UsageResourceTerm.dimension == dimension, *period.where(UsageDaily.day))
                .group_by(UsageResourceTerm.term)
                .order_by(func.sum(UsageDaily.total_requests).desc(),
                          func.sum(UsageDaily.total_investigations).desc(), UsageResourceTerm.term)).all()
        vocab = self.vocabularies[DIMENSIONS[dimension]]
        out = []
        for r in rows:
            term = vocab.get(r.term)
            labels = dict(term.labels) if term is not None else {"fr": r.term, "ar": r.term}
            out.append({"term": r.term, "labels": labels, **{m: int(getattr(r, m)) for m in METRICS}})
        return out

    def series(self, *, granularity: str = "day", period: Period | None = None) -> list[dict[str, Any]]:
        """Daily or monthly COUNTER totals, oldest first."""
        self._fresh()
        period = period or Period()
        with self.db.session() as session:
            rows = session.execute(
                select(UsageDaily.day, *_sums()).where(*period.where(UsageDaily.day))
                .group_by(UsageDaily.day).order_by(UsageDaily.day)).all()
        buckets: dict[str, dict[str, int]] = {}
        for r in rows:
            key = r.day.isoformat()[:7] if granularity == "month" else r.day.isoformat()
            bucket = buckets.setdefault(key, dict.fromkeys(METRICS, 0))
            for m in METRICS:
                bucket[m] += int(getattr(r, m))
        return [{"period": k, **v} for k, v in buckets.items()]

    def by_region(self) -> list[dict[str, Any]]:
        """Campaign diffusion per region, all campaigns: shipped, delivered, installed."""
        with self.db.session() as session:
            ships = session.execute(
                select(Shipment.region, func.count(func.distinct(Shipment.campaign_id)),
                       func.sum(Shipment.quantity)).group_by(Shipment.region)).all()
            delivered = dict(session.execute(
                select(Shipment.region, func.sum(Shipment.quantity))
                .where(Shipment.status == "delivered").group_by(Shipment.region)).all())
            installs = session.execute(
                select(Installation.campaign_id, Installation.region, Installation.establishment_code,
                       Installation.status, Installation.quantity)
                .order_by(Installation.reported_on, Installation.id)).all()
        latest: dict[tuple, Any] = {}
        for i in installs:
            latest[(i.campaign_id, i.region, i.establishment_code)] = i
        rows: dict[str, dict[str, Any]] = {}
        for term in self.vocabularies["region"].terms.values():
            rows[term.id] = {"region": term.id, "labels": dict(term.labels), "campaigns": 0,
                             "planned": 0, "delivered": 0, "installed": 0,
                             "establishments_installed": 0, "failed": 0}
        for region, n_campaigns, planned in ships:
            if region in rows:
                rows[region].update(campaigns=int(n_campaigns), planned=int(planned or 0),
                                    delivered=int(delivered.get(region) or 0))
        for (_cid, region, _code), i in latest.items():
            if region not in rows:
                continue
            if i.status in ("installed", "partial"):
                rows[region]["installed"] += i.quantity
                rows[region]["establishments_installed"] += 1
            elif i.status == "failed":
                rows[region]["failed"] += 1
        return list(rows.values())
