"""A third-party harvester (Sickle) against the real app served by waitress on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime

import pytest
from oai_testdata import LiveServer, OAIClient, oai_id, publish, token_of
from sickle import Sickle

from tests.support.xsd import assert_valid, lom_loose_schema


@pytest.fixture(scope="module")
def live(oai_app):
    with LiveServer(oai_app) as server:
        yield server


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("prefix", ["oai_dc", "oai_lom"])
def test_sickle_harvests_exactly_the_published_records(live, corpus, prefix, method):
    sickle = Sickle(live.url + "/oai", http_method=method, timeout=30)
    records = list(sickle.ListRecords(metadataPrefix=prefix))
    ids = [r.header.identifier for r in records]
    assert len(ids) == len(set(ids))
    assert set(ids) == {oai_id(r) for r in corpus.published}
    assert {r.header.identifier for r in records if r.deleted} == {
        oai_id(r) for r in corpus.withdrawn
    }
    for record in records:
        if record.deleted:
            continue
        metadata = record.xml.find(".//{http://www.openarchives.org/OAI/2.0/}metadata")[0]
        if prefix == "oai_lom":
            assert_valid(lom_loose_schema(), metadata)
            assert record.metadata["title"] or record.metadata["string"]
        else:
            assert record.metadata["title"]


def test_sickle_identify_sets_and_formats(live, corpus):
    sickle = Sickle(live.url + "/oai", timeout=30)
    identify = sickle.Identify()
    assert identify.baseURL.endswith("/oai") and identify.deletedRecord == "persistent"
    specs = {s.setSpec for s in sickle.ListSets()}
    assert {"level:primaire:1ap", "subject:mathematiques", "collection:achat"} <= specs
    prefixes = {f.metadataPrefix for f in sickle.ListMetadataFormats()}
    assert {"oai_dc", "oai_lom"} <= prefixes
    record = sickle.GetRecord(identifier=oai_id(corpus.published[0]), metadataPrefix="oai_dc")
    assert record.header.identifier == oai_id(corpus.published[0])


def test_sickle_incremental_and_selective(live, corpus):
    sickle = Sickle(live.url + "/oai", timeout=30)
    since = [
        h.identifier
        for h in sickle.ListIdentifiers(metadataPrefix="oai_lom", **{"from": "2025-03-03"})
    ]
    expected = {
        oai_id(r)
        for r, when in corpus.datestamps.items()
        if when >= datetime(2025, 3, 3) or r in corpus.withdrawn
    }
    assert set(since) == expected and len(since) == len(expected)

    in_set = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="level:secondaire-collegial"))
    assert in_set
    for header in in_set:
        assert "level:secondaire-collegial" in header.setSpecs
    everything = list(sickle.ListIdentifiers(metadataPrefix="oai_dc"))
    assert {h.identifier for h in in_set} == {
        h.identifier for h in everything if "level:secondaire-collegial" in h.setSpecs
    }


def test_publishing_during_a_harvest_skips_and_repeats_nothing(tmp_path):
    """Resources published between two pages come after the keyset position, at the end."""
    from oai_testdata import build_corpus, identifiers, make_app, runtime_of

    app = make_app(tmp_path / "home")
    runtime = runtime_of(app)
    corpus = build_corpus(runtime.resources, runtime.catalogue.db, 12)
    oai = OAIClient(app.test_client())
    root = oai(verb="ListRecords", metadataPrefix="oai_dc")
    seen = identifiers(root)
    added = [publish(runtime.resources, 100 + n) for n in range(3)]
    while (token := token_of(root)) is not None and token.text:
        root = oai(verb="ListRecords", resumptionToken=token.text)
        seen += identifiers(root)
        if len(added) < 6:
            added.append(publish(runtime.resources, 200 + len(added)))
    assert len(seen) == len(set(seen)), "nothing repeated"
    original = {oai_id(r) for r in corpus.published}
    assert original <= set(seen), "nothing of the original list skipped"
    assert set(seen) - original <= {oai_id(r) for r in added}
    runtime.close()


def test_records_edited_during_a_harvest_are_not_lost(tmp_path):
    """An edit moves a record to the end of the list: an unseen one is sent once, at its new
    place; one already sent is sent again (it changed), never skipped."""
    from oai_testdata import build_corpus, identifiers, make_app, record, runtime_of

    from catalogue.services import SYSTEM

    app = make_app(tmp_path / "home")
    runtime = runtime_of(app)
    corpus = build_corpus(runtime.resources, runtime.catalogue.db, 12)
    oai = OAIClient(app.test_client())
    root = oai(verb="ListRecords", metadataPrefix="oai_dc")
    seen = identifiers(root)
    first_page = len(seen)
    live = [r for r in corpus.published if r not in corpus.withdrawn]
    already, later = live[0], live[-2]
    assert oai_id(already) in seen and oai_id(later) not in seen
    for rid in (already, later):
        view = runtime.resources.get(rid)
        changed = record(500)
        runtime.resources.update(SYSTEM, rid, changed, expected_version=view.version)
    while (token := token_of(root)) is not None and token.text:
        root = oai(verb="ListRecords", resumptionToken=token.text)
        seen += identifiers(root)
    assert set(seen) == {oai_id(r) for r in corpus.published}, "nothing skipped"
    assert seen.count(oai_id(later)) == 1
    assert seen.count(oai_id(already)) == 2, "sent again after its change"
    assert seen.index(oai_id(already), first_page) >= first_page
    assert len(seen) == len(set(seen)) + 1, "no other repetition"
    runtime.close()
