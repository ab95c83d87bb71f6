"""``mawarid import`` (catalogue.intake): sources, per-record atomicity, crash and resume,
updates instead of duplicates, migration."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from catalogue_testdata import ACHAT, INDEXER, record
from sqlalchemy import func, select

from catalogue.intake import importer as importer_module
from catalogue.intake.importer import Importer
from catalogue.intake.incoming import content_id
from catalogue.store.models import Acquisition, OAIItem, Resource, ResourceEvent
from catalogue.store.reviews import IntakeReview
from core.messages import use_language
from core.settings import Settings
from metadata_schemas.lom_xml import record_to_lom


@pytest.fixture(autouse=True)
def _english():
    with use_language("en"):
        yield


def lom(n: int, **kw) -> bytes:
    return record_to_lom(record(n), **kw)


def jsonl(*objects) -> str:
    return (
        "\n".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objects)
        + "\n"
    )


def counts(services) -> dict[str, int]:
    with services.db.session() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Resource, ResourceEvent, Acquisition, OAIItem, IntakeReview)
        }


def test_folder_of_lom_files_with_a_bad_one(tmp_path, resources):
    folder = tmp_path / "lot"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.xml").write_bytes(lom(1))
    (folder / "sub" / "b.xml").write_bytes(lom(2).replace(b"</lom>", b""))  # truncated
    (folder / "c.xml").write_bytes(lom(3, identifier="lnrn-0003"))
    (folder / "notes.txt").write_text("pas un enregistrement")
    (folder / "evil.xml").write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><lom>&e;</lom>'
    )
    report = Importer(resources).run([folder])
    refused = dict(report.refused)
    assert refused["lot/sub/b.xml"].startswith("line ")  # where the XML breaks
    assert "DOCTYPE" in refused["lot/evil.xml"]
    assert report.ignored == ["lot/notes.txt"]
    assert len(report.created) == 2 and "lnrn-0003" in report.created
    assert resources.get("lnrn-0003").status == "draft"
    assert report.exit_code == 3
    # The same records again: recognised, reported unchanged, never duplicated.
    again = Importer(resources).run([folder])
    assert again.created == [] and sorted(again.unchanged) == sorted(report.created)
    assert resources.count() == 2


def test_json_lines_with_ids_acquisitions_and_errors(tmp_path, resources):
    path = tmp_path / "lot.jsonl"
    path.write_text(
        jsonl(
            {"id": "lnrn-jl-1", "acquisition": ACHAT, **record(1)},
            {"id": "lnrn-jl-2", "record": record(2)},
            "{not json",
            {"general": {"title": {"fr": "Langue inconnue"}, "language": ["xx"]}},
            {"id": "lnrn-jl-1", **record(9)},  # same id, other content: an update
            {"id": "../../x", **record(4)},
            {"id": "lnrn-jl-5", "acquisition": {"mode": "troc"}, **record(5)},
            "[1, 2]",
        ),
        encoding="utf-8",
    )
    report = Importer(resources).run([path])
    refused = dict(report.refused)
    assert report.created[:2] == ["lnrn-jl-1", "lnrn-jl-2"] and len(report.created) == 3
    assert report.updated == ["lnrn-jl-1"]
    assert refused["lot.jsonl:3"].startswith("not JSON")
    assert "bad resource id" in refused["lot.jsonl:6"]
    assert "acquisition.mode" in refused["lot.jsonl:7"]
    assert "one JSON object" in refused["lot.jsonl:8"]
    assert "lot.jsonl:4" not in refused  # an unknown language is kept, not refused
    unknown = next(o for o in report.outcomes if o.source == "lot.jsonl:4")
    assert unknown.to_review and resources.get(unknown.resource_id).record["general"][
        "original"
    ] == [{"key": "language", "value": "xx", "how": "none"}]
    assert resources.get("lnrn-jl-1").record["general"]["title"]["fr"] == "Les fractions 9"
    assert resources.get("lnrn-jl-1").acquisition["reference"] == ACHAT["reference"]
    assert resources.count() == 3


def test_zip_is_read_safely(tmp_path, resources):
    path = tmp_path / "lot.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ok/a.xml", lom(1))
        archive.writestr("../escape.xml", lom(2))
        archive.writestr("/abs.xml", lom(3))
        archive.writestr("inner.zip", b"PK")
        archive.writestr("bomb.xml", b"<a>" + b" " * 5_000_000 + b"</a>")
        archive.writestr("readme.md", "ignored")
        archive.writestr("lines.jsonl", jsonl({"id": "lnrn-z-1", **record(4)}))
    report = Importer(resources).run([path])
    refused = dict(report.refused)
    assert refused["lot.zip!../escape.xml"].startswith("unsafe path")
    assert refused["lot.zip!/abs.xml"].startswith("unsafe path")
    assert refused["lot.zip!inner.zip"] == "nested archives are not read"
    assert "compression ratio" in refused["lot.zip!bomb.xml"]
    assert len(report.created) == 2 and "lnrn-z-1" in report.created
    assert not (tmp_path / "escape.xml").exists()


def test_not_a_zip_missing_paths_and_special_files(tmp_path, resources):
    import os

    (tmp_path / "broken.zip").write_bytes(b"not a zip at all")
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    report = Importer(resources).run([tmp_path / "broken.zip", tmp_path / "nothere.xml", fifo])
    refused = dict(report.refused)
    assert list(refused) == ["broken.zip", str(tmp_path / "nothere.xml"), str(fifo)]
    assert "FIFO" in refused[str(fifo)]  # refused up front: reading it would block
    assert resources.count() == 0 and report.exit_code == 3


def test_a_crash_mid_import_keeps_earlier_batches_and_resumes(tmp_path, services, monkeypatch):
    resources = services.resources
    path = tmp_path / "lot.jsonl"
    path.write_text(
        jsonl(
            *[
                {"acquisition": {**ACHAT, "reference": f"AO {n}/2024"}, **record(n)}
                for n in range(7)
            ]
        ),
        encoding="utf-8",
    )
    original = importer_module.insert_reviews
    calls = {"n": 0}

    def crash_in_third_batch(work, rows):
        calls["n"] += 1
        original(work, rows)  # the resources, their events and review rows are written…
        if calls["n"] == 3:
            raise RuntimeError("power cut")  # …then the process dies before the commit

    monkeypatch.setattr(importer_module, "insert_reviews", crash_in_third_batch)
    with pytest.raises(RuntimeError, match="power cut"):
        Importer(resources, batch_size=2).run([path])
    # Batches [0,1] and [2,3] are committed; batch [4,5] is rolled back entirely.
    assert counts(services) == {
        "resources": 4,
        "resource_events": 8,
        "acquisitions": 4,
        "oai_item": 0,
        "intake_reviews": 4,
    }
    monkeypatch.setattr(importer_module, "insert_reviews", original)
    report = Importer(resources, batch_size=2).run([path])
    assert len(report.unchanged) == 4 and len(report.created) == 3 and report.refused == []
    assert counts(services)["resources"] == 7 and counts(services)["resource_events"] == 14
    assert counts(services)["intake_reviews"] == 7


def test_a_refused_record_leaves_nothing_behind(tmp_path, services):
    """A record refused after its rows were written (here: by its acquisition) is rolled
    back to its savepoint, while its neighbours in the same batch are kept."""
    path = tmp_path / "lot.jsonl"
    path.write_text(
        jsonl(
            {"id": "lnrn-ok-1", "acquisition": ACHAT, **record(1)},
            {"id": "lnrn-bad", "acquisition": {**ACHAT, "counterpart": "Autre"}, **record(2)},
            {"id": "lnrn-ok-2", **record(3)},
        ),
        encoding="utf-8",
    )
    report = Importer(services.resources, batch_size=10).run([path])
    assert report.created == ["lnrn-ok-1", "lnrn-ok-2"]
    assert "counterpart" in dict(report.refused)["lot.jsonl:2"]
    assert counts(services) == {
        "resources": 2,
        "resource_events": 3,
        "acquisitions": 1,
        "oai_item": 0,
        "intake_reviews": 2,
    }


def test_migrate_validated_records_the_decision_and_publishes(tmp_path, services):
    resources = services.resources
    seen = []
    resources.add_listener(lambda change: seen.append((change.kind, change.resource.id)))
    path = tmp_path / "ancien.jsonl"
    path.write_text(
        jsonl({"id": "old-1", **record(1)}, {"id": "old-2", **record(2)}),
        encoding="utf-8",
    )
    importer = Importer(
        resources,
        migrate_reference="PV 12/2019 (catalogue GENIE)",
        default_acquisition={
            "mode": "don",
            "reference": "CD 4/2019",
            "counterpart": "UNICEF Maroc",
        },
    )
    report = importer.run([path])
    assert report.published == ["old-1", "old-2"]
    assert seen == [("published", "old-1"), ("published", "old-2")]
    view = resources.get("old-1")
    assert view.status == "published" and view.acquisition["counterpart"] == "UNICEF Maroc"
    decision = next(e for e in resources.history("old-1") if e.action == "decide")
    assert (decision.commission, decision.decision, decision.reference) == (
        "validation",
        "conforme",
        "PV 12/2019 (catalogue GENIE)",
    )
    assert counts(services)["oai_item"] == 2
    rerun = importer.run([path])
    assert rerun.unchanged == ["old-1", "old-2"] and rerun.published == []


def test_migrating_drafts_of_an_earlier_import(tmp_path, resources):
    path = tmp_path / "a.xml"
    path.write_bytes(lom(1))
    first = Importer(resources).run([path])
    second = Importer(resources, migrate_reference="PV 1/2020").run([path])
    assert second.published == first.created
    assert resources.get(first.created[0]).status == "published"


def test_a_record_under_validation_is_not_changed_by_an_import(tmp_path, resources):
    path = tmp_path / "lot.jsonl"
    path.write_text(jsonl({"id": "lnrn-v-1", **record(1)}), encoding="utf-8")
    Importer(resources).run([path])
    resources.submit(INDEXER, "lnrn-v-1")
    path.write_text(jsonl({"id": "lnrn-v-1", **record(2)}), encoding="utf-8")
    report = Importer(resources).run([path])
    assert "submitted" in dict(report.refused)["lot.jsonl:1"]
    assert resources.get("lnrn-v-1").record["general"]["title"]["fr"] == "Les fractions 1"


def test_content_ids_are_stable_and_well_formed():
    a, b = content_id(record(1)), content_id(json.loads(json.dumps(record(1))))
    assert a == b and re.fullmatch(r"mw-[a-z2-7]{10}", a)
    assert content_id(record(2)) != a


def test_export_then_import_elsewhere_keeps_the_acquisition(tmp_path, resources):
    from catalogue.services import SYSTEM, build_services
    from catalogue.services.exporter import export
    from metadata_schemas.vocabularies import get_vocabularies

    view = resources.create_published(SYSTEM, record(1), reference="PV 3/2025", acquisition=ACHAT)
    export(resources, tmp_path / "out", format="lom")
    with zipfile.ZipFile(tmp_path / "out.zip", "w") as archive:
        for path in (tmp_path / "out").iterdir():
            archive.write(path, f"lot/{path.name}")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.xml").write_bytes(lom(5))
    (tmp_path / "broken" / "x.provenance.json").write_text("{oops")

    other = build_services(
        Settings.from_environment(
            {},
            MAWARID_HOME=str(tmp_path / "other"),
            MAWARID_DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
        ),
        get_vocabularies(),
    )
    try:
        report = Importer(other.resources).run([tmp_path / "out.zip", tmp_path / "broken"])
        assert report.created == [view.id]
        assert report.refused == [
            (
                "broken/x.xml",
                "provenance.json beside it: not a JSON "
                "provenance document (Expecting property name enclosed in "
                "double quotes: line 1 column 2 (char 1))",
            )
        ]
        moved = other.resources.get(view.id)
        assert moved.status == "draft"
        assert moved.acquisition["reference"] == ACHAT["reference"]
        assert moved.acquisition["counterpart"] == "Éditions Atlas"
        assert [s["id"] for s in moved.acquisition["steps"]] == [
            "definition-besoins",
            "ouverture-plis",
        ]
    finally:
        other.close()
