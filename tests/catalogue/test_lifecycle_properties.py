"""Random sequences of lifecycle actions never break the rules (hypothesis, on SQLite)."""

from __future__ import annotations

import itertools

import pytest
from catalogue_testdata import record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.errors import CatalogueError
from catalogue.services import Actor, build_services
from core.settings import Settings
from metadata_schemas.vocabularies import get_vocabularies

STAFF = {
    "indexer": Actor("i", frozenset({"indexer"})),
    "validator": Actor("v", frozenset({"validator"}), frozenset({"validation"})),
    "outsider": Actor("o", frozenset({"validator"}), frozenset({"localisation"})),
    "admin": Actor("a", frozenset({"admin"})),
}
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["submit", "conforme", "non_conforme", "publish", "withdraw", "edit"]),
        st.sampled_from(sorted(STAFF)),
    ),
    max_size=8,
)


@pytest.fixture(scope="module")
def module_services(tmp_path_factory):
    home = tmp_path_factory.mktemp("props")
    svc = build_services(
        Settings.from_environment(
            {}, MAWARID_HOME=str(home), MAWARID_DATABASE_URL=f"sqlite:///{home / 'c.sqlite3'}"
        ),
        get_vocabularies(),
    )
    yield svc
    svc.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_any_sequence_keeps_the_invariants(module_services, actions):
    resources = module_services.resources
    view = resources.create_draft(STAFF["indexer"], record())
    for action, who in actions:
        actor = STAFF[who]
        try:
            if action == "submit":
                resources.submit(actor, view.id)
            elif action in ("conforme", "non_conforme"):
                resources.decide(
                    actor, view.id, commission="validation", decision=action, reference="PV"
                )
            elif action == "publish":
                resources.publish(actor, view.id)
            elif action == "withdraw":
                resources.withdraw(actor, view.id, reason="r")
            else:
                current = resources.get(view.id)
                resources.update(actor, view.id, record(2), expected_version=current.version)
        except CatalogueError:
            pass
    events = resources.history(view.id)
    # History is a chain: each event starts where the previous one ended.
    for before, after in itertools.pairwise(events):
        assert after.from_status == before.to_status
    final = resources.get(view.id)
    assert final.status == events[-1].to_status
    decisions = [e for e in events if e.action == "decide"]
    if final.status in ("published", "withdrawn"):
        published_at = next(e.seq for e in events if e.action == "publish")
        last = [d for d in decisions if d.seq < published_at][-1]
        assert last.decision == "conforme" and last.commission == "validation"
        assert last.actor == "v"
    assert all(d.actor == "v" for d in decisions)  # nobody else ever decided
    assert all(e.actor == "a" for e in events if e.action == "withdraw")
