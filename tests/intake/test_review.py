"""The review queue: settle each note (accept, choose, keep); no validation before it."""

from __future__ import annotations

import pytest

from catalogue.errors import IllegalTransition, PermissionDenied
from catalogue.intake.importer import Importer
from catalogue.intake.review import ReviewError, ReviewService
from catalogue.services import Actor
from tests.support.records import complete

INDEXER = Actor("documentaliste", frozenset({"indexer"}), frozenset())
VALIDATOR = Actor("commission1", frozenset({"validator"}), frozenset({"validation"}))


def _complete_it(resources, rid: str) -> None:
    """What a documentalist adds before submitting (completeness rules: French and Arabic
    texts, licence, address…), the partner's values kept."""
    view = resources.get(rid)
    resources.update(INDEXER, rid, complete(view.record), expected_version=view.version)


@pytest.fixture
def imported(corpus, resources):
    report = Importer(resources, actor=INDEXER).run([corpus / "scolomfr-3.1.xml"])
    (outcome,) = report.outcomes
    return outcome


def test_a_record_with_notes_waits_in_the_queue_and_cannot_be_submitted(resources, imported):
    service = ReviewService(resources)
    items, total = service.queue()
    assert total == 1 and items[0].resource_id == imported.resource_id
    assert items[0].open_notes == sum(1 for n in imported.notes if n.review)
    with pytest.raises(IllegalTransition, match="notes to review"):
        resources.submit(INDEXER, imported.resource_id)


def test_accept_choose_and_keep(resources, imported):
    service = ReviewService(resources)
    review = service.get(imported.resource_id)
    notes = review["notes"]
    case_study = next(i for i, n in enumerate(notes) if n.term == "case-study")
    level = next(
        i for i, n in enumerate(notes) if n.key == "taxon_path" and n.path == "classification[0]"
    )
    physics = next(
        i for i, n in enumerate(notes) if n.key == "taxon_path" and n.path == "classification[1]"
    )
    # choose: another term replaces the proposed one; the partner's value stays kept
    service.resolve(INDEXER, imported.resource_id, case_study, "choose", "tutorial")
    record = resources.get(imported.resource_id).record
    assert record["educational"]["learning_resource_type"] == ["demonstration", "tutorial"]
    kept = next(
        o for o in record["educational"]["original"] if o["value"].endswith("voc-010-num-026")
    )
    assert (kept["term"], kept["how"]) == ("tutorial", "chosen")
    # keep: the proposal goes, the partner's taxon path stays
    service.resolve(INDEXER, imported.resource_id, level, "keep")
    record = resources.get(imported.resource_id).record
    assert "taxon_path" not in record["classification"][0]
    (path,) = [o for o in record["classification"][0]["original"] if o["key"] == "taxon_path"]
    assert path["taxa"][-1]["entry"] == {"x-none": "5e"} and "term" not in path
    # accept: nothing changes but the note
    service.resolve(INDEXER, imported.resource_id, physics, "accept")
    assert resources.get(imported.resource_id).record["classification"][1]["taxon_path"] == [
        {"source": "subject", "taxon": ["physique-chimie"]}
    ]
    assert service.get(imported.resource_id)["status"] == "to_review"
    assert service.accept_all(INDEXER, imported.resource_id) == "reviewed"
    assert service.queue()[1] == 0
    _complete_it(resources, imported.resource_id)
    view = resources.submit(INDEXER, imported.resource_id)  # now it may go to validation
    assert view.status == "submitted"


def test_review_actions_are_checked(resources, imported):
    service = ReviewService(resources)
    with pytest.raises(PermissionDenied):
        service.resolve(VALIDATOR, imported.resource_id, 0, "accept")
    with pytest.raises(ReviewError):
        service.resolve(INDEXER, imported.resource_id, 999, "accept")
    with pytest.raises(ReviewError):
        service.resolve(INDEXER, imported.resource_id, 0, "delete")
    first_term_note = next(
        i for i, n in enumerate(service.get(imported.resource_id)["notes"]) if n.review and n.term
    )
    with pytest.raises(Exception, match="unknown term"):
        service.resolve(INDEXER, imported.resource_id, first_term_note, "choose", "no-such-term")


def test_migrated_records_are_published_with_their_notes_listed(corpus, resources):
    report = Importer(resources, migrate_reference="PV 4/2018").run([corpus / "normetic-1.2.xml"])
    (outcome,) = report.outcomes
    assert outcome.status == "published" and outcome.to_review
    review = ReviewService(resources).get(outcome.resource_id)
    assert review["status"] == "to_review" and review["notes"]
    assert resources.get(outcome.resource_id).status == "published"


def test_a_clean_record_is_not_in_the_queue(resources, tmp_path):
    path = tmp_path / "clean.jsonl"
    path.write_text(
        '{"general": {"title": {"fr": "Notice propre"}, "language": ["fr"]}}\n', encoding="utf-8"
    )
    (outcome,) = Importer(resources, actor=INDEXER).run([path]).outcomes
    assert not outcome.to_review
    assert ReviewService(resources).get(outcome.resource_id)["status"] == "clean"
    _complete_it(resources, outcome.resource_id)
    assert resources.submit(INDEXER, outcome.resource_id).status == "submitted"
