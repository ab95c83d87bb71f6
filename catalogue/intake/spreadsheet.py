"""Staff spreadsheets (CSV, XLSX): one resource per row, and the template to fill in.

The columns are data (``spreadsheet_columns.json``, documented in docs/intake.md):
a header is recognised by the column key written in brackets (``Titre (français)
[title_fr]``), by the key alone, or by its French, Arabic or English label, so a
sheet a partner re-typed still reads. A row becomes a record through the same
tolerant acceptance as partner XML (vocabulary values by id, label or URI; a
crosswalk may map others; anything else is kept as written and listed for review).

CSV must be UTF-8 (with or without a byte order mark) or UTF-16 with one: other
encodings would store mojibake, so they are refused with a message that says how
to save the file. XLSX is read with openpyxl (read-only, values only, formulas not
evaluated) after the archive checks of :mod:`.sources`; defusedxml guards its XML.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.messages import N_, Message
from metadata_schemas.text_values import parse_date, parse_format, parse_size
from metadata_schemas.textnorm import fold
from metadata_schemas.vocabulary_model import Vocabularies

from .sources import MAX_COMPRESSION_RATIO, MAX_FILE_BYTES

MAX_ROWS = 50_000
MAX_CELL = 20_000
TEMPLATE_SHEET = "ressources"
VALUES_SHEET = "valeurs"


@dataclass
class Row:
    """One data row: its record (not validated yet), or why it cannot be read."""

    label: str
    number: int
    record: dict[str, Any] | None = None
    resource_id: str | None = None
    error: Message | None = None


@lru_cache(maxsize=1)
def columns() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath("spreadsheet_columns.json").read_text("utf-8")
    )
    return table


def header_key(text: Any) -> str | None:
    """The column key a header cell names, or None."""
    if text is None:
        return None
    text = str(text).strip()
    bracket = re.search(r"\[([a-z_]+)\]\s*$", text)
    by_key = {c["key"]: c for c in columns()["columns"]}
    if bracket and bracket.group(1) in by_key:
        return str(bracket.group(1))
    if text in by_key:
        return str(text)
    key = fold(text)
    for column in columns()["columns"]:
        if key in (fold(label) for label in column["labels"].values()):
            return str(column["key"])
    return None


def rows(data: bytes, kind: str, label: str) -> Iterator[Row]:
    """The data rows of a CSV or XLSX file (the first non-empty row is the header)."""
    table = _csv(data) if kind == "csv" else _xlsx(data)
    try:
        yield from _table_rows(table, label)
    except _Unreadable as exc:  # raised by the reader while the rows are read
        yield Row(label, 0, error=exc.message)


def _table_rows(table: Iterator[Any], label: str) -> Iterator[Row]:
    header: list[str | None] | None = None
    for number, cells in enumerate(table, start=1):
        if number > MAX_ROWS:
            yield Row(
                label,
                number,
                error=Message(N_("more than %(max)s rows: the rest is not read"), max=MAX_ROWS),
            )
            return
        values = ["" if c is None else _cell_text(c) for c in cells]
        if not any(v.strip() for v in values):
            continue
        if header is None:
            header = [header_key(v) for v in values]
            unknown = [v for v, k in zip(values, header, strict=False) if v.strip() and k is None]
            if not any(header):
                yield Row(
                    label,
                    number,
                    error=Message(
                        N_("no known column in the first row (see the template's header)")
                    ),
                )
                return
            if unknown:
                yield Row(
                    label,
                    number,
                    error=Message(
                        N_("columns not read (unknown headers): %(columns)s"),
                        columns=", ".join(unknown),
                    ),
                )
            continue
        where = f"{label}:{number}"
        if any(len(v) > MAX_CELL for v in values):
            yield Row(
                where,
                number,
                error=Message(N_("a cell longer than %(max)s characters"), max=MAX_CELL),
            )
            continue
        record, resource_id = row_record(dict(zip(header, values, strict=False)))
        yield Row(where, number, record=record, resource_id=resource_id)


class _Unreadable(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


def _csv(data: bytes) -> Iterator[list[str]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _Unreadable(
                Message(
                    N_(
                        "not UTF-8 text (byte %(byte)s): save the sheet as « CSV UTF-8 » and import it again"
                    ),
                    byte=exc.start,
                )
            ) from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_CELL * 2)
    try:
        yield from csv.reader(io.StringIO(text), dialect)
    except csv.Error as exc:
        raise _Unreadable(Message(N_("not a CSV file: %(reason)s"), reason=str(exc))) from None


def _xlsx(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if (
                    info.compress_size
                    and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
                ):
                    raise _Unreadable(Message(N_("suspicious compression ratio (zip bomb?)")))
            if total > 10 * MAX_FILE_BYTES:
                raise _Unreadable(Message(N_("spreadsheet too large uncompressed")))
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _Unreadable:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken file; all mean "unreadable"
        raise _Unreadable(
            Message(N_("not a readable XLSX workbook: %(reason)s"), reason=type(exc).__name__)
        ) from None
    sheet = book[TEMPLATE_SHEET] if TEMPLATE_SHEET in book.sheetnames else book.worksheets[0]
    try:
        yield from sheet.iter_rows(values_only=True)
    except Exception as exc:  # a broken sheet part: the rows read so far stand
        raise _Unreadable(
            Message(N_("not a readable XLSX workbook: %(reason)s"), reason=type(exc).__name__)
        ) from None
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;\n]|،(?=\s)", text) if p.strip()]


def row_record(cells: dict[str | None, str]) -> tuple[dict[str, Any], str | None]:
    """The record a row describes (values as written: the acceptance resolves them)."""
    record: dict[str, Any] = {}
    resource_id = None
    contributes: dict[str, dict[str, Any]] = {}
    by_key = {c["key"]: c for c in columns()["columns"]}
    for key, text in cells.items():
        column = by_key.get(key or "")
        text = (text or "").strip()
        if column is None or not text:
            continue
        kind = column["kind"]
        parts = column["path"].split(".")
        if kind == "id":
            resource_id = text
        elif kind == "identifier":
            for value in _split(text):
                catalog, sep, entry = value.partition(":")
                item = (
                    {"catalog": catalog.strip(), "entry": entry.strip()}
                    if sep and entry.strip()
                    else {"catalog": "URI" if "://" in value else "LOCAL", "entry": value}
                )
                record.setdefault("general", {}).setdefault("identifier", []).append(item)
        elif kind == "text":
            section, field, lang = parts
            record.setdefault(section, {}).setdefault(field, {})[lang] = text
        elif kind == "keywords":
            section, field, lang = parts
            record.setdefault(section, {}).setdefault(field, []).extend(
                {lang: w} for w in _split(text)
            )
        elif kind in ("terms", "list", "ages"):
            section, field = parts
            record.setdefault(section, {})[field] = _split(text)
        elif kind == "formats":
            section, field = parts
            record.setdefault(section, {})[field] = [parse_format(v) or v for v in _split(text)]
        elif kind in ("term", "duration", "size"):
            section, field = parts
            record.setdefault(section, {})[field] = (
                (parse_size(text) or text) if kind == "size" else text
            )
        elif kind == "bool":
            section, field = parts
            yes_no = {
                "oui": True,
                "yes": True,
                "نعم": True,
                "1": True,
                "non": False,
                "no": False,
                "لا": False,
                "0": False,
            }
            record.setdefault(section, {})[field] = yes_no.get(fold(text), text)
        elif kind == "taxa":
            paths = [{"source": column["vocabulary"], "taxon": [value]} for value in _split(text)]
            record.setdefault("classification", []).append(
                {"purpose": column["purpose"], "taxon_path": paths}
            )
        elif kind == "contributors":
            contributes.setdefault(column["role"], {"role": column["role"]})["entity"] = _split(
                text
            )
        elif kind == "date":
            contributes.setdefault("publisher", {"role": "publisher"})["date"] = (
                parse_date(text) or text
            )
    if contributes:
        entries = [c for c in contributes.values() if c.get("entity")]
        for c in contributes.values():
            if not c.get("entity") and c.get("date"):  # a date without a publisher: the author's
                (entries[0] if entries else c).setdefault("date", c["date"])
        record.setdefault("lifecycle", {})["contribute"] = entries or [
            c for c in contributes.values() if c.get("entity")
        ]
    return record, resource_id


# -- the template ---------------------------------------------------------------------------


def template_xlsx(vocabularies: Vocabularies) -> bytes:
    """The XLSX template: bilingual headers with their keys, an example row, and a
    sheet of the allowed values of every vocabulary column."""
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.title = TEMPLATE_SHEET
    sheet.sheet_view.rightToLeft = False
    values = book.create_sheet(VALUES_SHEET)
    cols = columns()["columns"]
    sheet.append([header_text(c) for c in cols])
    sheet.append([c.get("example", "") for c in cols])
    sheet.freeze_panes = "A2"
    out_col = 1
    for index, column in enumerate(cols, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 28
        vocabulary = column.get("vocabulary")
        if not vocabulary:
            continue
        terms = list(vocabularies[vocabulary])
        letter = get_column_letter(out_col)
        values.cell(row=1, column=out_col, value=f"{column['key']}")
        values.cell(row=1, column=out_col + 1, value="français")
        values.cell(row=1, column=out_col + 2, value="العربية")
        for row, term in enumerate(terms, start=2):
            values.cell(row=row, column=out_col, value=term.id)
            values.cell(row=row, column=out_col + 1, value=term.label("fr"))
            values.cell(row=row, column=out_col + 2, value=term.label("ar"))
        if column["kind"] == "term":
            check = DataValidation(
                type="list",
                formula1=f"={VALUES_SHEET}!${letter}$2:${letter}${len(terms) + 1}",
                allow_blank=True,
                showErrorMessage=False,
            )
            sheet.add_data_validation(check)
            check.add(f"{get_column_letter(index)}2:{get_column_letter(index)}{MAX_ROWS}")
        out_col += 4
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    """The CSV template (UTF-8 with a byte order mark, so that spreadsheets open it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    cols = columns()["columns"]
    writer.writerow([header_text(c) for c in cols])
    writer.writerow([c.get("example", "") for c in cols])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def header_text(column: dict[str, Any]) -> str:
    labels = column["labels"]
    return f"{labels['fr']} / {labels['ar']} [{column['key']}]"
