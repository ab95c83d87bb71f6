"""``mawarid import`` as a person runs it: exit status, summary, JSON report, no traceback,
messages in the reader's language."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from core.messages import use_language
from mawarid.cli import main
from metadata_schemas.errors import RecordValidationError
from metadata_schemas.record import load_record


@pytest.fixture
def run(tmp_path, database_url):
    env = {
        "MAWARID_HOME": str(tmp_path / "home"),
        "MAWARID_DATABASE_URL": database_url,
        "MAWARID_SEARCH_URL": f"whoosh://{tmp_path / 'index'}",
    }

    def invoke(*args, lang="C"):
        return CliRunner().invoke(
            main, [str(a) for a in args], env={**env, "LANG": lang, "LANGUAGE": ""}
        )

    return invoke


def test_every_input_read_exits_0(run, corpus):
    result = run("import", corpus / "lom-ieee-full.xml", corpus / "normetic-1.2.xml")
    assert result.exit_code == 0, result.output
    assert "2 imported (2 to review)" in result.output


def test_some_inputs_refused_exit_3_with_a_json_report(run, corpus, tmp_path):
    report = tmp_path / "report.json"
    result = run("import", corpus / "marc21.xml", corpus / "lomfr-1.0.xml", "--report", report)
    assert result.exit_code == 3, result.output
    assert "marc21.xml: a MARC21 record" in result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["summary"]["imported"] == 1 and data["summary"]["refused"] == 1
    assert {r["status"] for r in data["records"]} == {"created", "refused"}


def test_bad_usage_exits_2_and_a_fatal_error_1(run, tmp_path):
    assert run("import").exit_code == 2
    assert run("import", tmp_path, "--counterpart", "X").exit_code == 2
    result = run("import", tmp_path / "a.xml", "--migrate-validated", " ")
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_hostile_files_never_give_a_traceback(run, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "bomb.xml").write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><l>&a;</l>'
    )
    (folder / "deep.xml").write_bytes(b"<a>" * 10000 + b"</a>" * 10000)
    (folder / "binary.xlsx").write_bytes(b"\x89PNG\r\n")
    (folder / "lines.jsonl").write_bytes(b"[" * 5000 + b"]" * 5000 + b'\n{"general": 1}\n')
    result = run("import", folder, "-v")
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    for name in ("bomb.xml", "deep.xml", "binary.xlsx", "lines.jsonl:1"):
        assert f"{name}:" in result.output


def test_the_summary_reads_in_arabic(run, corpus):
    result = run("import", corpus / "lom-arabic.xml", lang="ar_MA.UTF-8")
    assert result.exit_code == 0
    assert "المستورد: 1" in result.output


def test_a_validation_error_reads_in_arabic():
    with pytest.raises(RecordValidationError) as info:
        load_record({"general": {"title": {"fr": "  "}, "language": ["klingon"]}}, record="x.xml")
    with use_language("ar"):
        text = str(info.value)
    assert text.startswith("x.xml: بطاقة غير صالحة")
    assert "نص فارغ" in text and "مصطلح غير معروف «klingon»" in text
    assert info.value.to_dict("fr")["errors"]["general.title[fr]"] == ["texte vide"]
