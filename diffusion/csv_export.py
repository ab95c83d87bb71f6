"""CSV exports of the dashboards, for the ministry's spreadsheets.

UTF-8 with a byte order mark, so that Excel opens Arabic text correctly, and
CRLF line ends (RFC 4180). Labels come in both languages (``label_fr``,
``label_ar``) so one file serves both readerships. Cells that a spreadsheet
would run as a formula (starting with ``= + - @``) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from .dashboards import METRICS, Period

BOM = "\ufeff"
REPORTS = ("totals", "resources", "cycles", "levels", "subjects", "daily", "monthly", "regions")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    return buf.getvalue().encode("utf-8")


def report_csv(
    reports: Any, name: str, period: Period | None = None, *, limit: int = 1000
) -> bytes:
    """One of :data:`REPORTS` as CSV bytes; ``ValueError`` for an unknown name."""
    if name == "totals":
        totals = reports.totals(period)
        return to_csv(("metric", "value"), ((m, totals[m]) for m in METRICS))
    if name == "resources":
        rows = reports.top_resources(limit=limit, period=period)
        return to_csv(
            ("resource_id", "title_fr", "title_ar", *METRICS),
            (
                (r["resource_id"], r["title"]["fr"], r["title"]["ar"], *(r[m] for m in METRICS))
                for r in rows
            ),
        )
    if name in ("cycles", "levels", "subjects"):
        rows = reports.by_dimension(name[:-1], period=period)
        return to_csv(
            ("term", "label_fr", "label_ar", *METRICS),
            (
                (
                    r["term"],
                    r["labels"].get("fr", ""),
                    r["labels"].get("ar", ""),
                    *(r[m] for m in METRICS),
                )
                for r in rows
            ),
        )
    if name in ("daily", "monthly"):
        rows = reports.series(granularity="day" if name == "daily" else "month", period=period)
        return to_csv(("period", *METRICS), ((r["period"], *(r[m] for m in METRICS)) for r in rows))
    if name == "regions":
        rows = reports.by_region()
        keys = (
            "campaigns",
            "planned",
            "delivered",
            "installed",
            "establishments_installed",
            "failed",
        )
        return to_csv(
            ("region", "label_fr", "label_ar", *keys),
            (
                (
                    r["region"],
                    r["labels"].get("fr", ""),
                    r["labels"].get("ar", ""),
                    *(r[k] for k in keys),
                )
                for r in rows
            ),
        )
    raise ValueError(f"unknown report {name!r}: expected one of {', '.join(REPORTS)}")
