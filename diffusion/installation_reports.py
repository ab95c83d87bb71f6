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
from metadata_schemas.textnorm import fold

from .campaigns import CampaignService, require_campaign_role
from .errors import ReportProblem, ReportRefused
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


def _decode(data: bytes) -> str:
    if len(data) > LIMITS["max_bytes"]:
        raise ReportRefused(
            [
                ReportProblem(
                    1,
                    "*",
                    f"fichier trop volumineux (plus de {LIMITS['max_bytes']} octets)",
                    f"الملف كبير جدا (أكثر من {LIMITS['max_bytes']} بايت)",
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReportRefused(
            [
                ReportProblem(
                    line,
                    "*",
                    "le fichier n'est pas en UTF-8 (enregistrer en « CSV UTF-8 »)",
                    "الملف ليس بترميز UTF-8 (احفظه بصيغة CSV UTF-8)",
                )
            ]
        ) from None


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
        raise ReportRefused(
            [ReportProblem(1, "*", f"CSV illisible : {exc}", f"ملف CSV غير مقروء: {exc}")]
        ) from None
    if not header or not any(h.strip() for h in header):
        raise ReportRefused(
            [ReportProblem(1, "*", "fichier vide ou sans en-tête", "ملف فارغ أو بدون رأس")]
        )
    names = [_HEADER_KEYS.get(fold(h)) for h in header]
    for n, (raw, name) in enumerate(zip(header, names, strict=False), start=1):
        if name is None:
            problems.append(
                ReportProblem(
                    1,
                    raw or f"#{n}",
                    f"colonne inconnue « {raw} » (attendu : {', '.join(COLUMNS)})",
                    f"عمود غير معروف «{raw}» (المتوقع: {', '.join(COLUMNS)})",
                )
            )
    for column in COLUMNS:
        if column not in names:
            problems.append(ReportProblem(1, column, "colonne manquante", "عمود ناقص"))
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
                    ReportProblem(
                        line,
                        "*",
                        f"plus de {LIMITS['max_lines']} lignes",
                        f"أكثر من {LIMITS['max_lines']} سطر",
                    )
                )
                break
            if len(record) != len(header):
                problems.append(
                    ReportProblem(
                        line,
                        "*",
                        f"{len(record)} cellules au lieu de {len(header)}",
                        f"{len(record)} خلايا بدل {len(header)}",
                    )
                )
                continue
            cells = {name: cell.strip() for name, cell in zip(names, record, strict=False)}
            row = _check_line(line, cells, campaign_regions, campaigns, not_before, today, problems)
            if row is not None:
                key = (row["region"], row["establishment_code"], row["reported_on"], row["status"])
                if key in seen:
                    problems.append(
                        ReportProblem(
                            line,
                            "establishment_code",
                            f"ligne en double (déjà à la ligne {seen[key]})",
                            f"سطر مكرر (سبق في السطر {seen[key]})",
                        )
                    )
                else:
                    seen[key] = line
                    rows.append(row)
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as exc:
        problems.append(
            ReportProblem(
                reader.line_num, "*", f"CSV illisible : {exc}", f"ملف CSV غير مقروء: {exc}"
            )
        )
    if problems:
        raise ReportRefused(problems)
    if not rows:
        raise ReportRefused(
            [ReportProblem(2, "*", "aucune ligne de données", "لا توجد أي أسطر بيانات")]
        )
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

    def bad(column: str, fr: str, ar: str) -> None:
        problems.append(ReportProblem(line, column, fr, ar))

    try:
        region = campaigns.region(cells["region"]) if cells["region"] else None
    except Exception:
        region = None
    if region is None:
        bad(
            "region",
            f"région inconnue « {cells['region']} »",
            f"جهة غير معروفة «{cells['region']}»",
        )
    elif region not in campaign_regions:
        bad(
            "region",
            f"la région {region} n'est pas une cible de cette campagne",
            f"الجهة {region} ليست من أهداف هذه الحملة",
        )
    row["region"] = region
    code = cells["establishment_code"]
    if not code or len(code) > 64 or not all(c.isalnum() or c in "._/-" for c in code):
        bad(
            "establishment_code",
            f"code d'établissement invalide « {code} »",
            f"رمز مؤسسة غير صالح «{code}»",
        )
    row["establishment_code"] = code
    try:
        when = date.fromisoformat(cells["date"])
        if len(cells["date"]) != 10:
            raise ValueError
    except ValueError:
        when = None
        bad(
            "date",
            f"date invalide « {cells['date']} » (format AAAA-MM-JJ)",
            f"تاريخ غير صالح «{cells['date']}» (الصيغة YYYY-MM-DD)",
        )
    if when is not None and not (not_before <= when <= today):
        bad(
            "date",
            f"date {when} hors de la campagne (du {not_before} à aujourd'hui)",
            f"التاريخ {when} خارج مدة الحملة (من {not_before} إلى اليوم)",
        )
    row["reported_on"] = when
    status = _STATUS_KEYS.get(fold(cells["status"]))
    if status is None:
        bad(
            "status",
            f"statut inconnu « {cells['status']} » (attendu : {', '.join(STATUSES)})",
            f"حالة غير معروفة «{cells['status']}» (المتوقع: {', '.join(STATUSES)})",
        )
    row["status"] = status
    installer = cells["installer"]
    if not installer or len(installer) > 200:
        bad(
            "installer",
            "installateur manquant ou trop long (200 caractères au plus)",
            "المثبت مفقود أو طويل جدا (200 حرف على الأكثر)",
        )
    row["installer"] = installer
    try:
        quantity = int(cells["quantity"])
        if not 0 <= quantity <= LIMITS["max_quantity"]:
            raise ValueError
    except ValueError:
        quantity = None
        bad(
            "quantity",
            f"quantité invalide « {cells['quantity']} » (entier de 0 à {LIMITS['max_quantity']})",
            f"كمية غير صالحة «{cells['quantity']}» (عدد صحيح من 0 إلى {LIMITS['max_quantity']})",
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
            raise ReportRefused([ReportProblem(1, "*", "fichier attendu", "الملف مطلوب")])
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
                raise ReportRefused(
                    [
                        ReportProblem(
                            1,
                            "*",
                            "ce fichier a déjà été importé dans cette campagne",
                            "سبق استيراد هذا الملف في هذه الحملة",
                        )
                    ]
                )
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
