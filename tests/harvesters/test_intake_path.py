"""Harvested records go through the intake: what partners really publish comes in.

A partner (the mini provider, over real HTTP) publishes the records of the intake corpus
(``tests/intake/corpus``: LOM, LOM-FR, ScoLOMFR 1.1/3.1, Normetic, IMS MD, Dublin Core —
ScoLOMFR concept URIs, language URIs, resource types of other vocabularies, ages written
"Age 7 to 90") and one written like a real ScoLOMFR partner's, with a resource type of
its own vocabulary. Harvested, each comes in (none refused for a value Mawarid does not
know) with the intake's notes, waits in the same review queue as an import, and — once
published — our own OAI-PMH ``oai_lom`` answer says everything the partner wrote.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from catalogue.errors import IllegalTransition
from catalogue.intake.review import ReviewService
from catalogue.services import SYSTEM
from catalogue.services.completeness import Incomplete
from catalogue.services.harvest_views import SourceSpec
from core.clock import FrozenClock
from core.messages import use_language
from harvesters.run import SourceHarvester
from metadata_schemas.families import records_in
from metadata_schemas.lom_xml import LOM_NS, export_lom
from metadata_schemas.safe_xml import parse_xml
from tests.support.records import complete
from tests.support.xsd import assert_valid, lom_loose_schema

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "intake"))
from intake_support import CORPUS, LOM_RECORD_FILES, missing_after_export

DC_FILES = ["oai_dc-standalone.xml", "oai-getrecord-oai_dc.xml"]

#: Written as a ScoLOMFR partner writes: a concept URI, a type of its own vocabulary, a
#: language URI, ages in words.
PARTNER_RECORD = """<lom xmlns="http://ltsc.ieee.org/xsd/LOM">
  <general>
    <identifier><catalog>URI</catalog><entry>https://ressources.partenaire.example/notice/4711</entry></identifier>
    <title><string language="fre">Les volcans : carte heuristique</string><string language="ara">البراكين: خريطة ذهنية</string></title>
    <language>http://id.loc.gov/vocabulary/iso639-2/fre</language>
    <description><string language="fre">Une carte heuristique animée sur les volcans.</string></description>
  </general>
  <educational>
    <learningResourceType><source>SCOLOMFRv3.1</source><value>http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-010-num-026</value></learningResourceType>
    <learningResourceType><source>https://vocabulaires.partenaire.example/types</source><value>carte heuristique animée</value></learningResourceType>
    <typicalAgeRange><string language="en">Age 7 to 90</string></typicalAgeRange>
  </educational>
</lom>"""
PARTNER_ID = "oai:partenaire.example:4711"


def corpus_records(files: list[str], kind: str) -> dict[str, str]:
    """``identifier → metadata as written`` for every record of ``kind`` in ``files``."""
    out = {}
    for name in files:
        root = parse_xml((CORPUS / name).read_bytes(), source=name)
        for number, found in enumerate(records_in(root, name), start=1):
            if found.kind == kind and found.element is not None:
                out[f"oai:partenaire.example:{name}:{number}"] = etree.tostring(
                    found.element, encoding="unicode"
                )
    return out


def follow(target, mini, *, prefix: str, name: str = "partenaire", publish: bool = False):
    sources = target.extensions["mawarid"].catalogue.harvest
    spec = SourceSpec(
        name=name,
        base_url=mini.base,
        metadata_prefix=prefix,
        agreement="Convention 12/2026",
        publish=publish,
    )
    sources.add(spec, created_by="test")
    return sources


def our_lom(target, rid: str) -> etree._Element:
    """Our own OAI-PMH answer for a record, its ``<lom>``."""
    answer = target.test_client().get(
        f"/oai?verb=GetRecord&metadataPrefix=oai_lom&identifier=oai:harvester.test.ma:{rid}"
    )
    assert answer.status_code == 200
    lom = etree.fromstring(answer.data).find(f".//{{{LOM_NS}}}lom")
    assert lom is not None, answer.data[:300]
    return lom


@pytest.mark.parametrize("prefix", ["oai_lom", "scolomfr"])
def test_partner_records_with_values_mawarid_does_not_know_come_in_to_review(mini, target, prefix):
    records = {**corpus_records(LOM_RECORD_FILES, "lom"), PARTNER_ID: PARTNER_RECORD}
    mini.prefixes = (prefix,)
    for identifier, metadata in records.items():
        mini.put_raw(identifier, metadata)
    sources = follow(target, mini, prefix=prefix)
    run = SourceHarvester(sources).run("partenaire")

    assert run.status == "done", run.to_dict("en")
    assert run.count("failed") == 0, run.to_dict("en")["problems"]
    assert run.count("created") == len(records)
    assert run.count("to_review") == len(records), "each of them has something to review"
    rt = target.extensions["mawarid"]
    ids = sources.resource_ids("partenaire")

    # The partner's own record: the ScoLOMFR URI mapped by the crosswalk, its own type kept
    # as written, the age range read from the words, every original kept.
    mine = rt.resources.get(ids[PARTNER_ID])
    assert mine.status == "draft"
    educational = mine.record["educational"]
    assert educational["learning_resource_type"] == ["case-study"]
    kept = {(o["key"], o.get("value") or str(o.get("text"))) for o in educational["original"]}
    assert ("learning_resource_type", "carte heuristique animée") in kept
    assert (
        "learning_resource_type",
        "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-010-num-026",
    ) in kept
    assert educational["typical_age_range"] == ["7-90"]
    assert mine.record["general"]["language"] == ["fr"]

    # The same review queue as an import: its notes, its origin, no validation before review.
    reviews = ReviewService(rt.resources)
    items, total = reviews.queue(size=200)
    assert total == len(records)
    assert {i.resource_id for i in items} == set(ids.values())
    review = reviews.get(ids[PARTNER_ID])
    codes = sorted(n.code for n in review["notes"])
    assert codes == ["kept", "mapped_crosswalk", "parsed"]
    assert review["partner_identifier"] == PARTNER_ID and review["family"] == "lom"
    assert mini.base in review["source"] and review["imported_by"] == "harvest:partenaire"
    with use_language("en"), pytest.raises(IllegalTransition, match="notes to review"):
        rt.resources.submit(SYSTEM, ids[PARTNER_ID])

    # The run report counts each record's notes, as the import summary does.
    listed = {p["identifier"]: p for p in run.to_dict("en")["problems"]}
    assert listed[PARTNER_ID]["notes"] == 3 and listed[PARTNER_ID]["to_review"] == 3
    assert listed[PARTNER_ID]["resource_id"] == ids[PARTNER_ID]
    assert listed[PARTNER_ID]["message"] == "3 notes (3 to review)"

    # Settled by a documentalist, the record is held only by what it lacks (the partner
    # sent no licence, level, subject…); completed, it may go to the commission.
    assert reviews.accept_all(SYSTEM, ids[PARTNER_ID]) == "reviewed"
    with pytest.raises(Incomplete) as held:
        rt.resources.submit(SYSTEM, ids[PARTNER_ID])
    assert "rights.licence" in held.value.field_errors("en")
    view = rt.resources.get(ids[PARTNER_ID])
    rt.resources.update(SYSTEM, view.id, complete(view.record), expected_version=view.version)
    assert rt.resources.submit(SYSTEM, ids[PARTNER_ID]).status == "submitted"


def test_oai_dc_records_come_in_through_the_intake_crosswalk(mini, target):
    records = corpus_records(DC_FILES, "dc")
    for identifier, metadata in records.items():
        mini.put_raw(identifier, metadata)
    sources = follow(target, mini, prefix="oai_dc")
    run = SourceHarvester(sources).run("partenaire")
    assert (run.count("created"), run.count("failed")) == (len(records), 0)
    rt = target.extensions["mawarid"]
    for identifier, rid in sources.resource_ids("partenaire").items():
        view = rt.resources.get(rid)
        assert view.record["rights"].get("licence"), "the licence named in dc:rights is read"
        kept = [o["value"] for o in view.record["educational"]["original"]]
        assert kept, "a DCMI type is kept as written"
        assert ReviewService(rt.resources).get(rid)["status"] == "to_review", identifier


def test_published_under_the_agreement_they_keep_their_notes_and_lose_nothing(mini, target):
    records = {**corpus_records(LOM_RECORD_FILES, "lom"), PARTNER_ID: PARTNER_RECORD}
    mini.prefixes = ("oai_lom",)
    for identifier, metadata in records.items():
        mini.put_raw(identifier, metadata)
    sources = follow(target, mini, prefix="oai_lom", publish=True)
    run = SourceHarvester(sources).run("partenaire")
    assert run.count("created") == len(records) and run.count("failed") == 0

    rt = target.extensions["mawarid"]
    reviews = ReviewService(rt.resources)
    for identifier, rid in sources.resource_ids("partenaire").items():
        view = rt.resources.get(rid)
        assert view.status == "published"
        # Like import --migrate-validated: published, its notes listed on the record.
        review = reviews.get(rid)
        assert review["status"] == "to_review" and review["notes"], identifier
        # Our own oai_lom answer holds every element and value the partner wrote;
        # only what LOM cannot hold is missing, and the LOM export lists it.
        written = etree.fromstring(records[identifier].encode())
        exported = our_lom(target, rid)
        assert_valid(lom_loose_schema(), exported)
        left_out = export_lom(view.record).left_out
        missing = missing_after_export(written, exported)
        assert all(any(text in entry for entry in left_out) for _, _, text in missing), (
            identifier,
            missing,
        )


def broken(title_less_id: str) -> str:
    """A LOM record with nothing to title it: refused by the intake."""
    return (
        '<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><language>fr</language>'
        f"<keyword><string>{title_less_id}</string></keyword></general></lom>"
    )


def fixed(title: str) -> str:
    return (
        '<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general>'
        f'<title><string language="fr">{title}</string></title></general></lom>'
    )


def get_records(mini) -> list[str]:
    return [r["identifier"] for r in mini.requests if r.get("verb") == "GetRecord"]


def test_a_refused_record_is_asked_again_and_comes_in_once_fixed(mini, target):
    old = mini.today - timedelta(days=40)
    mini.prefixes = ("oai_lom",)
    mini.put_raw("oai:p:good", fixed("Bonne notice"), day=old)
    mini.put_raw("oai:p:bad", broken("sans titre"), day=old)
    sources = follow(target, mini, prefix="oai_lom")
    harvester = SourceHarvester(sources)
    first = harvester.run("partenaire")
    assert (first.count("created"), first.count("failed")) == (1, 1)
    [(identifier, message)] = first.problem_messages()
    assert identifier == "oai:p:bad" and "title" in message.render("en")
    assert list(sources.refused("partenaire")) == ["oai:p:bad"]
    assert sources.get("partenaire").refused_count == 1

    # Still broken at the next run: asked again (GetRecord), still refused, still kept.
    mini.today += timedelta(days=1)
    mini.requests.clear()
    second = harvester.run("partenaire")
    assert get_records(mini) == ["oai:p:bad"]
    assert (second.count("retried"), second.count("failed")) == (1, 1)
    assert list(sources.refused("partenaire")) == ["oai:p:bad"]

    # The partner fixes it without a new datestamp (an incremental list never sends it
    # again): the next run asks for it and it comes in.
    mini.put_raw("oai:p:bad", fixed("Notice réparée"), day=old)
    mini.today += timedelta(days=1)
    mini.requests.clear()
    third = harvester.run("partenaire")
    assert third.kind == "incremental" and get_records(mini) == ["oai:p:bad"]
    assert (third.count("retried"), third.count("created"), third.count("failed")) == (1, 1, 0)
    rid = sources.resource_ids("partenaire")["oai:p:bad"]
    view = target.extensions["mawarid"].resources.get(rid)
    assert view.record["general"]["title"] == {"fr": "Notice réparée"}
    assert sources.refused("partenaire") == {}

    # Nothing left to ask.
    mini.requests.clear()
    harvester.run("partenaire")
    assert get_records(mini) == []


def test_retries_are_bounded_per_run_and_forgotten_when_the_partner_drops_them(mini, target):
    old = mini.today - timedelta(days=40)
    mini.prefixes = ("oai_lom",)
    for n in range(1, 6):
        mini.put_raw(f"oai:p:{n}", broken(f"n{n}"), day=old)
    sources = follow(target, mini, prefix="oai_lom")
    harvester = SourceHarvester(sources, retry_limit=2)
    assert harvester.run("partenaire").count("failed") == 5

    mini.requests.clear()
    assert harvester.run("partenaire").count("retried") == 2
    first_two = get_records(mini)
    mini.requests.clear()
    harvester.run("partenaire")
    next_two = get_records(mini)
    assert len(first_two) == len(next_two) == 2
    assert not set(first_two) & set(next_two), "those tried longest ago go first"

    # A record the partner no longer has (idDoesNotExist) is not asked again.
    [last] = set(mini.items) - set(first_two) - set(next_two)
    del mini.items[last]
    mini.requests.clear()
    harvester.run("partenaire")
    assert last in get_records(mini)
    assert last not in sources.refused("partenaire")
    assert len(sources.refused("partenaire")) == 4


def test_a_record_a_full_comparison_finds_missing_is_fetched_in_the_same_run(mini, target):
    mini.prefixes = ("oai_lom",)
    mini.put_raw("oai:p:1", fixed("Première"))
    sources = follow(target, mini, prefix="oai_lom")
    sources.clock = clock = FrozenClock()
    harvester = SourceHarvester(sources)
    assert harvester.run("partenaire").count("created") == 1

    # The partner adds a record stamped long ago: no incremental list will send it.
    mini.put_raw("oai:p:late", fixed("Arrivée tard"), day=mini.today - timedelta(days=300))
    mini.today += timedelta(days=1)
    assert harvester.run("partenaire").count("created") == 0

    clock.advance(8 * 86400)  # the weekly full comparison of a partner without deletions
    mini.requests.clear()
    run = harvester.run("partenaire")
    assert run.count("missing") == 1
    assert get_records(mini) == ["oai:p:late"]
    assert run.count("created") == 1
    assert "oai:p:late" in sources.resource_ids("partenaire")
