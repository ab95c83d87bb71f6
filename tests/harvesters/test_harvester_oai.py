"""The OAI-PMH harvester: a partner's oai_lom records become drafts in the catalogue."""

from __future__ import annotations

import pytest
from oai_testdata import oai_id

from catalogue.services import SYSTEM
from harvesters.oai import HarvestError, OAIHarvester, resource_id_for
from mawarid.cli.harvest import COMMANDS, harvest_oai
from oaipmh.errors import BadArgument, OAIError
from tests.support.cli import cli_runner

OAI_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2025-01-01T00:00:00Z</responseDate>"
    "<request>http://partner.example/oai</request>"
)


def test_harvest_creates_drafts_once(source, target):
    runtime = target.extensions["mawarid"]
    base = source.url + "/oai"
    harvester = OAIHarvester(base, resources=runtime.resources, actor=SYSTEM)
    report = harvester.harvest()
    corpus = source.corpus
    live = [r for r in corpus.published if r not in corpus.withdrawn]
    assert report.seen == len(corpus.published)
    assert report.deleted_skipped == len(corpus.withdrawn)
    assert report.failed == []
    assert sorted(report.created) == sorted(resource_id_for(base, oai_id(r)) for r in live)
    for rid in report.created:
        view = runtime.resources.get(rid)
        assert view.status == "draft", "harvested records wait for validation"
        ids = view.record["general"]["identifier"]
        assert any(i["catalog"] == "oai" and i["entry"].startswith("oai:") for i in ids)
        assert view.record["general"]["title"]["ar"].startswith("الكسور")
    # Harvesting again creates nothing new.
    again = OAIHarvester(base, resources=runtime.resources, actor=SYSTEM).harvest()
    assert again.created == [] and sorted(again.already_present) == sorted(report.created)


def test_harvest_by_set_and_limit(source, target):
    runtime = target.extensions["mawarid"]
    harvester = OAIHarvester(source.url + "/oai", resources=runtime.resources, actor=SYSTEM)
    report = harvester.harvest(set="collection:achat")
    assert report.created and report.seen < len(source.corpus.published)
    for rid in report.created:
        assert runtime.resources.get(rid).status == "draft"
    limited = OAIHarvester(source.url + "/oai", resources=runtime.resources, actor=SYSTEM).harvest(
        limit=2
    )
    assert limited.seen == 2


def test_no_records_match_is_an_empty_harvest(source, target):
    runtime = target.extensions["mawarid"]
    report = OAIHarvester(source.url + "/oai", resources=runtime.resources, actor=SYSTEM).harvest(
        since="2099-01-01"
    )
    assert report.seen == 0 and report.created == []


def test_partner_errors_are_oai_errors(source, target):
    runtime = target.extensions["mawarid"]
    harvester = OAIHarvester(
        source.url + "/oai",
        resources=runtime.resources,
        actor=SYSTEM,
        metadata_prefix="not a prefix",
    )
    with pytest.raises(BadArgument):
        harvester.harvest()
    harvester = OAIHarvester(
        source.url + "/oai", resources=runtime.resources, actor=SYSTEM, metadata_prefix="marc21"
    )
    with pytest.raises(OAIError) as caught:
        harvester.harvest()
    assert caught.value.code == "cannotDisseminateFormat"


def test_invalid_partner_record_is_reported_and_skipped(make_partner, target):
    bad = (
        "<record><header><identifier>oai:partner.example:1</identifier>"
        "<datestamp>2025-01-01</datestamp></header><metadata>"
        '<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><language>fr</language></general>'
        "</lom></metadata></record>"
    )
    good = (
        "<record><header><identifier>oai:partner.example:2</identifier>"
        "<datestamp>2025-01-01</datestamp></header><metadata>"
        '<lom xmlns="http://ltsc.ieee.org/xsd/LOM"><general><title>'
        '<string language="ar">درس في الهندسة</string><string language="fr">Géométrie</string>'
        "</title></general></lom></metadata></record>"
    )
    url = make_partner(
        lambda args: (OAI_OPEN + "<ListRecords>" + bad + good + "</ListRecords></OAI-PMH>").encode()
    )
    runtime = target.extensions["mawarid"]
    report = OAIHarvester(url, resources=runtime.resources, actor=SYSTEM).harvest()
    assert report.seen == 2
    assert [i for i, _ in report.failed] == ["oai:partner.example:1"]
    assert "title" in report.failed[0][1]
    assert len(report.created) == 1
    record = runtime.resources.get(report.created[0]).record
    assert record["general"]["title"] == {"ar": "درس في الهندسة", "fr": "Géométrie"}


def test_hostile_partner_xml_is_refused(make_partner, target):
    evil = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>&e;'
        "</ListRecords></OAI-PMH>"
    )
    url = make_partner(lambda args: evil.encode())
    runtime = target.extensions["mawarid"]
    with pytest.raises(HarvestError, match="safely"):
        OAIHarvester(url, resources=runtime.resources, actor=SYSTEM).harvest()
    assert runtime.resources.count() == 0


def test_an_actor_who_may_not_create_is_refused_before_harvesting(source, target):
    from catalogue.errors import PermissionDenied
    from catalogue.services import Actor

    runtime = target.extensions["mawarid"]
    validator = Actor("validator1", frozenset({"validator"}), frozenset({"validation"}))
    with pytest.raises(PermissionDenied):
        OAIHarvester(source.url + "/oai", resources=runtime.resources, actor=validator).harvest()
    assert runtime.resources.count() == 0


def test_unreachable_partner(target):
    runtime = target.extensions["mawarid"]
    harvester = OAIHarvester(
        "http://127.0.0.1:9/oai", resources=runtime.resources, actor=SYSTEM, timeout=2
    )
    with pytest.raises(HarvestError):
        harvester.harvest()


def test_cli_command(source, target):
    assert harvest_oai in COMMANDS
    runner = cli_runner(target)
    result = runner.invoke(harvest_oai, [source.url + "/oai", "--set", "subject:svt"])
    assert result.exit_code == 0, result.output
    assert '"created"' in result.output
    bad = runner.invoke(harvest_oai, [source.url + "/oai", "--prefix", "marc21"])
    assert bad.exit_code != 0 and "cannotDisseminateFormat" in bad.output


def test_cli_records_the_partnership_as_acquisition(source, target):
    import json

    runner = cli_runner(target)
    result = runner.invoke(
        harvest_oai,
        [
            source.url + "/oai",
            "--limit",
            "3",
            "--mode",
            "cooperation",
            "--reference",
            "Convention 4/2025",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["created"] >= 1
    resources = target.extensions["mawarid"].resources
    drafts = resources.list(status="draft").items
    assert len(drafts) == report["created"]
    view = resources.get(drafts[0].id)
    assert view.acquisition["mode"] == "cooperation"
    assert view.acquisition["reference"] == "Convention 4/2025"
    bad_mode = runner.invoke(harvest_oai, [source.url + "/oai", "--mode", "vol"])
    assert bad_mode.exit_code != 0 and "--mode" in bad_mode.output
    unknown = runner.invoke(harvest_oai, [source.url + "/oai", "--user", "nobody"])
    assert unknown.exit_code != 0 and "nobody" in unknown.output
