"""The lifecycle rules, enforced by the service layer (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from catalogue_testdata import ACHAT, ADMIN, INDEXER, VALIDATOR, record

from catalogue.errors import (
    DuplicateIdentifier,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UnknownEntity,
    WrongCommission,
)
from catalogue.services import SYSTEM, Actor
from metadata_schemas.errors import MetadataError


def test_full_path_records_each_step_as_an_event(resources):
    draft = resources.create_draft(INDEXER, record(), acquisition=ACHAT)
    assert draft.status == "draft" and draft.version == 1
    assert draft.id.startswith("mw-") and len(draft.id) == 13
    resources.submit(INDEXER, draft.id, note="prêt pour la commission")
    resources.decide(
        VALIDATOR,
        draft.id,
        commission="validation",
        decision="conforme",
        reference="PV 3/2025",
        note="conforme au programme",
    )
    published = resources.publish(INDEXER, draft.id)
    assert published.status == "published"
    assert published.published_at is not None and published.published_at.microsecond == 0
    withdrawn = resources.withdraw(ADMIN, draft.id, reason="droits expirés")
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at is not None

    events = resources.history(draft.id)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("create", None, "draft"),
        ("acquisition", "draft", "draft"),
        ("submit", "draft", "submitted"),
        ("decide", "submitted", "validated"),
        ("publish", "validated", "published"),
        ("withdraw", "published", "withdrawn"),
    ]
    decide = events[3]
    assert (decide.actor, decide.commission, decide.decision, decide.reference) == (
        "validator1",
        "validation",
        "conforme",
        "PV 3/2025",
    )
    assert events[2].note == "prêt pour la commission"
    assert events[-1].note == "droits expirés" and events[-1].actor == "admin1"
    # Withdrawn resources stay in the store.
    assert resources.get(draft.id).status == "withdrawn"


@pytest.mark.parametrize("action", ["publish", "withdraw", "decide"])
def test_out_of_order_transitions_are_refused(resources, action):
    draft = resources.create_draft(INDEXER, record())
    with pytest.raises(IllegalTransition, match="draft"):
        if action == "publish":
            resources.publish(ADMIN, draft.id)
        elif action == "withdraw":
            resources.withdraw(ADMIN, draft.id, reason="x")
        else:
            resources.decide(
                VALIDATOR, draft.id, commission="validation", decision="conforme", reference="PV 1"
            )
    assert resources.get(draft.id).status == "draft"
    assert [e.action for e in resources.history(draft.id)] == ["create"]


def test_submitted_and_validated_resources_cannot_be_edited(resources, validated):
    with pytest.raises(IllegalTransition, match="validated"):
        resources.update(INDEXER, validated.id, record(2), expected_version=validated.version)
    with pytest.raises(IllegalTransition):
        resources.submit(INDEXER, validated.id)


def test_rejected_goes_back_to_draft_by_editing_and_can_be_resubmitted(resources):
    draft = resources.create_draft(INDEXER, record())
    resources.submit(INDEXER, draft.id)
    rejected = resources.decide(
        VALIDATOR,
        draft.id,
        commission="validation",
        decision="non_conforme",
        reference="PV 4/2025",
        note="erreurs",
    )
    assert rejected.status == "rejected"
    with pytest.raises(IllegalTransition):
        resources.publish(ADMIN, draft.id)
    corrected = resources.update(INDEXER, draft.id, record(9), expected_version=rejected.version)
    assert corrected.status == "draft"
    assert corrected.record["general"]["title"]["fr"] == "Les fractions 9"
    resources.submit(INDEXER, draft.id)
    resources.decide(
        VALIDATOR, draft.id, commission="validation", decision="conforme", reference="PV 5/2025"
    )
    assert resources.publish(INDEXER, draft.id).status == "published"


def test_publish_needs_the_last_decision_to_be_conforme(resources, services):
    # Forge a validated status without a decision (as a buggy script might): publish refuses.
    from catalogue.store.models import Resource

    draft = resources.create_draft(INDEXER, record())
    with services.db.session() as session:
        session.get(Resource, draft.id).status = "validated"
    with pytest.raises(IllegalTransition, match="conforme"):
        resources.publish(ADMIN, draft.id)
    assert resources.get(draft.id).status == "validated"


def test_decision_by_the_wrong_commission_or_role(resources):
    draft = resources.create_draft(INDEXER, record())
    resources.submit(INDEXER, draft.id)
    localisation = Actor("loc", frozenset({"validator"}), frozenset({"localisation"}))
    with pytest.raises(WrongCommission, match="does not sit on the validation"):
        resources.decide(
            localisation, draft.id, commission="validation", decision="conforme", reference="PV 1"
        )
    with pytest.raises(WrongCommission, match="only the validation commission"):
        resources.decide(
            localisation, draft.id, commission="localisation", decision="conforme", reference="PV 1"
        )
    with pytest.raises(PermissionDenied, match="validator"):
        resources.decide(
            ADMIN, draft.id, commission="validation", decision="conforme", reference="PV 1"
        )
    with pytest.raises(PermissionDenied):
        resources.decide(
            INDEXER, draft.id, commission="validation", decision="conforme", reference="PV 1"
        )
    with pytest.raises(UnknownEntity, match="commission"):
        resources.decide(
            VALIDATOR,
            draft.id,
            commission="commission-imaginaire",
            decision="conforme",
            reference="PV 1",
        )
    with pytest.raises(InvalidInput, match="decision"):
        resources.decide(
            VALIDATOR, draft.id, commission="validation", decision="bof", reference="PV 1"
        )
    with pytest.raises(InvalidInput, match="reference"):
        resources.decide(
            VALIDATOR, draft.id, commission="validation", decision="conforme", reference="  "
        )
    assert resources.get(draft.id).status == "submitted"
    # Commission given by its Arabic label resolves to the id.
    view = resources.decide(
        VALIDATOR, draft.id, commission="لجنة المصادقة", decision="conforme", reference="PV 1"
    )
    assert view.status == "validated"
    assert resources.history(draft.id)[-1].commission == "validation"


def test_roles_are_checked_in_the_service_layer(resources, validated):
    validator_only = VALIDATOR
    with pytest.raises(PermissionDenied):
        resources.create_draft(validator_only, record())
    with pytest.raises(PermissionDenied):
        resources.publish(validator_only, validated.id)
    published = resources.publish(INDEXER, validated.id)
    with pytest.raises(PermissionDenied, match="admin"):
        resources.withdraw(INDEXER, published.id, reason="x")
    with pytest.raises(InvalidInput, match="reason"):
        resources.withdraw(ADMIN, published.id, reason="")
    with pytest.raises(PermissionDenied):
        resources.submit(Actor("nobody"), published.id)


def test_given_ids_duplicates_and_bad_ids(resources):
    view = resources.create_draft(INDEXER, record(), resource_id="lnrn-2024.001")
    assert view.id == "lnrn-2024.001"
    with pytest.raises(DuplicateIdentifier, match=r"lnrn-2024\.001"):
        resources.create_draft(INDEXER, record(2), resource_id="lnrn-2024.001")
    for bad in ("../etc", "a", "-abc", "x" * 65, "a b c"):
        with pytest.raises(InvalidInput, match="bad resource id"):
            resources.create_draft(INDEXER, record(), resource_id=bad)
    assert resources.count() == 1


def test_invalid_records_are_refused_with_the_field_path(resources):
    with pytest.raises(MetadataError) as info:
        resources.create_draft(INDEXER, {"general": {"language": ["fr"]}})
    assert "general.title" in info.value.errors
    assert resources.count() == 0


def test_unknown_resource(resources):
    with pytest.raises(NotFound):
        resources.get("mw-nothere000")
    with pytest.raises(NotFound):
        resources.submit(INDEXER, "mw-nothere000")


def test_system_actor_can_do_everything_in_order(resources):
    view = resources.create_draft(SYSTEM, record())
    resources.submit(SYSTEM, view.id)
    resources.decide(
        SYSTEM, view.id, commission="validation", decision="conforme", reference="migration"
    )
    assert resources.publish(SYSTEM, view.id).status == "published"


def test_list_filters_by_status_and_folded_title(resources, published):
    resources.create_draft(INDEXER, record(2, description={"ar": "وصف"}))
    assert resources.list(status="published").total == 1
    assert resources.list().total == 2
    # Arabic diacritics and French accents are ignored.
    assert (
        resources.list(q="الكُسور 2").items[0].record["general"]["title"]["fr"] == "Les fractions 2"
    )
    assert resources.list(q="FRACTIONS").total == 2
    assert resources.list(q=published.id).items[0].id == published.id
    assert resources.list(q="100%_").total == 0


def test_iter_published_streams_in_batches(resources):
    ids = []
    for n in range(5):
        v = resources.create_draft(SYSTEM, record(n))
        resources.submit(SYSTEM, v.id)
        resources.decide(SYSTEM, v.id, commission="validation", decision="conforme", reference="PV")
        resources.publish(SYSTEM, v.id)
        ids.append(v.id)
    resources.create_draft(SYSTEM, record(99))
    assert [v.id for v in resources.iter_published(batch=2)] == sorted(ids)


def test_index_entries_are_the_published_resources_as_the_index_sees_them(resources):
    ids = []
    for n in range(5):
        acquisition = {"mode": "don", "reference": f"CD {n}/2021"} if n % 2 else None
        v = resources.create_draft(SYSTEM, record(n), acquisition=acquisition)
        resources.submit(SYSTEM, v.id)
        resources.decide(SYSTEM, v.id, commission="validation", decision="conforme", reference="PV")
        resources.publish(SYSTEM, v.id)
        ids.append(v.id)
    resources.create_draft(SYSTEM, record(99))  # a draft is not indexed
    entries = list(resources.iter_index_entries(batch=2))
    views = list(resources.iter_published())
    assert [e.id for e in entries] == sorted(ids)
    assert [
        (e.id, e.record, e.acquisition_mode, e.published_at, e.updated_at) for e in entries
    ] == [(v.id, v.record, v.acquisition_mode, v.published_at, v.updated_at) for v in views]
    assert sorted(e.acquisition_mode or "" for e in entries) == ["", "", "", "don", "don"]


def test_listeners_run_after_commit(resources, validated, services):
    seen = []

    def listener(change):
        # After commit: a fresh session sees the new state.
        seen.append(
            (change.kind, change.resource.id, services.resources.get(change.resource.id).status)
        )

    resources.add_listener(listener)
    published = resources.publish(INDEXER, validated.id)
    resources.update(INDEXER, validated.id, record(3), expected_version=published.version)
    resources.withdraw(ADMIN, validated.id, reason="doublon")
    assert seen == [
        ("published", validated.id, "published"),
        ("updated", validated.id, "published"),
        ("withdrawn", validated.id, "withdrawn"),
    ]


def test_a_failing_listener_does_not_undo_the_commit(resources, validated):
    def broken(change):
        raise RuntimeError("index down")

    resources.add_listener(broken)
    assert resources.publish(INDEXER, validated.id).status == "published"
    assert resources.get(validated.id).status == "published"


def test_list_refuses_bad_arguments(resources):
    with pytest.raises(InvalidInput, match="status"):
        resources.list(status="archived")
    with pytest.raises(InvalidInput, match="whole numbers"):
        resources.list(page="deux")
    assert resources.list(page=0, size=10_000).size == 500
