"""Point 5: hostile import files through the real ``mawarid import`` command.

Documented behaviour (catalogue/intake/importer.py): each record is written in
its own SAVEPOINT, refused records leave nothing behind, good records in other
files (or other lines) are still imported as drafts, every refusal is reported
as ``<source>: <reason>`` (``file.jsonl:3``, ``archive.zip!member.xml``) and the
command exits with 1 when anything was refused. Never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import zipfile

import pytest
from security_support import row_counts, text_cells

from metadata_schemas.lom_xml import record_to_lom
from metadata_schemas.synthetic import generate_records
from tests.support.cli import cli_runner

SECRET = "TOP-SECRET-XXE-5b1e"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title><string language="fr">&lol9;</string></title></general></lom>
"""


def _xxe(secret_path) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE lom [<!ENTITY xxe SYSTEM "file://{secret_path}">'
        f'<!ENTITY passwd SYSTEM "file:///etc/passwd">]>\n'
        '<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title>'
        '<string language="fr">&xxe;&passwd;</string></title>'
        "<language>fr</language></general></lom>\n"
    ).encode()


@pytest.fixture
def run(fresh_app):
    from mawarid.cli import main

    runner = cli_runner(fresh_app)

    def invoke(*args):
        return runner.invoke(main, args=["import", *map(str, args)])

    return invoke


def _records(n, seed):
    records = list(generate_records(n, seed=seed))
    for record in records:
        record["general"].pop("identifier", None)  # ids derive from the content
    return records


def _output(result) -> str:
    text = result.output
    with contextlib.suppress(ValueError, AttributeError):
        text += result.stderr
    return text


def _assert_clean_failure(result, names):
    out = _output(result)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unhandled {result.exception!r}\n{out}"
    )
    assert result.exit_code != 0, out
    assert "Traceback" not in out, out
    for name in names:
        assert name in out, f"{name!r} not named in the report:\n{out}"
    return out


def test_hostile_files_are_refused_by_name_and_good_ones_still_imported(run, fresh_app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    good = _records(4, "import-security")
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a-good.xml").write_bytes(record_to_lom(good[0]))
    (batch / "billion.xml").write_bytes(BILLION_LAUGHS)
    (batch / "xxe.xml").write_bytes(_xxe(secret))
    (batch / "malformed.xml").write_bytes(record_to_lom(good[1])[:-40])
    (batch / "latin1.xml").write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?><lom xmlns="http://ltsc.ieee.org/xsd/LOM">'
        b'<general><title><string language="fr">\xe9t\xe9</string></title></general></lom>'
    )
    archive = batch / "evil.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("../evil.xml", record_to_lom(_records(1, "evil")[0]))
        zf.writestr("/etc/abs.xml", record_to_lom(_records(1, "abs")[0]))
        zf.writestr("inside-good.xml", record_to_lom(good[2]))
        zf.writestr("bomb.xml", b"<lom>" + b" " * 15_000_000 + b"</lom>")
    lines = [
        json.dumps(good[3], ensure_ascii=False),
        "{not json",
        json.dumps({"general": {}}),
        "[1, 2, 3]",
        json.dumps({"id": "../../etc/passwd", "record": good[3]}),
    ]
    (batch / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    before = row_counts(fresh_app)
    result = run(batch)
    out = _assert_clean_failure(
        result,
        [
            "billion.xml",
            "xxe.xml",
            "malformed.xml",
            "latin1.xml",
            "evil.zip!../evil.xml",
            "evil.zip!/etc/abs.xml",
            "evil.zip!bomb.xml",
            "records.jsonl:2",
            "records.jsonl:3",
            "records.jsonl:4",
            "records.jsonl:5",
        ],
    )
    after = row_counts(fresh_app)
    # the two good XML records (one in the zip) and the good JSON line became drafts
    assert after["resources"] - before["resources"] == 3, out
    for name in ("oai_item", "oai_item_set", "users"):
        assert after[name] == before[name], name
    resources = fresh_app.extensions["mawarid"].resources
    drafts = resources.list(status="draft", size=100)
    titles = {(view.record["general"]["title"].get("fr") or "") for view in drafts.items}
    for record in (good[0], good[2], good[3]):
        assert record["general"]["title"].get("fr", "") in titles
    leaked = [(t, c) for t, c, v in text_cells(fresh_app) if SECRET in v or "root:x:0:0" in v]
    assert not leaked, f"external entity content stored: {leaked}"
    assert "root:x:0:0" not in out and SECRET not in out


def test_a_single_hostile_file_fails_cleanly_and_writes_nothing(run, fresh_app, tmp_path):
    for name, data in (
        ("lol.xml", BILLION_LAUGHS),
        ("xxe.xml", _xxe(tmp_path / "nope")),
        ("empty.xml", b""),
        ("bin.xml", bytes(range(256)) * 10),
        ("bad.jsonl", b'\xff\xfe\x00garbage\n{"general": 3}\n'),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        before = row_counts(fresh_app)
        _assert_clean_failure(run(path), [name])
        assert row_counts(fresh_app) == before, name


def test_migrating_a_mixed_batch_publishes_only_the_good_records(fresh_app, tmp_path):
    """With --migrate-validated, a bad line must not leave a half-published record."""
    from mawarid.cli import main

    good = _records(2, "migrate-security")
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(good[0], ensure_ascii=False),
                "{oops",
                "[1, 2]",  # not a record (a title in an unknown language is kept now)
                json.dumps(good[1], ensure_ascii=False),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    before = row_counts(fresh_app)
    result = cli_runner(fresh_app).invoke(
        main, ["import", str(path), "--migrate-validated", "PV 12/2019"]
    )
    _assert_clean_failure(result, ["mixed.jsonl:2", "mixed.jsonl:3"])
    after = row_counts(fresh_app)
    assert after["resources"] - before["resources"] == 2
    assert after["oai_item"] - before["oai_item"] == 2  # both good ones published, in OAI
    search = fresh_app.extensions["mawarid"].search
    assert search.count() == before["oai_item"] - 1 + 2  # published (not withdrawn) + 2
    result = cli_runner(fresh_app).invoke(
        main, ["import", str(path), "--migrate-validated", "PV 12/2019"]
    )
    assert row_counts(fresh_app)["resources"] == after["resources"], "a re-run duplicated records"
