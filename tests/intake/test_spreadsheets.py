"""Staff spreadsheets: the template, filled in CSV or XLSX, one resource per row."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from catalogue.intake.importer import Importer
from catalogue.intake.spreadsheet import columns, header_key, template_csv, template_xlsx
from metadata_schemas.vocabularies import get_vocabularies


def filled_template(rows: list[dict[str, str]]) -> bytes:
    """The XLSX template as the console serves it, with ``rows`` typed in under its header."""
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(get_vocabularies())))
    sheet = book["ressources"]
    keys = [header_key(cell.value) for cell in sheet[1]]
    sheet.delete_rows(2)  # the example row
    for row in rows:
        sheet.append([row.get(key or "", "") for key in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_has_bilingual_headers_and_the_allowed_values():
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(get_vocabularies())))
    headers = [c.value for c in book["ressources"][1]]
    assert "Titre (français) / العنوان (الفرنسية) [title_fr]" in headers
    assert [header_key(h) for h in headers] == [c["key"] for c in columns()["columns"]]
    values = book["valeurs"]
    first_row = [c.value for c in values[1]]
    assert "learning_resource_type" in first_row
    licence_col = first_row.index("licence") + 1
    ids = [values.cell(row=r, column=licence_col).value for r in range(2, 8)]
    assert "cc-by-sa-4.0" in ids
    arabic = [values.cell(row=r, column=licence_col + 2).value for r in range(2, 8)]
    assert any("\u0600" <= ch <= "\u06ff" for label in arabic for ch in label)
    assert book["ressources"].data_validations.dataValidation  # drop-downs on single terms


def test_a_filled_xlsx_template_imports_one_resource_per_row(tmp_path, resources):
    path = tmp_path / "lot-2025.xlsx"
    path.write_bytes(
        filled_template(
            [
                {
                    "title_fr": "Les fractions",
                    "title_ar": "الكسور",
                    "level": "1AC; 2AC",
                    "subject": "Mathématiques",
                    "learning_resource_type": "exercice; تمرين",
                    "licence": "CC BY-SA 4.0",
                    "author": "Fatima Alaoui; Omar Idrissi",
                    "date": "01/09/2024",
                    "typical_age_range": "12-13 ans",
                    "keywords_fr": "fraction; nombre",
                    "cost": "non",
                },
                {"title_fr": "Sans équivalent", "learning_resource_type": "Cours magistral filmé"},
                {"title_ar": "", "description_fr": ""},  # an empty row: skipped
                {
                    "identifier": "ISBN:978-9954-0-1111-1",
                    "title_fr": "Manuel",
                    "format": "PDF",
                    "size": "2 Mo",
                },
            ]
        )
    )
    report = Importer(resources).run([path])
    assert [o.status for o in report.outcomes] == ["created"] * 3
    assert [o.source for o in report.outcomes] == [
        "lot-2025.xlsx:2",
        "lot-2025.xlsx:3",
        "lot-2025.xlsx:5",
    ]
    first = resources.get(report.outcomes[0].resource_id).record
    assert first["general"]["title"] == {"fr": "Les fractions", "ar": "الكسور"}
    assert first["educational"]["learning_resource_type"] == ["exercise"]
    assert [p["taxon"][-1] for c in first["classification"] for p in c["taxon_path"]] == [
        "1ac",
        "2ac",
        "mathematiques",
    ]
    assert first["lifecycle"]["contribute"][0] == {
        "role": "author",
        "entity": ["Fatima Alaoui", "Omar Idrissi"],
        "date": "2024-09-01",
    }
    assert first["rights"] == {"cost": False, "licence": "cc-by-sa-4.0"}
    assert first["general"]["keyword"] == [{"fr": "fraction"}, {"fr": "nombre"}]
    second = report.outcomes[1]
    assert second.to_review and any(n.code == "kept" for n in second.notes)
    third = resources.get(report.outcomes[2].resource_id).record
    assert third["technical"]["size"] == 2 * 1024 * 1024  # "2 Mo"
    assert third["technical"]["format"] == ["application/pdf"]  # "PDF"
    # The same sheet again: every row unchanged (the ISBN row identified by its ISBN).
    again = Importer(resources).run([path])
    assert len(again.unchanged) == 3


def test_a_csv_with_labels_for_headers(tmp_path, resources):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(["Titre (français)", "العنوان (العربية)", "Niveaux", "colonne inconnue"])
    writer.writerow(["Le cycle de l'eau", "دورة الماء", "6AP", "x"])
    path = tmp_path / "ressources.csv"
    path.write_bytes(("\ufeff" + text.getvalue()).encode("utf-8"))
    report = Importer(resources).run([path])
    statuses = {o.source: o.status for o in report.outcomes}
    assert statuses["ressources.csv:2"] == "created"
    assert "colonne inconnue" in dict(report.refused)["ressources.csv"]  # reported, not silent
    record = resources.get(report.outcomes[-1].resource_id).record
    assert record["general"]["title"] == {"fr": "Le cycle de l'eau", "ar": "دورة الماء"}


def test_a_csv_in_another_encoding_is_refused_with_the_way_to_fix_it(tmp_path, resources):
    path = tmp_path / "excel.csv"
    path.write_bytes("Titre (français)\nÉlève modèle\n".encode("cp1252"))
    report = Importer(resources).run([path])
    (reason,) = [r for _, r in report.refused]
    assert "CSV UTF-8" in reason and resources.count() == 0


def test_the_csv_template_reads_back(tmp_path, resources):
    path = tmp_path / "modele.csv"
    path.write_bytes(template_csv())
    report = Importer(resources).run([path])
    (outcome,) = report.outcomes  # the example row of the template
    assert outcome.status == "created"
    assert resources.get(outcome.resource_id).record["general"]["title"]["fr"] == "Les fractions"


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really", b"\x00\x01\x02"])
def test_a_broken_workbook_is_refused_not_a_crash(tmp_path, resources, data):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(data)
    report = Importer(resources).run([path])
    assert report.outcomes[0].status == "refused" and "XLSX" in report.outcomes[0].reason()
