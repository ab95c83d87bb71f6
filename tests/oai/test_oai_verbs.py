"""Identify, ListMetadataFormats, ListSets and GetRecord, each response XSD-validated."""

from __future__ import annotations

from datetime import UTC, datetime

from oai_testdata import BASE_URL, NS, OAI, REPOSITORY_ID, error_code, oai_id, request_echo

from tests.support.xsd import assert_valid, lom_loose_schema, oai_dc_schema


def test_identify(oai, corpus):
    root = oai(verb="Identify")
    ident = root.find(f"{OAI}Identify")
    text = {child.tag.removeprefix(OAI): child.text for child in ident if child.text}
    assert text["baseURL"] == BASE_URL + "/oai"
    assert text["protocolVersion"] == "2.0"
    assert text["adminEmail"] == "lnrn@men.gov.ma"
    assert text["deletedRecord"] == "persistent"
    assert text["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
    # The earliest datestamp is the oldest record's (the corpus was backdated to 2025-03-01).
    assert text["earliestDatestamp"] == "2025-03-01T00:00:00Z"
    oai_identifier = ident.find(
        ".//{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier"
    )
    assert oai_identifier.text == REPOSITORY_ID
    sample = ident.find(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}sampleIdentifier")
    assert sample.text.startswith(f"oai:{REPOSITORY_ID}:")
    titles = {
        t.get("{http://www.w3.org/XML/1998/namespace}lang"): t.text
        for t in ident.iterfind(".//dc:title", NS)
    }
    assert titles["ar"].startswith("موارد") and titles["fr"].startswith("Mawarid")
    response_date = datetime.strptime(root.find(f"{OAI}responseDate").text, "%Y-%m-%dT%H:%M:%SZ")
    assert abs((response_date - datetime.now(UTC).replace(tzinfo=None)).total_seconds()) < 60
    assert request_echo(root) == {"verb": "Identify"}


def test_identify_refuses_arguments(oai):
    root = oai(verb="Identify", metadataPrefix="oai_dc")
    assert error_code(root) == "badArgument"
    assert request_echo(root) == {}, "no attributes are echoed after badArgument"


def test_list_metadata_formats(oai, corpus):
    root = oai(verb="ListMetadataFormats")
    prefixes = [e.text for e in root.iterfind(f".//{OAI}metadataPrefix")]
    assert prefixes[:2] == ["oai_dc", "oai_lom"]
    namespaces = {
        e.find(f"{OAI}metadataPrefix").text: e.find(f"{OAI}metadataNamespace").text
        for e in root.iterfind(f".//{OAI}metadataFormat")
    }
    assert namespaces["oai_lom"] == "http://ltsc.ieee.org/xsd/LOM"
    assert namespaces["oai_dc"] == "http://www.openarchives.org/OAI/2.0/oai_dc/"

    item = oai(verb="ListMetadataFormats", identifier=oai_id(corpus.published[0]))
    assert {"oai_dc", "oai_lom"} <= {e.text for e in item.iterfind(f".//{OAI}metadataPrefix")}
    assert request_echo(item) == {
        "verb": "ListMetadataFormats",
        "identifier": oai_id(corpus.published[0]),
    }


def test_list_metadata_formats_unknown_identifier(oai, corpus):
    for identifier in (
        oai_id("nope-404"),
        oai_id(corpus.unpublished[0]),
        "oai:other.repository.org:" + corpus.published[0],
    ):
        root = oai(verb="ListMetadataFormats", identifier=identifier)
        assert error_code(root) == "idDoesNotExist", identifier
        # idDoesNotExist is not badArgument: the request is echoed with its attributes.
        assert request_echo(root)["identifier"] == identifier


def test_list_sets(oai, oai_app):
    root = oai(verb="ListSets")
    sets = {s.find(f"{OAI}setSpec").text: s for s in root.iterfind(f".//{OAI}set")}
    for spec in (
        "level",
        "level:primaire",
        "level:primaire:1ap",
        "level:secondaire-qualifiant:1bac:1bac-sm",
        "subject",
        "subject:mathematiques",
        "collection",
        "collection:achat",
        "collection:don",
    ):
        assert spec in sets, spec
    one = sets["level:secondaire-collegial:1ac"]
    assert one.find(f"{OAI}setName").text.startswith("1") or one.find(f"{OAI}setName").text
    titles = {
        t.get("{http://www.w3.org/XML/1998/namespace}lang"): t.text
        for t in one.iterfind(".//dc:title", NS)
    }
    assert titles.keys() >= {"fr", "ar"}
    assert any("\u0600" <= ch <= "\u06ff" for ch in titles["ar"]), "Arabic title in Arabic"
    # Every set description is a valid oai_dc record.
    for s in sets.values():
        assert_valid(oai_dc_schema(), s.find(f"{OAI}setDescription")[0])


def test_list_sets_with_a_resumption_token_is_refused(oai):
    root = oai(verb="ListSets", resumptionToken="abc")
    assert error_code(root) == "badResumptionToken"
    assert request_echo(root) == {"verb": "ListSets", "resumptionToken": "abc"}


def test_get_record_in_both_formats(oai, corpus):
    rid = corpus.published[0]
    dc = oai(verb="GetRecord", identifier=oai_id(rid), metadataPrefix="oai_dc")
    header = dc.find(f".//{OAI}header")
    assert header.get("status") is None
    assert header.find(f"{OAI}identifier").text == oai_id(rid)
    assert header.find(f"{OAI}datestamp").text == "2025-03-01T00:00:00Z"
    specs = {e.text for e in header.iterfind(f"{OAI}setSpec")}
    assert {
        "level",
        "level:primaire",
        "level:primaire:1ap",
        "subject:mathematiques",
        "collection:achat",
    } <= specs
    metadata = dc.find(f".//{OAI}metadata")[0]
    assert_valid(oai_dc_schema(), metadata)
    titles = [t.text for t in metadata.iterfind("dc:title", NS)]
    assert "الكسور، الدرس 0" in titles

    lom = oai(verb="GetRecord", identifier=oai_id(rid), metadataPrefix="oai_lom")
    element = lom.find(f".//{OAI}metadata")[0]
    assert element.tag == "{http://ltsc.ieee.org/xsd/LOM}lom"
    assert_valid(lom_loose_schema(), element)
    strings = [s.text for s in element.iterfind("lom:general/lom:title/lom:string", NS)]
    assert "Les fractions, leçon 0" in strings


def test_get_record_escapes_text_from_the_record(oai, corpus):
    root = oai(verb="GetRecord", identifier=oai_id(corpus.published[0]), metadataPrefix="oai_dc")
    descriptions = [d.text for d in root.iterfind(".//dc:description", NS)]
    assert "Exercices « corrigés » & fiches <élève>." in descriptions


def test_get_record_of_a_withdrawn_resource_is_a_deleted_header(oai, corpus):
    rid = corpus.withdrawn[0]
    for prefix in ("oai_dc", "oai_lom"):
        root = oai(verb="GetRecord", identifier=oai_id(rid), metadataPrefix=prefix)
        header = root.find(f".//{OAI}header")
        assert header.get("status") == "deleted"
        assert root.find(f".//{OAI}metadata") is None


def test_get_record_errors(oai, corpus):
    rid = corpus.published[0]
    cases = [
        ({"identifier": oai_id(rid), "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        ({"identifier": oai_id("unknown-1"), "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        (
            {"identifier": oai_id(corpus.unpublished[1]), "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"identifier": oai_id(rid)}, "badArgument"),
        ({"metadataPrefix": "oai_dc"}, "badArgument"),
        ({"identifier": oai_id(rid), "metadataPrefix": "oai_dc", "set": "level"}, "badArgument"),
    ]
    for args, code in cases:
        root = oai(verb="GetRecord", **args)
        assert error_code(root) == code, args
        echo = request_echo(root)
        if code == "badArgument":
            assert echo == {}
        else:
            assert echo == {"verb": "GetRecord", **args}


def test_get_record_counts_one_oai_usage_event(oai, oai_app, corpus):
    usage = oai_app.extensions["mawarid"].diffusion.usage
    before = usage.stats["recorded"]
    oai(verb="GetRecord", identifier=oai_id(corpus.published[0]), metadataPrefix="oai_dc")
    assert usage.stats["recorded"] == before + 1
    oai(verb="ListIdentifiers", metadataPrefix="oai_dc")  # lists record none
    oai(verb="GetRecord", identifier=oai_id(corpus.withdrawn[0]), metadataPrefix="oai_dc")
    assert usage.stats["recorded"] == before + 1


def test_an_empty_repository(tmp_path):
    from oai_testdata import OAIClient, make_app, runtime_of

    app = make_app(tmp_path / "empty")
    oai = OAIClient(app.test_client())
    identify = oai(verb="Identify")
    assert identify.find(f".//{OAI}earliestDatestamp").text == "2020-01-01T00:00:00Z"
    assert error_code(oai(verb="ListRecords", metadataPrefix="oai_dc")) == "noRecordsMatch"
    assert error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_lom")) == "noRecordsMatch"
    assert error_code(oai(verb="ListSets")) is None
    runtime_of(app).close()
