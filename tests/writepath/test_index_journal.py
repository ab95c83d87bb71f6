"""The index follows the catalogue through the index journal, on SQLite and PostgreSQL,
with Whoosh, Elasticsearch and OpenSearch: every change is journalled in its own
transaction, drained to the index (coalesced, idempotent), kept while the engine is
down and applied when it is back; ``check`` finds drift, ``repair`` fixes it in place."""

from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

import pytest
from catalogue_testdata import ACHAT, INDEXER, SYSTEM, VALIDATOR, record
from sqlalchemy import text

from indexer import IndexableResource, SearchQuery
from tests.support.cli import invoke


def found(runtime, q: str) -> set[str]:
    return {hit.id for hit in runtime.search.search(SearchQuery(q=q, size=50)).hits}


def publish(runtime, n: int, **kw) -> str:
    resources = runtime.resources
    view = resources.create_draft(INDEXER, record(n, **kw), acquisition=ACHAT)
    resources.submit(INDEXER, view.id)
    resources.decide(
        VALIDATOR, view.id, commission="validation", decision="conforme", reference="PV 1/2026"
    )
    return resources.publish(INDEXER, view.id).id


def test_every_change_reaches_the_index_through_the_journal(instance):
    rt = instance()
    rid = publish(rt, 1)
    assert rt.catalogue.journal.state().pending == 0  # drained right after the commit
    assert found(rt, "fractions") == {rid}
    view = rt.resources.get(rid)
    edited = record(1)
    edited["general"]["title"] = {"fr": "Les pourcentages", "ar": "النسب المئوية"}
    # record() completes the description from the title: the old words go from both
    edited["general"]["description"] = {"fr": "Calculer un pourcentage.", "ar": "حساب نسبة."}
    rt.resources.update(INDEXER, rid, edited, expected_version=view.version)
    assert found(rt, "pourcentages") == {rid} and found(rt, "fractions") == set()
    rt.resources.withdraw(SYSTEM, rid, reason="droits expirés")
    assert found(rt, "pourcentages") == set() and rt.search.count() == 0
    drift = rt.index.check()
    assert drift.in_step and drift.published == drift.indexed == 0


def test_repeated_changes_of_one_resource_cost_one_index_write(instance):
    rt = instance()
    rt.index.follow_commits = False  # no drain after each commit: let the journal pile up
    rid = publish(rt, 1)
    for n in range(2, 6):
        view = rt.resources.get(rid)
        edited = record(n)
        rt.resources.update(INDEXER, rid, edited, expected_version=view.version)
    others = [publish(rt, n) for n in (10, 11)]
    assert rt.catalogue.journal.state().pending == 7  # 1 + 4 edits + 2 publications
    report = rt.index.drain()
    assert report.complete and report.upserted == 3 and report.removed == 0
    assert found(rt, "fractions") == {rid, *others}
    assert found(rt, "5") >= {rid}  # the last edit is the one indexed
    again = rt.index.drain()
    assert again.applied == 0 and again.complete


def _down(search_url: str) -> str:
    """The same alias on an engine that does not answer (nothing listens on port 9)."""
    parts = urlsplit(search_url)
    return urlunsplit(parts._replace(netloc="127.0.0.1:9"))


# An embedded Whoosh index is never "down"; its disk filling up is tested in test_disk_full.
@pytest.mark.parametrize("engine", ["elasticsearch", "opensearch"])
def test_writes_while_the_engine_is_down_are_kept_and_applied_when_it_returns(instance, engine):
    up = instance()
    kept = publish(up, 1)
    config = instance.config
    down = instance(MAWARID_SEARCH_URL=_down(config["MAWARID_SEARCH_URL"]))
    gone = publish(up, 2)  # indexed while the engine answers …
    down.resources.withdraw(SYSTEM, gone, reason="retrait pendant la panne")
    new = publish(down, 3)  # … then written while it does not: the commands succeed
    assert down.resources.get(new).status == "published"
    report = down.index.last
    assert report is not None and report.error is not None and not report.complete
    assert down.catalogue.journal.state().pending >= 2
    result = invoke(down, "index", "sync", catch_exceptions=True)
    assert result.exit_code == 4, result.output
    assert "PAS à jour" in result.output and "Traceback" not in result.output
    # The engine is back (here: the instance that reaches it drains).
    assert found(up, "fractions") == {kept, gone}  # stale until then
    report = up.index.drain()
    assert report.complete
    assert found(up, "fractions") == {kept, new}
    assert up.index.check().in_step


def test_check_names_the_drift_and_repair_fixes_it_in_place(instance):
    rt = instance()
    ids = sorted(publish(rt, n) for n in range(5))
    rt.search.delete([ids[0], ids[3]])  # lost by the index (a restored backup, a bad node)
    rt.search.upsert([IndexableResource(id="ghost-0001", record=record(99))])
    drift = rt.index.check()
    assert not drift.in_step
    assert drift.missing == sorted([ids[0], ids[3]]) and drift.extra == ["ghost-0001"]
    assert (drift.published, drift.indexed) == (5, 4)
    shown = invoke(rt, "index", "check", catch_exceptions=True)
    assert shown.exit_code == 1 and ids[0] in shown.output and "ghost-0001" in shown.output
    as_json = json.loads(invoke(rt, "index", "check", "--json", catch_exceptions=True).output)
    assert as_json["missing"]["count"] == 2 and not as_json["in_step"]
    repaired = invoke(rt, "index", "repair", catch_exceptions=True)
    assert repaired.exit_code == 0, repaired.output
    assert "l'index contient exactement ce que le catalogue publie" in repaired.output
    assert rt.index.check().in_step and found(rt, "fractions") == set(ids)
    assert invoke(rt, "index", "check", env={"LANG": "ar_MA.UTF-8"}).exit_code == 0


def test_a_resource_the_index_refuses_is_set_aside_not_blocking(instance, database_url):
    rt = instance()
    rt.index.follow_commits = False
    good = [publish(rt, n) for n in range(3)]
    bad = publish(rt, 9)
    with rt.catalogue.db.engine.begin() as conn:  # damaged outside the services
        conn.execute(
            text("UPDATE resources SET record = :r WHERE id = :id"),
            {"r": json.dumps({"general": "not an object"}), "id": bad},
        )
    report = rt.index.drain()
    assert [rid for rid, _why in report.refused] == [bad]
    assert not report.complete and found(rt, "fractions") == set(good)
    drift = rt.index.check()
    assert drift.missing == [bad] and drift.refused and drift.refused[0][0] == bad
    status = invoke(rt, "index", "status", catch_exceptions=True)
    assert status.exit_code == 1 and "refusées par l'index : 1" in status.output
    assert rt.index.drain().applied == 0  # set aside: not retried at every drain


def test_one_drainer_at_a_time_across_processes(instance):
    rt = instance()
    rt.index.follow_commits = False
    rid = publish(rt, 1)
    other = instance()  # another process of the same instance (its own connections)
    with other.catalogue.journal.drain_lock() as held:
        assert held
        busy = rt.index.drain()
        assert busy.busy and busy.applied == 0 and busy.pending == 1
    assert rt.index.drain().upserted == 1 and found(rt, "fractions") == {rid}
