"""Partners that are not Mawarid: day granularity, no deletions kept, tokens that expire,
503 with Retry-After, HTML or garbage answers, a broken record among good ones.

Each partner is a tiny real OAI-PMH server (:mod:`mini_provider`) on 127.0.0.1.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from lxml import etree
from mini_provider import MiniProvider

from catalogue.services.harvest_views import SourceSpec
from core.clock import FrozenClock
from core.messages import use_language
from harvesters.run import SourceHarvester
from tests.support.xsd import assert_valid, oai_pmh_schema


def sources_of(target, provider, name="mini", **kw):
    sources = target.extensions["mawarid"].catalogue.harvest
    spec = SourceSpec(
        name=name, base_url=provider.base, metadata_prefix="oai_dc", agreement="Accord 7", **kw
    )
    sources.add(spec, created_by="test")
    return sources


def titles_of(target, sources, name="mini") -> dict[str, str]:
    resources = target.extensions["mawarid"].resources
    out = {}
    for identifier, rid in sources.resource_ids(name).items():
        view = resources.get(rid)
        if view.status != "withdrawn":
            out[identifier] = view.record["general"]["title"]["fr"]
    return out


def test_the_mini_provider_answers_valid_oai_pmh():
    provider = MiniProvider(deleted_record="transient")
    provider.put("oai:p:1", {"fr": "Un", "ar": "واحد"})
    provider.put("oai:p:2", {"fr": "Deux"})
    provider.delete("oai:p:2")
    for args in (
        {"verb": "Identify"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2026-01-01"},
    ):
        assert_valid(oai_pmh_schema("loose"), etree.fromstring(provider.answer(args).encode()))


def test_day_granularity_partner_without_deletions_is_followed(mini, target):
    for n in range(1, 8):
        mini.put(f"oai:p:{n}", {"fr": f"Titre {n}"}, day=mini.today - timedelta(days=30))
    sources = sources_of(target, mini)
    sources.clock = clock = FrozenClock()
    harvester = SourceHarvester(sources)
    first = harvester.run("mini")
    assert first.status == "done" and first.count("created") == 7
    assert sources.get("mini").granularity == "YYYY-MM-DD"
    assert sources.get("mini").deleted_record == "no"

    # A day later: one record changed, one gone without trace (deletedRecord "no").
    mini.today += timedelta(days=1)
    mini.put("oai:p:3", {"fr": "Titre 3 corrigé"})
    del mini.items["oai:p:5"]
    mini.requests.clear()
    second = harvester.run("mini")
    assert second.status == "done"
    asked = [r for r in mini.requests if r.get("verb") == "ListRecords" and "from" in r]
    assert asked and all(len(r["from"]) == 10 for r in asked), "from at the partner's granularity"
    assert second.count("updated") == 1
    assert not [r for r in mini.requests if r.get("verb") == "ListIdentifiers"]
    assert second.count("withdrawn") == 0, "a vanished record is found by a full comparison"

    # full_every_days later, the comparison lists every identifier and finds the gap.
    clock.advance(8 * 86400)
    mini.requests.clear()
    third = harvester.run("mini")
    assert [r for r in mini.requests if r.get("verb") == "ListIdentifiers"]
    assert third.count("withdrawn") == 1
    assert titles_of(target, sources) == {
        i: item.titles["fr"] for i, item in mini.items.items() if not item.deleted
    }
    mini.requests.clear()
    assert harvester.run("mini").status == "done"
    assert not [r for r in mini.requests if r.get("verb") == "ListIdentifiers"]


def test_a_truncated_full_listing_withdraws_nothing(mini, target):
    for n in range(1, 7):
        mini.put(f"oai:p:{n}", {"fr": f"Titre {n}"})
    sources = sources_of(target, mini)
    harvester = SourceHarvester(sources)
    harvester.run("mini")
    for n in range(1, 6):  # the partner's list comes back nearly empty (a glitch)
        del mini.items[f"oai:p:{n}"]
    run = harvester.run("mini", full=True)
    assert run.count("withdrawn") == 0
    assert any("nothing withdrawn" in m.render("en") for _, m in run.problem_messages())
    assert len(titles_of(target, sources)) == 6


def test_an_expired_token_restarts_the_list_from_the_saved_datestamp(mini, target):
    for n in range(1, 11):
        mini.put(f"oai:p:{n:02d}", {"fr": f"Titre {n}"})
    mini.expire_tokens = True
    sources = sources_of(target, mini)
    run = SourceHarvester(sources).run("mini")
    assert run.status == "done", run.to_dict()
    assert run.count("created") == 10, "nothing skipped"
    assert target.extensions["mawarid"].resources.count() == 10, "nothing duplicated"
    refused = [r for r in mini.requests if "resumptionToken" in r]
    assert len(refused) >= 2


def test_503_with_retry_after_is_obeyed_then_the_harvest_goes_on(mini, target):
    for n in range(1, 5):
        mini.put(f"oai:p:{n}", {"fr": f"Titre {n}"})
    mini.busy = {2: "7", 3: "Wed, 01 Jan 2026 08:00:05 GMT"}
    waits: list[float] = []
    sources = sources_of(target, mini)
    harvester = SourceHarvester(sources, sleep=waits.append, clock=FrozenClock())
    run = harvester.run("mini")
    assert run.status == "done" and run.count("created") == 4
    assert waits == [7.0, 5.0], "Retry-After in seconds and as an HTTP date"


def test_a_partner_asking_to_wait_too_long_stops_the_run_which_resumes_later(mini, target):
    for n in range(1, 8):
        mini.put(f"oai:p:{n}", {"fr": f"Titre {n}"})
    sources = sources_of(target, mini)
    mini.busy = {3: "86400"}  # Identify, page 1, then "come back tomorrow"
    waits: list[float] = []
    run = SourceHarvester(sources, sleep=waits.append).run("mini")
    assert run.status == "failed" and waits == []
    with use_language("fr"):
        assert "86400" in run.error_message().render()
    assert run.count("created") == 3, "the first page is kept"
    assert sources.get("mini").resume is not None
    resumed = SourceHarvester(sources).run("mini")
    assert resumed.status == "done" and resumed.resumed
    assert resumed.count("created") == 4
    assert len(titles_of(target, sources)) == 7


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html", "text/html"),
        (b"\x00\x01garbage", "application/octet-stream", "OAI-PMH"),
        (b"<rss><channel/></rss>", "text/xml", "rss"),
    ],
)
def test_html_or_garbage_is_reported_clearly(
    recorded_partner, target, body, content_type, expected
):
    server = recorded_partner(lambda args, n: ("200 OK", [("Content-Type", content_type)], body))
    sources = target.extensions["mawarid"].catalogue.harvest
    sources.add(
        SourceSpec(name="broken", base_url=server.url + "/oai", agreement="A 1"),
        created_by="test",
    )
    run = SourceHarvester(sources).run("broken")
    assert run.status == "failed"
    message = run.error_message().render("en")
    assert server.url in message and expected in message
    assert "Traceback" not in message
    assert target.extensions["mawarid"].resources.count() == 0


def test_a_broken_record_is_skipped_and_reported(mini, target):
    mini.put("oai:p:1", {"fr": "Bon"})
    mini.put("oai:p:2", {"fr": "Sans titre"})
    mini.items["oai:p:2"].raw = (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:language>fr</dc:language></oai_dc:dc>'
    )
    mini.put("oai:p:3", {"fr": "Bon aussi"})
    sources = sources_of(target, mini)
    run = SourceHarvester(sources).run("mini")
    assert run.status == "done"
    assert run.count("created") == 2 and run.count("failed") == 1
    [(identifier, message)] = run.problem_messages()
    assert identifier == "oai:p:2" and "title" in message.render("en")


def test_unreachable_partner_fails_after_retries(target):
    sources = target.extensions["mawarid"].catalogue.harvest
    sources.add(
        SourceSpec(name="gone", base_url="http://127.0.0.1:9/oai", agreement="A 1"),
        created_by="test",
    )
    waits: list[float] = []
    run = SourceHarvester(sources, sleep=waits.append, timeout=2).run("gone")
    assert run.status == "failed" and len(waits) == 4
    assert waits == sorted(waits), "back-off grows"
    assert "127.0.0.1:9" in run.error_message().render("en")
    assert sources.get("gone").lease_owner is None, "a failed run gives its lease back"


def test_partner_oai_errors_are_reported(mini, target):
    sources = target.extensions["mawarid"].catalogue.harvest
    sources.add(
        SourceSpec(name="marc", base_url=mini.base, metadata_prefix="marc21", agreement="A 1"),
        created_by="test",
    )
    run = SourceHarvester(sources).run("marc")
    assert run.status == "failed"
    assert run.error["code"] == "cannotDisseminateFormat"


def test_the_first_harvest_of_an_empty_partner_is_done(mini, target):
    sources = sources_of(target, mini)
    run = SourceHarvester(sources).run("mini")
    assert run.status == "done" and run.count("seen") == 0
    assert sources.get("mini").next_from is not None


def test_oai_dc_goes_through_the_intake_crosswalk_with_its_notes(mini, target):
    mini.put("oai:p:1", {"fr": "Avec auteur"})
    mini.items["oai:p:1"].raw = (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Avec auteur</dc:title>'
        "<dc:creator>Académie de Rabat</dc:creator><dc:language>xx-klingon</dc:language>"
        "<dc:type>carte mentale animée</dc:type></oai_dc:dc>"
    )
    sources = sources_of(target, mini)
    run = SourceHarvester(sources).run("mini")
    assert run.count("created") == 1 and run.count("failed") == 0
    assert run.count("to_review") == 1
    rid = sources.resource_ids("mini")["oai:p:1"]
    record = target.extensions["mawarid"].resources.get(rid).record
    # The intake's crosswalk (docs/intake.md): a creator is an author, nothing dropped.
    [author] = record["lifecycle"]["contribute"]
    assert author["role"] == "author" and "Académie de Rabat" in json.dumps(
        author, ensure_ascii=False
    )
    kept = [o["value"] for o in record["general"].get("original", [])]
    assert "xx-klingon" in kept, "an unknown language is kept as written"
    # The report lists the record with its count of notes, in the reader's language.
    [(identifier, message)] = run.problem_messages()
    assert identifier == "oai:p:1" and "to review" in message.render("en")
    with use_language("ar"):
        assert message.render() != message.render("en")
    [entry] = run.to_dict("en")["problems"]
    assert entry["note"] and entry["resource_id"] == rid and entry["to_review"] >= 2


def test_one_identifier_twice_in_a_page_is_created_then_updated(recorded_partner, target):
    provider = MiniProvider(deleted_record="persistent")

    def dc(title: str) -> str:
        return (
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></oai_dc:dc>'
        )

    def answer(args, n):
        if args.get("verb") == "Identify":
            body = provider.answer(args)
        else:
            head = provider.answer({"verb": "Identify"}).split("<Identify>")[0]
            records = "".join(
                f"<record><header><identifier>oai:p:1</identifier><datestamp>2026-01-0{d}"
                f"</datestamp></header><metadata>{dc(t)}</metadata></record>"
                for d, t in ((1, "Premier"), (2, "Second"))
            )
            body = head + f"<ListRecords>{records}</ListRecords></OAI-PMH>"
        return "200 OK", [("Content-Type", "text/xml")], body.encode()

    server = recorded_partner(answer)
    sources = target.extensions["mawarid"].catalogue.harvest
    sources.add(
        SourceSpec(
            name="twice", base_url=server.url + "/oai", metadata_prefix="oai_dc", agreement="A"
        ),
        created_by="test",
    )
    run = SourceHarvester(sources).run("twice")
    assert (run.count("created"), run.count("updated"), run.count("failed")) == (1, 1, 0)
    assert titles_of(target, sources, "twice") == {"oai:p:1": "Second"}
