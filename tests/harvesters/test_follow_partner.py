"""A harvesting Mawarid follows a partner Mawarid: publications, updates, withdrawals.

The partner is a real second instance served over HTTP; between runs it publishes,
edits and withdraws, and after each run the harvesting catalogue is checked record by
record against what the partner serves.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest
from lxml import etree
from oai_testdata import OAI, oai_id, publish, record

from catalogue.services import SYSTEM
from catalogue.services.harvest_views import SourceBusy, SourceSpec
from harvesters.run import SourceHarvester, owner_alive, process_owner

AGREEMENT = "Convention 4/2025"


def add(target, partner, name="partner", **kw):
    sources = target.extensions["mawarid"].catalogue.harvest
    spec = SourceSpec(name=name, base_url=partner.oai, agreement=AGREEMENT, **kw)
    sources.add(spec, created_by="test")
    return sources


def live(partner) -> list[str]:
    corpus = partner.corpus
    return [r for r in corpus.published if r not in corpus.withdrawn]


def titles(resources, rid) -> dict:
    return resources.get(rid).record["general"]["title"]


def assert_follows(target, partner, name="partner", *, status="draft"):
    """Every live partner record is ours, with its metadata; no other record is live."""
    rt = target.extensions["mawarid"]
    ids = rt.catalogue.harvest.resource_ids(name)
    ours = rt.resources
    for rid in live(partner):
        mine = ids[oai_id(rid)]
        view = ours.get(mine)
        assert view.status == status, (rid, view.status)
        assert view.record["general"]["title"] == titles(partner.runtime.resources, rid)
        entries = [
            i["entry"] for i in view.record["general"]["identifier"] if i["catalog"] == "oai"
        ]
        assert entries == [oai_id(rid)]
    gone = set(ids) - {oai_id(r) for r in live(partner)}
    for identifier in gone:
        assert ours.get(ids[identifier]).status == "withdrawn", identifier


def test_the_catalogue_follows_the_partner_record_by_record(partner, target):
    sources = add(target, partner)
    harvester = SourceHarvester(sources)
    rt = target.extensions["mawarid"]

    first = harvester.run("partner")
    assert first.status == "done" and first.kind == "first", first.to_dict()
    assert first.count("created") == len(live(partner)) == 6
    assert first.count("failed") == 0
    assert_follows(target, partner)
    ids = sources.resource_ids("partner")
    view = rt.resources.get(ids[oai_id(live(partner)[0])])
    assert view.acquisition["mode"] == "cooperation"
    assert view.acquisition["reference"] == AGREEMENT

    # The partner edits one record, withdraws another, publishes a new one.
    presources = partner.runtime.resources
    edited, withdrawn = live(partner)[0], live(partner)[1]
    before = presources.get(edited)
    changed = record(50)
    presources.update(SYSTEM, edited, changed, expected_version=before.version)
    presources.withdraw(SYSTEM, withdrawn, reason="retiré par le partenaire")
    partner.corpus.withdrawn.append(withdrawn)
    new = publish(presources, 60)
    partner.corpus.published.append(new)

    mine_edited = ids[oai_id(edited)]
    version = rt.resources.get(mine_edited).version
    second = harvester.run("partner")
    assert second.status == "done" and second.kind == "incremental"
    assert second.since is not None, "an incremental run asks from the last run"
    assert (second.count("created"), second.count("updated"), second.count("withdrawn")) == (
        1,
        1,
        1,
    )
    assert_follows(target, partner)
    after = rt.resources.get(mine_edited)
    assert after.version > version
    assert after.record["general"]["title"]["fr"] == "Les fractions, leçon 50"
    history = rt.resources.history(mine_edited)
    assert [e.action for e in history][-1] == "update"
    assert history[-1].actor == "harvest:partner"
    # The partner's earlier version stays readable here, with what the update changed.
    (earlier,) = rt.resources.versions(mine_edited)
    assert earlier.version == version and earlier.replaced_by == "harvest:partner"
    assert earlier.record["general"]["title"]["fr"] != "Les fractions, leçon 50"
    assert "general.title" in earlier.changed
    gone = rt.resources.history(ids[oai_id(withdrawn)])[-1]
    assert gone.action == "retract" and "deleted by the partner" in (gone.note or "")

    # Nothing changed at the partner: nothing changes here (the overlap re-sends, idempotent).
    versions = {i: rt.resources.get(r).version for i, r in sources.resource_ids("partner").items()}
    third = harvester.run("partner")
    assert third.status == "done"
    assert third.count("created") == third.count("updated") == third.count("withdrawn") == 0
    assert versions == {
        i: rt.resources.get(r).version for i, r in sources.resource_ids("partner").items()
    }
    assert rt.resources.count() == len(versions)


def test_published_under_the_agreement_and_deleted_as_oai_records_of_ours(partner, target):
    sources = add(target, partner, publish=True, name="agreed")
    harvester = SourceHarvester(sources)
    assert harvester.run("agreed").status == "done"
    assert_follows(target, partner, "agreed", status="published")
    rt = target.extensions["mawarid"]
    gone = live(partner)[2]
    mine = sources.resource_ids("agreed")[oai_id(gone)]
    provenance = rt.resources.provenance(mine)
    assert provenance["decisions"][0]["reference"] == AGREEMENT

    partner.runtime.resources.withdraw(SYSTEM, gone, reason="fin de la convention")
    partner.corpus.withdrawn.append(gone)
    run = harvester.run("agreed")
    assert run.count("withdrawn") == 1
    assert rt.resources.get(mine).status == "withdrawn"
    client = target.test_client()
    answer = client.get(
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:harvester.test.ma:" + mine
    )
    header = etree.fromstring(answer.data).find(f".//{OAI}header")
    assert header.get("status") == "deleted", "our partner's deletion is our deleted record"


def test_a_change_waits_while_the_commission_decides(partner, target):
    sources = add(target, partner)
    harvester = SourceHarvester(sources)
    harvester.run("partner")
    rt = target.extensions["mawarid"]
    edited = live(partner)[3]
    mine = sources.resource_ids("partner")[oai_id(edited)]
    rt.resources.submit(SYSTEM, mine)
    presources = partner.runtime.resources
    presources.update(SYSTEM, edited, record(70), expected_version=presources.get(edited).version)

    waiting = harvester.run("partner")
    assert waiting.count("pending") == 1
    assert rt.resources.get(mine).record["general"]["title"]["fr"] != "Les fractions, leçon 70"

    rt.resources.decide(
        SYSTEM, mine, commission="validation", decision="non_conforme", reference="PV 9/2025"
    )
    applied = harvester.run("partner")
    assert applied.count("updated") == 1
    view = rt.resources.get(mine)
    assert view.record["general"]["title"]["fr"] == "Les fractions, leçon 70"
    assert view.status == "draft"


def test_oai_dc_records_come_in(partner, target):
    sources = add(target, partner, metadata_prefix="oai_dc", name="dc")
    run = SourceHarvester(sources).run("dc")
    assert run.status == "done" and run.count("failed") == 0
    assert run.count("created") == len(live(partner))
    rt = target.extensions["mawarid"]
    for rid in live(partner):
        mine = sources.resource_ids("dc")[oai_id(rid)]
        theirs = titles(partner.runtime.resources, rid)
        ours = titles(rt.resources, mine)
        assert ours["ar"] == theirs["ar"] and ours["fr"] == theirs["fr"]


def test_two_runs_of_one_source_are_refused_a_dead_ones_lease_is_taken_over(partner, target):
    sources = add(target, partner)
    # A run whose process is gone (kill -9) holds the lease: the next run takes it over.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ghost = f"{socket.gethostname()}:{dead.pid}:ghost"
    assert not owner_alive(ghost)
    sources.acquire("partner", owner=ghost, alive=owner_alive)
    sources.begin_run("partner", owner=ghost, kind="first", since=None, resume={"phase": "start"})
    run = SourceHarvester(sources).run("partner")
    assert run.status == "done" and run.resumed
    statuses = [r.status for r in sources.runs("partner")]
    assert statuses == ["done", "interrupted"]

    # A live run's lease is respected: a second run at once is refused, nothing written.
    sources.acquire("partner", owner=process_owner(), alive=owner_alive)
    with pytest.raises(SourceBusy, match="partner"):
        SourceHarvester(sources).run("partner")
    assert len(sources.runs("partner")) == 2


def assert_one_lease_among_concurrent_runs(partner, target):
    sources = add(target, partner)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            sources.acquire("partner", owner=f"other-host:{n}:x", alive=lambda owner: True)
            outcomes.append("took")
        except SourceBusy:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "took"]


def test_one_lease_among_concurrent_runs(partner, target):
    assert_one_lease_among_concurrent_runs(partner, target)
