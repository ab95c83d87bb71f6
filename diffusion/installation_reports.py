"""Installation reports sent back by the academies (CSV), imported all or nothing.

One line per establishment and date: ``region, establishment_code, date,
status, installer, quantity``. Headers may be the ids above or their French or
Arabic names (``diffusion/data/installation.json``); the separator may be a
comma or a semicolon (Excel in French writes semicolons); a UTF-8 BOM is fine.

Every line is checked before anything is written. If any cell is wrong the
whole file is refused with every problem found (line number as a spreadsheet
shows it, header being line 1, and the column), and the database is untouched.
The same file (by SHA-256) cannot be imported twice into one campaign.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.clock import utcnow
from core.messages import N_, Message
from metadata_schemas.textnorm import fold

from .campaigns import CampaignService, require_campaign_role
from .errors import InvalidCampaign, ReportProblem, ReportRefused
from .models import Installation, ReportImport

_CONFIG = json.loads((Path(__file__).parent / "data" / "installation.json").read_text("utf-8"))
COLUMNS = tuple(_CONFIG["columns"])
STATUSES = _CONFIG["statuses"]
LIMITS = _CONFIG["limits"]
MAX_PROBLEMS = 50

_HEADER_KEYS = {
    fold(alias): column for column, aliases in _CONFIG["columns"].items() for alias in aliases
}
_STATUS_KEYS = {
    fold(alias): sid
    for sid, spec in STATUSES.items()
    for alias in [sid, spec["fr"], spec["ar"], *spec.get("alt", [])]
}


@dataclass
class ImportResult:
    campaign: str
    import_id: int
    lines: int
    regions: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "import_id": self.import_id,
            "lines": self.lines,
            "regions": self.regions,
        }


def _problem(line: int, column: str, msgid: str, **params: Any) -> ReportProblem:
    return ReportProblem(line, column, Message(msgid, **params))


def _refused(line: int, column: str, msgid: str, **params: Any) -> ReportRefused:
    return ReportRefused([_problem(line, column, msgid, **params)])


def _decode(data: bytes) -> str:
    if len(data) > LIMITS["max_bytes"]:
        raise _refused(
            1, "*", N_("file too large (more than %(max)d bytes)"), max=LIMITS["max_bytes"]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _refused(line, "*", N_("the file is not UTF-8 (save it as “CSV UTF-8”)")) from None


def parse_report(
    data: bytes, campaign_regions: set[str], campaigns: CampaignService, *, not_before: date
) -> list[dict[str, Any]]:
    """Validated rows, or :class:`ReportRefused` listing every problem (up to 50)."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[ReportProblem] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _refused(1, "*", N_("unreadable CSV: %(reason)s"), reason=str(exc)) from None
    if not header or not any(h.strip() for h in header):
        raise _refused(1, "*", N_("empty file or no header line"))
    names = [_HEADER_KEYS.get(fold(h)) for h in header]
    for n, (raw, name) in enumerate(zip(header, names, strict=False), start=1):
        if name is None:
            problems.append(
                _problem(
                    1,
                    raw or f"#{n}",
                    N_("unknown column “%(value)s” (expected: %(expected)s)"),
                    value=raw,
                    expected=", ".join(COLUMNS),
                )
            )
    for column in COLUMNS:
        if column not in names:
            problems.append(_problem(1, column, N_("missing column")))
    if problems:
        raise ReportRefused(problems)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    today = utcnow().date()
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines (trailing ones from Excel) are not data
            if len(rows) >= LIMITS["max_lines"]:
                problems.append(
                    _problem(line, "*", N_("more than %(max)d lines"), max=LIMITS["max_lines"])
                )
                break
            if len(record) != len(header):
                problems.append(
                    _problem(
                        line,
                        "*",
                        N_("%(found)d cells instead of %(expected)d"),
                        found=len(record),
                        expected=len(header),
                    )
                )
                continue
            cells = {
                name: cell.strip()
                for name, cell in zip(names, record, strict=False)
                if name is not None  # unknown columns were reported above
            }
            row = _check_line(line, cells, campaign_regions, campaigns, not_before, today, problems)
            if row is not None:
                key = (row["region"], row["establishment_code"], row["reported_on"], row["status"])
                if key in seen:
                    problems.append(
                        _problem(
                            line,
                            "establishment_code",
                            N_("duplicate line (already on line %(other)d)"),
                            other=seen[key],
                        )
                    )
                else:
                    seen[key] = line
                    rows.append(row)
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as exc:
        problems.append(
            _problem(reader.line_num, "*", N_("unreadable CSV: %(reason)s"), reason=str(exc))
        )
    if problems:
        raise ReportRefused(problems)
    if not rows:
        raise _refused(2, "*", N_("no data line"))
    return rows


def _check_line(
    line: int,
    cells: dict[str, str],
    campaign_regions: set[str],
    campaigns: CampaignService,
    not_before: date,
    today: date,
    problems: list[ReportProblem],
) -> dict[str, Any] | None:
    before = len(problems)
    row: dict[str, Any] = {"line": line}

    def bad(column: str, msgid: str, **params: Any) -> None:
        problems.append(_problem(line, column, msgid, **params))

    try:
        region = campaigns.region(cells["region"]) if cells["region"] else None
    except InvalidCampaign:
        region = None
    if region is None:
        bad("region", N_("unknown region “%(value)s”"), value=cells["region"])
    elif region not in campaign_regions:
        bad(
            "region",
            N_("the region %(region)s is not a target of this campaign"),
            region=region,
        )
    row["region"] = region
    code = cells["establishment_code"]
    if not code or len(code) > 64 or not all(c.isalnum() or c in "._/-" for c in code):
        bad("establishment_code", N_("invalid establishment code “%(value)s”"), value=code)
    row["establishment_code"] = code
    try:
        when = date.fromisoformat(cells["date"])
        if len(cells["date"]) != 10:
            raise ValueError
    except ValueError:
        when = None
        bad("date", N_("invalid date “%(value)s” (format YYYY-MM-DD)"), value=cells["date"])
    if when is not None and not (not_before <= when <= today):
        bad(
            "date",
            N_("the date %(date)s is outside the campaign (from %(start)s to today)"),
            date=when.isoformat(),
            start=not_before.isoformat(),
        )
    row["reported_on"] = when
    status = _STATUS_KEYS.get(fold(cells["status"]))
    if status is None:
        bad(
            "status",
            N_("unknown status “%(value)s” (expected: %(expected)s)"),
            value=cells["status"],
            expected=", ".join(STATUSES),
        )
    row["status"] = status
    installer = cells["installer"]
    if not installer or len(installer) > 200:
        bad("installer", N_("installer missing or too long (at most %(max)d characters)"), max=200)
    row["installer"] = installer
    try:
        quantity = int(cells["quantity"])
        if not 0 <= quantity <= LIMITS["max_quantity"]:
            raise ValueError
    except ValueError:
        quantity = None
        bad(
            "quantity",
            N_("invalid quantity “%(value)s” (a whole number from 0 to %(max)d)"),
            value=cells["quantity"],
            max=LIMITS["max_quantity"],
        )
    row["quantity"] = quantity
    return row if len(problems) == before else None


class InstallationReports:
    def __init__(self, db: Any, campaigns: CampaignService) -> None:
        self.db = db
        self.campaigns = campaigns

    def import_report(self, actor: Any, code: str, *, filename: str, data: bytes) -> ImportResult:
        """Validate every line, then write them all in one transaction (or nothing)."""
        require_campaign_role(actor)
        if not isinstance(data, (bytes, bytearray)):
            raise _refused(1, "*", N_("a file is expected"))
        digest = hashlib.sha256(data).hexdigest()
        with self.db.session() as session:
            campaign = self.campaigns._row(session, code)
            regions = {t.region for t in campaign.targets}
            rows = parse_report(
                bytes(data), regions, self.campaigns, not_before=campaign.created_at.date()
            )
            if session.scalar(
                select(ReportImport.id).where(
                    ReportImport.campaign_id == campaign.id, ReportImport.sha256 == digest
                )
            ):
                raise _refused(1, "*", N_("this file was already imported into this campaign"))
            imported = ReportImport(
                campaign_id=campaign.id,
                filename=str(filename or "report.csv")[:255],
                sha256=digest,
                lines=len(rows),
                imported_at=utcnow(),
                imported_by=actor.username,
            )
            session.add(imported)
            session.flush()
            session.add_all(
                Installation(campaign_id=campaign.id, import_id=imported.id, **row) for row in rows
            )
            session.flush()
            return ImportResult(
                campaign=campaign.code,
                import_id=imported.id,
                lines=len(rows),
                regions=sorted({r["region"] for r in rows}),
            )
