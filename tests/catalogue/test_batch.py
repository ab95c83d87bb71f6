"""Batches (``ResourceService.batch``) and the one-step ``create_published``."""

from __future__ import annotations

import pytest
from catalogue_testdata import ACHAT, INDEXER, VALIDATOR, record

from catalogue.errors import DuplicateIdentifier, PermissionDenied, WrongCommission
from catalogue.services import SYSTEM, Actor, Incoming, Publication

BOTH = Actor("lead", frozenset({"indexer", "validator"}), frozenset({"validation"}))


def test_create_published_records_the_whole_path(services, resources):
    seen = []
    resources.add_listener(lambda change: seen.append(change.kind))
    view = resources.create_published(
        BOTH, record(), acquisition=ACHAT, reference="PV 1/2020", resource_id="old-0001"
    )
    assert view.status == "published" and view.version == 1
    assert seen == ["published"]
    events = resources.history("old-0001")
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("create", None, "draft"),
        ("acquisition", "draft", "draft"),
        ("submit", "draft", "submitted"),
        ("decide", "submitted", "validated"),
        ("publish", "validated", "published"),
    ]
    assert events[3].reference == "PV 1/2020" and events[3].commission == "validation"
    assert resources.provenance_summary("old-0001")["validated"]["reference"] == "PV 1/2020"
    with pytest.raises(DuplicateIdentifier):
        resources.create_published(BOTH, record(2), reference="PV", resource_id="old-0001")


@pytest.mark.parametrize(
    "actor, error",
    [
        (INDEXER, PermissionDenied),
        (VALIDATOR, PermissionDenied),
        (
            Actor("x", frozenset({"indexer", "validator"}), frozenset({"localisation"})),
            WrongCommission,
        ),
    ],
)
def test_create_published_needs_every_right(resources, actor, error):
    with pytest.raises(error):
        resources.create_published(actor, record(), reference="PV 1")
    assert resources.count() == 0


def test_one_batch_shares_a_new_acquisition_and_merges_its_steps(resources):
    writer = resources.bulk(actor=SYSTEM, publication=Publication("PV"))
    report = writer.write(
        [
            Incoming(
                "a",
                record(1),
                acquisition={
                    "mode": "don",
                    "reference": "CD 7/2021",
                    "counterpart": "KOICA",
                    "steps": [{"id": "installation", "date": "2021-02-01"}],
                },
            ),
            Incoming(
                "b",
                record(2),
                acquisition={
                    "mode": "don",
                    "reference": "CD 7/2021",
                    "steps": [{"id": "consultation-reception", "date": "2021-01-10"}],
                },
            ),
        ]
    )
    assert report.refused == [] and len(report.published) == 2
    a, b = (report.views[rid] for rid in report.published)
    assert [s["id"] for s in b.acquisition["steps"]] == ["consultation-reception", "installation"]
    with resources.batch() as work:
        work.attach_document(
            SYSTEM,
            b.id,
            step="installation",
            document_type="attestation-reception",
            filename="att.pdf",
            data=b"%PDF attestation",
        )
        # the acquisition written in bulk is reused through the ORM path
        c = work.create_draft(
            SYSTEM,
            record(3),
            acquisition={
                "mode": "don",
                "reference": "CD 7/2021",
                "steps": [{"id": "tests-techniques", "status": "in_progress"}],
            },
        )
    assert c.acquisition["current_step"] == "tests-techniques"
    steps = {s["id"]: s for s in resources.provenance(a.id)["acquisition"]["steps"]}
    assert steps["consultation-reception"]["date"] == "2021-01-10"
    assert steps["installation"]["documents"][0]["filename"] == "att.pdf"
    assert steps["tests-techniques"]["status"] == "in_progress"
    assert resources.get(a.id).acquisition == resources.get(c.id).acquisition
    assert resources.get(a.id).acquisition["counterpart"] == "KOICA"


def test_a_failing_batch_writes_nothing(services, resources):
    with pytest.raises(RuntimeError), resources.batch() as work:
        work.create_draft(SYSTEM, record(1), acquisition=ACHAT)
        work.create_draft(SYSTEM, record(2))
        raise RuntimeError("interrupted")
    assert resources.count() == 0
    assert resources.list().total == 0


def test_decision_references_are_bounded(resources):
    view = resources.create_draft(SYSTEM, record())
    resources.submit(SYSTEM, view.id)
    from catalogue.errors import InvalidInput

    with pytest.raises(InvalidInput, match="at most 200"):
        resources.decide(
            SYSTEM, view.id, commission="validation", decision="conforme", reference="PV " * 100
        )
    with pytest.raises(InvalidInput, match="at most 200"):
        resources.create_published(SYSTEM, record(2), reference="x" * 201)
    assert resources.count() == 1
