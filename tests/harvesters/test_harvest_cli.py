"""``mawarid sources …``, ``mawarid harvest NAME… | --due`` and the ``harvest-oai`` alias."""

from __future__ import annotations

import json

from oai_testdata import make_app, oai_id

from core.clock import FrozenClock
from tests.support.cli import invoke


def add(target, partner, name="partner", *extra):
    return invoke(
        target,
        "sources",
        "add",
        name,
        partner.oai,
        "--agreement",
        "Convention 4/2025",
        "--counterpart",
        "Académie partenaire",
        *extra,
    )


def test_sources_add_list_show_remove(partner, target):
    added = add(target, partner, "partner", "--every", "60", "--set", "collection:achat")
    assert added.exit_code == 0, added.output
    assert "partner" in added.output
    listed = invoke(target, "sources", "list")
    assert listed.exit_code == 0
    assert "partner" in listed.output and partner.oai in listed.output
    assert "jamais" in listed.output, "never run, in the reader's language (French)"

    ran = invoke(target, "harvest", "partner")
    assert ran.exit_code == 0, ran.output
    listed = invoke(target, "sources", "list", env={"LANG": "ar_MA.UTF-8"})
    assert "partner" in listed.output and "آخر" in listed.output

    shown = json.loads(invoke(target, "sources", "show", "partner").stdout)
    assert shown["sets"] == ["collection:achat"]
    assert shown["acquisition"]["counterpart"] == "Académie partenaire"
    assert shown["last_run"]["status"] == "done"
    assert shown["runs"][0]["counts"]["created"] == shown["records"] > 0
    assert shown["next_due"] > shown["last_run"]["started_at"]

    removed = invoke(target, "sources", "remove", "partner")
    assert removed.exit_code == 0
    gone = invoke(target, "sources", "show", "partner", catch_exceptions=True)
    assert gone.exit_code == 1 and "partner" in gone.output and "Traceback" not in gone.output
    resources = target.extensions["mawarid"].resources
    assert resources.count() == shown["records"], "the records stay"


def test_bad_sources_are_refused_with_one_line(partner, target):
    for args, word in (
        (["Bad Name", partner.oai], "Bad Name"),
        (["ok-name", "ftp://x/oai"], "ftp://x/oai"),
        (["ok-name", partner.oai, "--mode", "vol"], "vol"),
        (["ok-name", partner.oai, "--set", "a b"], "a b"),
    ):
        result = invoke(
            target, "sources", "add", *args, "--agreement", "A 1", catch_exceptions=True
        )
        assert result.exit_code == 1, result.output
        assert word in result.output and "Traceback" not in result.output
    assert add(target, partner).exit_code == 0
    again = add(target, partner)
    assert again.exit_code == 1 and "partner" in again.output
    no_agreement = invoke(target, "sources", "add", "x2", partner.oai, catch_exceptions=True)
    assert no_agreement.exit_code == 2


def test_harvest_due_runs_what_is_due(partner, target):
    sources = target.extensions["mawarid"].catalogue.harvest
    sources.clock = clock = FrozenClock()
    assert add(target, partner, "hourly", "--every", "60").exit_code == 0
    assert add(target, partner, "daily", "--every", "1440").exit_code == 0
    invoke(target, "sources", "disable", "daily")
    first = invoke(target, "harvest", "--due", "--json")
    assert first.exit_code == 0, first.output
    assert [r["source"] for r in json.loads(first.stdout)] == ["hourly"]
    assert json.loads(invoke(target, "harvest", "--due", "--json").stdout) == []
    clock.advance(61 * 60)
    invoke(target, "sources", "enable", "daily")
    again = json.loads(invoke(target, "harvest", "--due", "--json").stdout)
    assert sorted(r["source"] for r in again) == ["daily", "hourly"]
    usage = invoke(target, "harvest", catch_exceptions=True)
    assert usage.exit_code == 2


def test_a_failed_run_exits_1_with_the_reason(tmp_path):
    app = make_app(tmp_path / "t", MAWARID_HARVEST_BACKOFF="0.01", MAWARID_HARVEST_ATTEMPTS="2")
    try:
        invoke(app, "sources", "add", "gone", "http://127.0.0.1:9/oai", "--agreement", "A 1")
        result = invoke(app, "harvest", "gone", catch_exceptions=True)
        assert result.exit_code == 1
        assert "127.0.0.1:9" in result.output and "2" in result.output
        assert "Traceback" not in result.output
    finally:
        app.extensions["mawarid"].close()


def test_harvest_oai_is_a_one_shot_alias(partner, target):
    result = invoke(
        target,
        "harvest-oai",
        partner.oai,
        "--mode",
        "cooperation",
        "--reference",
        "Convention 4/2025",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "done" and report["counts"]["created"] == 6
    sources = target.extensions["mawarid"].catalogue.harvest
    [source] = sources.all()
    assert source.name == "127.0.0.1-" + partner.oai.split(":")[2].split("/")[0]
    resources = target.extensions["mawarid"].resources
    rid = sources.resource_ids(source.name)[oai_id(partner.corpus.published[0])]
    assert resources.get(rid).acquisition["reference"] == "Convention 4/2025"
    # Run again: the same source, an incremental run, nothing new.
    again = json.loads(invoke(target, "harvest-oai", partner.oai).stdout)
    assert again["kind"] == "incremental" and again["counts"]["created"] == 0
    bad = invoke(target, "harvest-oai", partner.oai, "--from", "yesterday", catch_exceptions=True)
    assert bad.exit_code == 1 and "yesterday" in bad.output


def test_a_source_still_running_is_skipped_by_due_and_refused_by_name(partner, target):
    from harvesters.run import owner_alive, process_owner

    assert add(target, partner).exit_code == 0
    sources = target.extensions["mawarid"].catalogue.harvest
    sources.acquire("partner", owner=process_owner(), alive=owner_alive)
    due = invoke(target, "harvest", "--due", "--json")
    assert due.exit_code == 0, due.output
    assert json.loads(due.stdout) == [], "a source running now is not due"
    named = invoke(target, "harvest", "partner", catch_exceptions=True)
    assert named.exit_code == 1 and "partner" in named.output


def test_a_failed_source_is_due_again_within_the_hour(target):
    sources = target.extensions["mawarid"].catalogue.harvest
    sources.clock = clock = FrozenClock()
    invoke(
        target,
        "sources",
        "add",
        "down",
        "http://127.0.0.1:9/oai",
        "--agreement",
        "A",
        "--every",
        "1440",
    )
    from harvesters.run import SourceHarvester

    run = SourceHarvester(sources, sleep=lambda s: None).run("down")
    assert run.status == "failed"
    assert [s.name for s in sources.due()] == []
    clock.advance(61 * 60)
    assert [s.name for s in sources.due()] == ["down"]
