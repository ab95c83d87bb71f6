"""``mawarid import`` through the bulk writer and the reading workers: review rows commit
with their resources (never one without the other, whatever is refused or killed), a
re-import is recognised, and reading in worker processes changes nothing a user sees."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from catalogue.intake import reading
from catalogue.intake.importer import Importer
from catalogue.intake.reading import Reader
from catalogue.intake.sources import iter_items
from catalogue.store.models import Resource
from catalogue.store.reviews import IntakeReview
from core.messages import render
from metadata_schemas.lom_xml import record_to_lom
from metadata_schemas.synthetic import generate_records
from tests.support.records import complete

REPO = Path(__file__).resolve().parents[2]
ACHAT = {"mode": "achat", "reference": "AO 12/2024/LNRN", "counterpart": "Éditions Atlas"}


def record(n: int, **general) -> dict:
    return complete(
        {
            "general": {
                "title": {"fr": f"Les fractions {n}", "ar": f"الكسور {n}"},
                "language": ["fr", "ar"],
                **general,
            },
        }
    )


def reviews(services) -> dict[str, str]:
    with services.db.session() as session:
        return dict(session.execute(select(IntakeReview.resource_id, IntakeReview.status)).all())


def resource_ids(services) -> set[str]:
    with services.db.session() as session:
        return set(session.scalars(select(Resource.id)))


def test_one_batch_with_refused_records_and_notes(tmp_path, services):
    """In one batch: records with notes to review, a clean one, a malformed line and two
    records the bulk writer refuses (before and inside its transaction). Each refused
    record leaves nothing; every resource written has its review row, no other."""
    path = tmp_path / "lot.jsonl"
    lines = [
        {"id": "lnrn-n-1", **record(1, language=["xx"])},  # kept as written: to review
        {"id": "lnrn-c-2", "acquisition": ACHAT, **record(2)},  # nothing to review
        "{not json",
        {"id": "lnrn-bad-4", "acquisition": {"mode": "troc"}, **record(4)},
        {"id": "lnrn-bad-5", "acquisition": {**ACHAT, "counterpart": "Autre"}, **record(5)},
        {"id": "lnrn-n-6", **record(6, language=["yy"])},
    ]
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    report = Importer(services.resources, batch_size=50).run([path])
    assert [(o.source, o.status) for o in report.outcomes] == [
        ("lot.jsonl:3", "refused"),  # refused while reading: reported first, as before
        ("lot.jsonl:1", "created"),
        ("lot.jsonl:2", "created"),
        ("lot.jsonl:4", "refused"),
        ("lot.jsonl:5", "refused"),
        ("lot.jsonl:6", "created"),
    ]
    refused = dict(report.refused)
    assert refused["lot.jsonl:3"].startswith("not JSON")
    assert "acquisition.mode" in refused["lot.jsonl:4"]
    assert "counterpart" in refused["lot.jsonl:5"]
    assert report.to_review == ["lnrn-n-1", "lnrn-n-6"] and report.exit_code == 3
    assert resource_ids(services) == {"lnrn-n-1", "lnrn-c-2", "lnrn-n-6"}
    assert reviews(services) == {
        "lnrn-n-1": "to_review",
        "lnrn-c-2": "clean",
        "lnrn-n-6": "to_review",
    }
    kept = services.resources.get("lnrn-n-1").record["general"]["original"]
    assert kept == [{"key": "language", "value": "xx", "how": "none"}]
    assert services.resources.get("lnrn-c-2").acquisition["counterpart"] == "Éditions Atlas"


def test_import_again_is_unchanged_then_updated_with_a_new_review(tmp_path, services):
    folder = tmp_path / "lot"
    folder.mkdir()
    for n in range(3):
        (folder / f"r{n}.xml").write_bytes(record_to_lom(record(n), identifier=f"lnrn-r-{n}"))
    first = Importer(services.resources).run([folder])
    assert first.created == ["lnrn-r-0", "lnrn-r-1", "lnrn-r-2"]
    assert reviews(services) == dict.fromkeys(first.created, "clean")
    again = Importer(services.resources).run([folder])
    assert again.unchanged == first.created and again.created == again.updated == []
    # A partner corrects one record and adds a language Mawarid does not know.
    corrected = record_to_lom(record(11), identifier="lnrn-r-1")
    assert b"<language>ar</language>" in corrected
    (folder / "r1.xml").write_bytes(
        corrected.replace(b"<language>ar</language>", b"<language>xx</language>")
    )
    third = Importer(services.resources).run([folder])
    assert third.updated == ["lnrn-r-1"] and third.unchanged == ["lnrn-r-0", "lnrn-r-2"]
    assert third.to_review == ["lnrn-r-1"]
    assert reviews(services)["lnrn-r-1"] == "to_review"
    assert services.resources.get("lnrn-r-1").record["general"]["title"]["fr"] == (
        "Les fractions 11"
    )
    assert services.resources.count() == 3


def test_a_new_id_twice_in_one_batch_is_created_then_updated(tmp_path, services):
    path = tmp_path / "lot.jsonl"
    path.write_text(
        json.dumps({"id": "lnrn-d-1", **record(1)})
        + "\n"
        + json.dumps({"id": "lnrn-d-1", **record(2, language=["xx"])})
        + "\n",
        encoding="utf-8",
    )
    report = Importer(services.resources, batch_size=10).run([path])
    assert [o.status for o in report.outcomes] == ["created", "updated"]
    assert reviews(services) == {"lnrn-d-1": "to_review"}  # the notes of the last version


def test_migrate_validated_new_records_have_their_review_rows(tmp_path, services):
    path = tmp_path / "ancien.jsonl"
    path.write_text(
        json.dumps({"id": "old-1", **record(1, language=["xx"])})
        + "\n"
        + json.dumps({"id": "old-2", **record(2)})
        + "\n",
        encoding="utf-8",
    )
    report = Importer(services.resources, migrate_reference="PV 12/2019").run([path])
    assert report.published == ["old-1", "old-2"] and report.to_review == ["old-1"]
    assert reviews(services) == {"old-1": "to_review", "old-2": "clean"}
    assert services.resources.get("old-2").status == "published"


def _seen(results) -> list[tuple]:
    """What a user sees of read items: labels, refusals, records and notes."""
    out = []
    for item, records in results:
        out.append((item.label, item.kind, render(item.error, "en") if item.error else None))
        for one in records:
            error = one.error
            reason = (
                None
                if error is None
                else render(error, "en")
                if not isinstance(error, Exception)
                else str(error)
            )
            out.append(
                (
                    one.label,
                    one.family,
                    one.identifier,
                    one.deleted,
                    reason,
                    one.accepted.record if one.accepted else None,
                    [n.to_dict("en") for n in one.accepted.notes] if one.accepted else None,
                )
            )
    return out


def test_reading_in_workers_gives_what_reading_here_gives(corpus, monkeypatch):
    """The whole corpus (refusals, OAI-PMH files, a SCORM package whose manifest reads
    another file of the package, files ignored): the same items, records, refusals and
    notes, in the same order, read here and in worker processes."""
    here = _seen(Reader(1).read(iter_items([corpus])))
    monkeypatch.setattr(reading, "MIN_PARALLEL", 1)
    monkeypatch.setattr(reading, "CHUNK", 3)  # chunk boundaries everywhere
    with Reader(2) as reader:
        there = _seen(reader.read(iter_items([corpus])))
        assert reader.worker_cpu > 0  # the workers did read
    assert there == here
    assert any(row[4] for row in here if len(row) > 3)  # the corpus has refusals


def _lot(folder: Path, count: int) -> None:
    folder.mkdir()
    for n, rec in enumerate(generate_records(count, seed="kill")):
        rec.setdefault("general", {})["identifier"] = [
            {"catalog": "URI", "entry": f"https://partner.example/r/{n}"}
        ]
        (folder / f"rec-{n:04d}.xml").write_bytes(record_to_lom(rec))


def _session_processes(sid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":  # session id, not a zombie
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("kill", ["statement:20", "commit:3"])
def test_kill_during_a_parallel_import_then_resume(tmp_path, database_url, kill):
    """``kill -9`` mid-batch of an import read by worker processes: every resource has
    its review row, the workers do not outlive the import, the next run completes it."""
    if not database_url.startswith("sqlite"):
        pytest.skip("one database is enough for the kill (the write path tests both)")
    lot = tmp_path / "lot"
    _lot(lot, 150)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAWARID_")},
        "MAWARID_HOME": str(tmp_path / "home"),
        "MAWARID_DATABASE_URL": database_url,
        "MAWARID_SEARCH_URL": f"whoosh://{tmp_path / 'index'}",
        "MAWARID_INGEST_PROCS": "2",
        "LANG": "en_US.UTF-8",
        "KILL_AT": kill,
    }
    # Output to a file, not a pipe: the workers would hold a pipe open, and the killed
    # process must be reaped (as a shell does) for them to see it gone.
    with (tmp_path / "killed.log").open("wb") as log:
        killed = subprocess.Popen(
            [sys.executable, "-m", "tests.support.kill_after", "import", str(lot), "--batch", "20"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its workers share its session: found below
        )
        killed.wait(timeout=300)
    output = (tmp_path / "killed.log").read_text(errors="replace")
    assert killed.returncode == -signal.SIGKILL, output[-800:]
    deadline = time.monotonic() + 30
    while _session_processes(killed.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _session_processes(killed.pid) == [], "reading workers outlived the import"
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            alone = conn.execute(
                text(
                    "SELECT count(*) FROM resources r WHERE NOT EXISTS "
                    "(SELECT 1 FROM intake_reviews v WHERE v.resource_id = r.id)"
                )
            ).scalar()
            stored = conn.execute(select(func.count()).select_from(Resource)).scalar()
        assert alone == 0 and 0 <= (stored or 0) < 150
        env.pop("KILL_AT")
        again = subprocess.run(
            [sys.executable, "-m", "mawarid.cli", "import", str(lot), "--batch", "20"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert again.returncode == 0, again.stderr[-800:]
        with engine.connect() as conn:
            counts = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM resources), (SELECT count(*) FROM intake_reviews)"
                )
            ).one()
        assert tuple(counts) == (150, 150)
    finally:
        engine.dispose()
