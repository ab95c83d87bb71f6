"""The completeness rules are the service's: whoever submits (console, CLI, API, a batch),
an incomplete record stays a draft, each missing item named. Records validated before
Mawarid (``import --migrate-validated``) and harvests published under an agreement are
recorded as they were validated, complete by today's rules or not."""

from __future__ import annotations

import json

import pytest
from catalogue_testdata import INDEXER, SYSTEM, VALIDATOR, record

from catalogue.intake.importer import Importer
from catalogue.services.completeness import Incomplete

TITLE_ONLY = {"general": {"title": {"fr": "Les fractions", "ar": "الكسور"}}}


def test_an_incomplete_record_stays_a_draft_with_each_missing_item_named(resources):
    draft = resources.create_draft(INDEXER, TITLE_ONLY)
    with pytest.raises(Incomplete) as refused:
        resources.submit(INDEXER, draft.id, note="prête ?")
    errors = refused.value.field_errors("fr")
    assert errors["rights.licence"] == ["une licence"]
    assert errors["general.description[ar]"] == ["une description en arabe"]
    assert set(errors) >= {"classification.level", "classification.subject", "technical.location"}
    assert "مكتمل" in refused.value.message("ar")  # the reader's language, not English
    assert resources.get(draft.id).status == "draft"
    assert [e.action for e in resources.history(draft.id)] == ["create"]


def test_the_type_adds_its_own_rules(resources):
    video = record(1)
    video["educational"] = {"learning_resource_type": ["video-lesson"]}
    video["technical"].pop("duration", None)
    draft = resources.create_draft(INDEXER, video)
    with pytest.raises(Incomplete) as refused:
        resources.submit(INDEXER, draft.id)
    assert "technical.duration" in refused.value.errors
    video["technical"]["duration"] = "PT12M"
    video["technical"]["format"] = ["video/mp4"]
    resources.update(INDEXER, draft.id, video, expected_version=1)
    assert resources.submit(INDEXER, draft.id).status == "submitted"


def test_a_batch_refuses_the_incomplete_record_and_submits_the_others(resources):
    good = resources.create_draft(INDEXER, record(1)).id
    poor = resources.create_draft(INDEXER, TITLE_ONLY).id
    refused = []
    with resources.batch() as work:
        for rid in (good, poor):
            try:
                with work.savepoint():
                    work.submit(INDEXER, rid)
            except Incomplete:
                refused.append(rid)
    assert refused == [poor]
    assert resources.get(good).status == "submitted"
    assert resources.get(poor).status == "draft"


def test_a_validated_record_is_then_decided_as_usual(resources):
    rid = resources.create_draft(INDEXER, record(2)).id
    resources.submit(INDEXER, rid)
    decided = resources.decide(
        VALIDATOR, rid, commission="validation", decision="conforme", reference="PV 3/2025"
    )
    assert decided.status == "validated"


def test_migrating_a_validated_catalogue_keeps_its_records_as_they_were(tmp_path, resources):
    # The old catalogue's decision stands: its title-only record is migrated, not refused.
    path = tmp_path / "ancien.jsonl"
    path.write_text(json.dumps({"id": "old-1", **TITLE_ONLY}, ensure_ascii=False) + "\n")
    report = Importer(resources, migrate_reference="PV 12/2019").run([path])
    assert report.published == ["old-1"] and report.refused == []
    actions = [e.action for e in resources.history("old-1")]
    assert actions == ["create", "submit", "decide", "publish"]


def test_migrating_drafts_left_incomplete_by_an_earlier_import(tmp_path, resources):
    path = tmp_path / "ancien.jsonl"
    path.write_text(json.dumps({"id": "old-2", **TITLE_ONLY}, ensure_ascii=False) + "\n")
    assert Importer(resources).run([path]).created == ["old-2"]
    with pytest.raises(Incomplete):
        resources.submit(INDEXER, "old-2")  # as a draft, the rules apply to it
    report = Importer(resources, migrate_reference="PV 1/2020").run([path])
    assert report.published == ["old-2"]


def test_publication_under_an_agreement_is_not_a_submission(resources):
    # A harvest published under the partner's agreement goes through create_published.
    view = resources.create_published(SYSTEM, TITLE_ONLY, reference="Convention 2/2024")
    assert view.status == "published"
