"""Argument checking, the echo rules, hostile input and POST (spec 3.1, 3.2, 3.6)."""

from __future__ import annotations

import pytest
from lxml import etree
from oai_testdata import OAI, error_code, identifiers, request_echo

from core.messages import use_language
from oaipmh.errors import BY_CODE, BadArgument, BadVerb, OAIError
from portal.oai.arguments import date_range, parse_request


@pytest.mark.parametrize(
    "pairs, code",
    [
        ([], "badVerb"),  # no verb
        ([("verb", "")], "badVerb"),
        ([("verb", "identify")], "badVerb"),  # verbs are case-sensitive
        ([("verb", "Identify"), ("verb", "Identify")], "badVerb"),  # repeated verb
        ([("verb", "Identify"), ("verb", "ListSets")], "badVerb"),
        (
            [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")],
            "badArgument",
        ),  # repeated argument
        ([("verb", "ListRecords")], "badArgument"),  # missing metadataPrefix
        ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("foo", "bar")], "badArgument"),
        ([("verb", "ListRecords"), ("metadataPrefix", "")], "badArgument"),
        ([("verb", "ListSets"), ("set", "level")], "badArgument"),
        ([("verb", "ListMetadataFormats"), ("identifier", "not a uri")], "badArgument"),
    ],
)
def test_bad_verbs_and_arguments(oai, pairs, code):
    root = oai(pairs=pairs)
    assert error_code(root) == code
    assert request_echo(root) == {}, "badVerb/badArgument: base URL only, no attributes"
    assert root.find(f"{OAI}request").text.endswith("/oai")


@pytest.mark.parametrize(
    "value",
    [
        "x" * 10_000,  # huge
        "oai:mawarid.test.ma:\u0000abc",  # NUL
        "oai:mawarid.test.ma:\x01",  # control character XML cannot carry
        "oai:mawarid.test.ma:عربي",  # Unicode: not a URI
        'oai:x:"><injected/>',  # markup
        "oai:x:%zz",
    ],
)
def test_hostile_identifiers_never_break_the_response(oai, value):
    root = oai(verb="GetRecord", identifier=value, metadataPrefix="oai_dc")
    assert error_code(root) in {"badArgument", "idDoesNotExist"}
    if error_code(root) == "badArgument":
        assert request_echo(root) == {}


@pytest.mark.parametrize(
    "value", ["\U0001f600" * 50, "ⵜⴰⵎⴰⵣⵉⵖⵜ", "<resumptionToken/>", "a&b", "x" * 3000]
)
def test_hostile_tokens_never_break_the_response(oai, value):
    root = oai(verb="ListIdentifiers", resumptionToken=value)
    assert error_code(root) in {"badResumptionToken", "badArgument"}


def test_unicode_verb_and_keys(oai):
    assert error_code(oai(verb="ListRecordsé")) == "badVerb"
    root = oai(pairs=[("verb", "Identify"), ("ⵣ", "1")])
    assert error_code(root) == "badArgument"
    assert "ⵣ" in root.find(f"{OAI}error").text


def test_post_is_equivalent_to_get(oai, corpus):
    get = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="subject:mathematiques")
    post = oai("POST", verb="ListIdentifiers", metadataPrefix="oai_dc", set="subject:mathematiques")
    assert identifiers(post) == identifiers(get)
    assert request_echo(post) == request_echo(get)
    token = post.find(f".//{OAI}resumptionToken")
    if token is not None and token.text:
        nxt = oai("POST", verb="ListIdentifiers", resumptionToken=token.text)
        assert error_code(nxt) is None
    assert error_code(oai("POST", verb="Nope")) == "badVerb"


def test_post_needs_no_csrf_token_nor_session(oai_app):
    client = oai_app.test_client()
    response = client.post("/oai", data={"verb": "Identify"})
    assert response.status_code == 200
    assert b"<Identify>" in response.data


def test_huge_post_body_is_a_bad_argument(oai_app):
    client = oai_app.test_client()
    response = client.post("/oai", data={"verb": "Identify", "x": "y" * 2_000_000})
    assert response.status_code == 200
    root = etree.fromstring(response.data)
    assert error_code(root) == "badArgument"


def test_errors_are_xml_with_http_200(oai_app):
    response = oai_app.test_client().get("/oai")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"


# Unit level: the verb table and the date rules --------------------------------


def test_every_error_class_has_its_code_and_the_spec_definition():
    assert set(BY_CODE) == {
        "badArgument",
        "badResumptionToken",
        "badVerb",
        "cannotDisseminateFormat",
        "idDoesNotExist",
        "noRecordsMatch",
        "noMetadataFormats",
        "noSetHierarchy",
    }
    for code, cls in BY_CODE.items():
        assert issubclass(cls, OAIError) and cls.code == code and cls.__doc__
        assert cls().text, "a default message from the definition"


def test_parse_request_accepts_each_verb():
    assert parse_request([("verb", "Identify")]).verb == "Identify"
    req = parse_request(
        [
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_lom"),
            ("set", "level:primaire"),
            ("from", "2025-01-01"),
        ]
    )
    assert req.args == {"metadataPrefix": "oai_lom", "set": "level:primaire", "from": "2025-01-01"}
    with pytest.raises(BadVerb):
        parse_request([("metadataPrefix", "oai_dc")])
    with use_language("en"), pytest.raises(BadArgument, match="exclusive"):
        parse_request([("verb", "ListRecords"), ("resumptionToken", "x"), ("set", "a")])


def test_date_range_rules():
    low, high = date_range("2025-01-01", "2025-01-31")
    assert (low.isoformat(), high.isoformat()) == ("2025-01-01T00:00:00", "2025-01-31T23:59:59")
    low, high = date_range("2025-01-01T10:00:00Z", None)
    assert low.isoformat() == "2025-01-01T10:00:00" and high is None
    assert date_range(None, "9999-12-31")[1].isoformat() == "9999-12-31T23:59:59"
    assert date_range("0001-01-01", None)[0].year == 1
    with use_language("en"), pytest.raises(BadArgument, match="granularit"):
        date_range("2025-01-01", "2025-01-02T00:00:00Z")
    with use_language("en"), pytest.raises(BadArgument, match="later"):
        date_range("2025-01-02T00:00:01Z", "2025-01-02T00:00:00Z")


def test_error_messages_are_english_in_responses_and_translated_for_staff():
    with pytest.raises(BadArgument) as caught:
        date_range("2025-01-02T00:00:01Z", "2025-01-02T00:00:00Z")
    error = caught.value
    assert error.text == "from (2025-01-02T00:00:01Z) is later than until (2025-01-02T00:00:00Z)"
    assert "postérieur" in error.message("fr") and "لاحق" in error.message("ar")
