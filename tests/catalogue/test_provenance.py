"""Acquisitions, procedure steps, documents and the provenance documents."""

from __future__ import annotations

import hashlib
import json

import pytest
from catalogue_testdata import ACHAT, ADMIN, INDEXER, VALIDATOR, record

from catalogue.errors import InvalidInput, StaleVersion, UnknownEntity
from catalogue.services.acquisition_schema import InvalidAcquisition
from catalogue.services.procedures import FOLDER, load_procedures, parse_procedure
from metadata_schemas.vocabularies import get_vocabularies


def test_shipped_procedures_load_with_the_issue_steps():
    procedures = load_procedures(get_vocabularies())
    assert set(procedures) == {"achat", "don", "cooperation", "production", "production-cnde"}
    achat = procedures["achat"]
    assert [s.id for s in achat.steps][:5] == [
        "definition-besoins",
        "termes-de-reference",
        "cps",
        "publication-ao",
        "ouverture-plis",
    ]
    assert len(achat.steps) == 15 and achat.steps[-1].id == "formation"
    validation = achat.step("validation")
    assert validation.commission == "validation"
    assert "pv-commission-validation" in validation.documents
    assert all(s.labels["fr"] and s.labels["ar"] for p in procedures.values() for s in p.steps)
    assert procedures.for_mode("production-cnde").steps[0].id == "scenarisation-production"


def test_unknown_entity_in_a_procedure_file_names_file_and_step(tmp_path):
    data = json.loads((FOLDER / "don.json").read_text(encoding="utf-8"))
    data["steps"][2]["actors"] = ["lnrn", "ministère imaginaire"]
    (tmp_path / "don.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(UnknownEntity) as info:
        load_procedures(get_vocabularies(), tmp_path)
    message = info.value.message("en")
    assert "don.json" in message and "tests-techniques" in message
    assert "ministère imaginaire" in message


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("commission", "commission-fantome", "commission"),
        ("documents", ["pv-inexistant"], "document"),
    ],
)
def test_unknown_commission_or_document_in_a_procedure(field, value, expected):
    data = json.loads((FOLDER / "achat.json").read_text(encoding="utf-8"))
    data["steps"][0][field] = value
    with pytest.raises(UnknownEntity, match=f"achat.json: step 'definition-besoins': {expected}"):
        parse_procedure(data, source="achat.json", vocabularies=get_vocabularies())


def test_labels_are_resolved_to_ids_in_procedures():
    data = {
        "id": "essai",
        "mode": "Don",
        "labels": {"fr": "Essai", "ar": "تجربة"},
        "steps": [
            {
                "id": "un",
                "labels": {"fr": "Un", "ar": "واحد"},
                "actors": ["المختبر الوطني للموارد الرقمية"],
                "commission": "Commission de validation",
                "documents": ["PV de la commission de validation"],
            }
        ],
    }
    procedure = parse_procedure(data, source="essai.json", vocabularies=get_vocabularies())
    assert procedure.mode == "don"
    assert procedure.steps[0].actors == ("lnrn",)
    assert procedure.steps[0].commission == "validation"
    assert procedure.steps[0].documents == ("pv-commission-validation",)


def test_acquisition_is_checked_and_shared_by_reference(resources):
    a = resources.create_draft(INDEXER, record(1), acquisition=ACHAT)
    b = resources.create_draft(
        INDEXER,
        record(2),
        acquisition={
            "mode": "Achat (appel d'offres)",
            "reference": ACHAT["reference"],
            "steps": [{"id": "cps", "status": "done", "date": "2024-02-01"}],
        },
    )
    assert b.acquisition["mode"] == "achat"
    assert b.acquisition["counterpart"] == "Éditions Atlas"
    # One tender: the step recorded through b is part of a's provenance too.
    steps = {s["id"]: s for s in resources.get(a.id).acquisition["steps"]}
    assert set(steps) == {"definition-besoins", "cps", "ouverture-plis"}
    assert steps["definition-besoins"]["actors"] == ["lnrn", "igap", "dc", "cnipe"]
    assert resources.get(a.id).acquisition["current_step"] == "termes-de-reference"
    with pytest.raises(InvalidInput, match="counterpart"):
        resources.create_draft(INDEXER, record(3), acquisition={**ACHAT, "counterpart": "Autre"})


@pytest.mark.parametrize(
    "acquisition, error, match",
    [
        ({"mode": "vol"}, UnknownEntity, "acquisition.mode"),
        ({"mode": "don", "steps": [{"id": "ouverture-plis"}]}, UnknownEntity, "unknown step"),
        (
            {"mode": "achat", "steps": [{"id": "cps", "actors": ["martiens"]}]},
            UnknownEntity,
            "actors",
        ),
        ({"mode": "achat", "started_on": "31/12/2024"}, InvalidAcquisition, "started_on"),
        (
            {"mode": "achat", "steps": [{"id": "cps", "status": "presque"}]},
            InvalidAcquisition,
            r"steps\[0\]\.status",
        ),
        ({"mode": "achat", "price": 12}, InvalidAcquisition, "acquisition.price"),
        ({"reference": "x"}, InvalidAcquisition, "acquisition.mode"),
    ],
)
def test_bad_acquisitions_are_refused_and_nothing_is_written(resources, acquisition, error, match):
    with pytest.raises(error, match=match):
        resources.create_draft(INDEXER, record(), acquisition=acquisition)
    assert resources.count() == 0


def test_set_acquisition_is_versioned(resources):
    view = resources.create_draft(INDEXER, record())
    updated = resources.set_acquisition(
        INDEXER,
        view.id,
        {"mode": "don", "reference": "CD 1/2024", "counterpart": "UNICEF Maroc"},
        expected_version=view.version,
    )
    assert updated.acquisition["procedure"] == "don" and updated.version == view.version + 1
    with pytest.raises(StaleVersion):
        resources.set_acquisition(INDEXER, view.id, {"mode": "don"}, expected_version=view.version)


def test_documents_are_stored_by_checksum_and_appear_in_provenance(services, resources, validated):
    data = "PV de la commission de validation n° 3/2025\nDécision : conforme\n".encode()
    doc = resources.attach_document(
        VALIDATOR,
        validated.id,
        step="validation",
        document_type="PV de la commission de validation",
        filename="../../etc/PV 3-2025.pdf",
        data=data,
    )
    digest = hashlib.sha256(data).hexdigest()
    assert doc["sha256"] == digest and doc["size"] == len(data)
    assert doc["filename"] == "PV 3-2025.pdf" and doc["type"] == "pv-commission-validation"
    assert services.documents.path(digest).read_bytes() == data
    assert services.documents.verify(digest)
    resources.publish(INDEXER, validated.id)

    prov = resources.provenance(validated.id)
    assert prov["acquisition"]["mode"] == "achat"
    assert prov["acquisition"]["mode_labels"]["ar"]
    steps = {s["id"]: s for s in prov["acquisition"]["steps"]}
    assert len(steps) == 15
    assert steps["validation"]["documents"][0]["sha256"] == digest
    assert steps["validation"]["expected_documents"] == ["pv-commission-validation"]
    assert steps["definition-besoins"]["status"] == "done"
    assert steps["formation"]["status"] == "pending"
    assert prov["decisions"] == [
        {
            "commission": "validation",
            "decision": "conforme",
            "reference": "PV 3/2025",
            "by": "validator1",
            "at": prov["decisions"][0]["at"],
            "note": None,
            "document": None,
        }
    ]
    assert [e["action"] for e in prov["events"]] == [
        "create",
        "acquisition",
        "submit",
        "decide",
        "attach",
        "publish",
    ]
    assert prov["events"][4]["document"]["sha256"] == digest
    assert prov["summary"]["validated"]["reference"] == "PV 3/2025"
    assert prov["summary"]["published"]["by"] == "LNRN"
    json.dumps(prov)  # a JSON document


def test_summary_has_the_shape_the_xml_writers_take(resources, published):
    summary = resources.provenance_summary(published.id)
    assert summary == {
        "mode": "achat",
        "reference": "AO 12/2024/LNRN",
        "counterpart": "Éditions Atlas",
        "validated": {
            "date": summary["validated"]["date"],
            "commission": "validation",
            "reference": "PV 3/2025",
        },
        "published": {"date": published.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "by": "LNRN"},
    }


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"step": "formation-continue"}, UnknownEntity, "unknown step"),
        ({"document_type": "lettre d'amour"}, UnknownEntity, "document_type"),
        ({"data": b""}, InvalidInput, "empty"),
        ({"filename": "../"}, InvalidInput, "filename"),
    ],
)
def test_bad_documents_are_refused(resources, validated, kwargs, error, match):
    args = {
        "step": "validation",
        "document_type": "pv-commission-validation",
        "filename": "pv.pdf",
        "data": b"%PDF-1.4",
    } | kwargs
    with pytest.raises(error, match=match):
        resources.attach_document(ADMIN, validated.id, **args)
    assert [e.action for e in resources.history(validated.id)][-1] == "decide"


def test_documents_need_an_acquisition(resources):
    view = resources.create_draft(INDEXER, record())
    with pytest.raises(InvalidInput, match="acquisition"):
        resources.attach_document(
            INDEXER,
            view.id,
            step="validation",
            document_type="pv-commission-validation",
            filename="a.pdf",
            data=b"x",
        )


def test_documents_are_sharded_and_the_flat_layout_is_moved(tmp_path):
    from catalogue.services.documents import DocumentStore

    store = DocumentStore(tmp_path / "documents")
    digest, _size = store.put(b"PV de la commission")
    assert store.path(digest) == tmp_path / "documents" / digest[:2] / digest[2:4] / digest
    # A folder of the former flat layout: read where it is, then moved into its shard.
    old = DocumentStore(tmp_path / "old")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / digest).write_bytes(b"PV de la commission")
    assert old.path(digest) == tmp_path / "old" / digest and old.verify(digest)
    assert old.migrate_flat() == 1
    assert old.path(digest) == tmp_path / "old" / digest[:2] / digest[2:4] / digest
    assert old.read(digest) == b"PV de la commission" and old.migrate_flat() == 0


def test_every_malformed_field_of_an_acquisition_is_named_at_once_in_the_readers_language(
    resources,
):
    bad = {
        "mode": "achat",
        "started_on": "demain",
        "counterpart": "x" * 600,
        "steps": ["cps", {"id": "ouverture-plis", "status": "presque", "date": "2024-13-40"}],
        "price": 12,
    }
    with pytest.raises(InvalidAcquisition) as refused:
        resources.create_draft(INDEXER, record(), acquisition=bad)
    fr = refused.value.field_errors("fr")
    assert set(fr) == {
        "acquisition.started_on",
        "acquisition.counterpart",
        "acquisition.steps[1].status",
        "acquisition.steps[1].date",
        "acquisition.price",
    }
    assert "600" in fr["acquisition.counterpart"][0]
    assert refused.value.field_errors("ar")["acquisition.price"] != fr["acquisition.price"]
    assert resources.count() == 0
