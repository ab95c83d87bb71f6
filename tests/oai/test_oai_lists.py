"""ListRecords / ListIdentifiers: paging, tokens, dates, sets, deleted records."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from oai_testdata import OAI, error_code, harvest, identifiers, oai_id, request_echo, token_of

from tests.support.xsd import assert_valid, lom_loose_schema, oai_dc_schema


def expected_ids(corpus) -> set[str]:
    return {oai_id(r) for r in corpus.published}


def in_range(corpus, low: str, high: str) -> list[str]:
    """Published, not withdrawn, stamped within [low, high] (ISO text), in list order."""
    rows = sorted(
        (corpus.datestamps[r].isoformat(), oai_id(r))
        for r in corpus.published
        if r not in corpus.withdrawn
    )
    return [i for stamp, i in rows if low <= stamp <= high]


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
@pytest.mark.parametrize("prefix", ["oai_dc", "oai_lom"])
def test_full_list_is_the_published_catalogue(oai, corpus, verb, prefix):
    headers, tokens = harvest(oai, verb, metadataPrefix=prefix)
    ids = [h.find(f"{OAI}identifier").text for h in headers]
    assert len(ids) == len(set(ids)), "no record repeated"
    assert set(ids) == expected_ids(corpus), "published + withdrawn, no draft"
    deleted = {h.find(f"{OAI}identifier").text for h in headers if h.get("status") == "deleted"}
    assert deleted == {oai_id(r) for r in corpus.withdrawn}
    stamps = [(h.find(f"{OAI}datestamp").text, h.find(f"{OAI}identifier").text) for h in headers]
    assert stamps == sorted(stamps), "in (datestamp, identifier) order"
    page = 5 if verb == "ListRecords" else 7
    # Every token but the last carries a value; the cursor counts the records sent before.
    total = len(corpus.published)
    for n, token in enumerate(tokens):
        assert token.get("completeListSize") == str(total)
        assert token.get("cursor") == str(n * page)
    assert all(t.text for t in tokens[:-1]) and all(t.get("expirationDate") for t in tokens[:-1])
    assert not tokens[-1].text and tokens[-1].get("expirationDate") is None


def pages(oai, **args):
    """Every response of a ListRecords harvest."""
    root = oai(verb="ListRecords", **args)
    while True:
        yield root
        token = token_of(root)
        if token is None or not token.text:
            return
        root = oai(verb="ListRecords", resumptionToken=token.text)


def test_every_record_carries_valid_metadata(oai, corpus):
    checked = 0
    for root in pages(oai, metadataPrefix="oai_lom"):
        for record in root.iterfind(f".//{OAI}record"):
            if record.find(f"{OAI}header").get("status") == "deleted":
                assert record.find(f"{OAI}metadata") is None
                continue
            assert_valid(lom_loose_schema(), record.find(f"{OAI}metadata")[0])
            checked += 1
    assert checked == len(corpus.published) - len(corpus.withdrawn)
    for root in pages(oai, metadataPrefix="oai_dc"):
        for metadata in root.iterfind(f".//{OAI}metadata"):
            assert_valid(oai_dc_schema(), metadata[0])


def test_expiration_date_is_in_the_future(oai):
    token = token_of(oai(verb="ListRecords", metadataPrefix="oai_dc"))
    expires = datetime.strptime(token.get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ")
    assert expires > datetime.now(UTC).replace(tzinfo=None)


def test_a_list_on_one_page_has_no_token(oai, corpus):
    root = oai(
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        set="collection:don",
        **{"from": "2025-03-01", "until": "2025-03-02"},
    )
    assert error_code(root) is None
    assert 0 < len(identifiers(root)) <= 7
    assert token_of(root) is None


def test_last_page_when_the_total_is_an_exact_multiple(oai, corpus):
    # Records 0 and 3..11 (1 and 2 were withdrawn) = exactly two ListRecords pages of 5.
    args = {"from": "2025-03-01T00:00:00Z", "until": "2025-03-02T09:00:00Z"}
    expected = in_range(corpus, "2025-03-01T00:00:00", "2025-03-02T09:00:00")
    assert len(expected) == 10
    first = oai(verb="ListRecords", metadataPrefix="oai_dc", **args)
    assert identifiers(first) == expected[:5] and token_of(first).text
    second = oai(verb="ListRecords", resumptionToken=token_of(first).text)
    assert identifiers(second) == expected[5:]
    last = token_of(second)
    assert last is not None, "the last page carries an (empty) resumptionToken"
    assert not last.text
    assert last.get("completeListSize") == "10" and last.get("cursor") == "5"
    # An echo of the token request lists the verb and the token only.
    assert request_echo(second) == {"verb": "ListRecords", "resumptionToken": token_of(first).text}


def test_from_and_until_are_inclusive(oai, corpus):
    # Record i is stamped EPOCH + 3i hours; 2025-03-02 holds records 8..15.
    headers, _ = harvest(
        oai,
        "ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2025-03-02", "until": "2025-03-02"},
    )
    day = in_range(corpus, "2025-03-02T00:00:00", "2025-03-02T23:59:59")
    assert len(day) == 8
    assert [h.find(f"{OAI}identifier").text for h in headers] == day, (
        "from a day starts at 00:00:00, until a day ends at 23:59:59"
    )
    exact = oai(
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2025-03-01T09:00:00Z", "until": "2025-03-01T12:00:00Z"},
    )
    assert identifiers(exact) == [oai_id(r) for r in corpus.published[3:5]], "bounds inclusive"
    since = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2025-03-03T12:00:00Z"})
    stamps = [d.text for d in since.iterfind(f".//{OAI}datestamp")]
    assert stamps and all(s >= "2025-03-03T12:00:00Z" for s in stamps)


def test_withdrawn_records_come_in_an_incremental_harvest(oai, corpus):
    # They were withdrawn after the backdated publication: stamped "now".
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    headers, _ = harvest(oai, "ListIdentifiers", metadataPrefix="oai_lom", **{"from": yesterday})
    deleted = {h.find(f"{OAI}identifier").text for h in headers if h.get("status") == "deleted"}
    assert deleted == {oai_id(r) for r in corpus.withdrawn}


@pytest.mark.parametrize(
    "spec, check",
    [
        ("level:primaire", lambda s: "level:primaire" in s),
        ("level:primaire:1ap", lambda s: "level:primaire:1ap" in s),
        ("level:secondaire-qualifiant", lambda s: "level:secondaire-qualifiant" in s),
        ("level", lambda s: "level" in s),
        ("subject:svt", lambda s: "subject:svt" in s),
        ("collection:don", lambda s: "collection:don" in s),
    ],
)
def test_selective_harvest_by_set(oai, corpus, spec, check):
    headers, _ = harvest(oai, "ListIdentifiers", metadataPrefix="oai_dc", set=spec)
    assert headers
    for header in headers:
        assert check({e.text for e in header.iterfind(f"{OAI}setSpec")})
    # Nothing outside the set is missing: compare with a full list filtered locally.
    everything, _ = harvest(oai, "ListIdentifiers", metadataPrefix="oai_dc")
    inside = [
        h.find(f"{OAI}identifier").text
        for h in everything
        if check({e.text for e in h.iterfind(f"{OAI}setSpec")})
    ]
    assert [h.find(f"{OAI}identifier").text for h in headers] == inside


def test_no_records_match(oai):
    for args in (
        {"set": "subject:philosophie"},
        {"set": "no-such-set"},
        {"set": "LEVEL"},
        {"set": "level:prim"},
        {"set": "level:primaire_"},
        {"from": "2030-01-01"},
        {"until": "2001-01-01"},
    ):
        root = oai(verb="ListRecords", metadataPrefix="oai_dc", **args)
        assert error_code(root) == "noRecordsMatch", args
        assert request_echo(root) == {"verb": "ListRecords", "metadataPrefix": "oai_dc", **args}


def test_cannot_disseminate_format(oai):
    root = oai(verb="ListIdentifiers", metadataPrefix="marcxml")
    assert error_code(root) == "cannotDisseminateFormat"
    assert request_echo(root) == {"verb": "ListIdentifiers", "metadataPrefix": "marcxml"}


@pytest.mark.parametrize(
    "args",
    [
        {"from": "2025-03-01", "until": "2025-03-02T00:00:00Z"},  # mixed granularities
        {"from": "2025-03-02", "until": "2025-03-01"},  # from > until
        {"from": "2025-02-30"},  # no such day
        {"from": "2025-03-01T00:00:00.5Z"},  # finer than seconds
        {"from": "2025-03-01T00:00:00+01:00"},  # not UTC
        {"until": "01/03/2025"},
        {"set": "level::1ap"},  # not a setSpec
        {"metadataPrefix": "oai dc"},
    ],
)
def test_bad_list_arguments(oai, args):
    params = {"metadataPrefix": "oai_dc", **args}
    root = oai(verb="ListRecords", **params)
    assert error_code(root) == "badArgument", args
    assert request_echo(root) == {}


def test_resumption_token_is_exclusive(oai):
    token = token_of(oai(verb="ListRecords", metadataPrefix="oai_dc")).text
    root = oai(verb="ListRecords", resumptionToken=token, metadataPrefix="oai_dc")
    assert error_code(root) == "badArgument"


def test_tampered_and_foreign_tokens_are_refused(oai, oai_app):
    token = token_of(oai(verb="ListRecords", metadataPrefix="oai_dc")).text
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    from portal.oai.tokens import ResumptionState, TokenCodec

    state = ResumptionState(
        "ListRecords", "oai_dc", None, None, None, "2025-03-01T00:00:00Z", "oai:x:y", 5, 23
    )
    foreign, _ = TokenCodec("another-instance-secret").dumps(state)
    for bad in (flipped, foreign, "not-a-token", token + "x", "é" * 40):
        root = oai(verb="ListRecords", resumptionToken=bad)
        assert error_code(root) == "badResumptionToken", bad
        assert request_echo(root) == {"verb": "ListRecords", "resumptionToken": bad}
    # A ListIdentifiers token does not continue a ListRecords list.
    ids_token = token_of(oai(verb="ListIdentifiers", metadataPrefix="oai_dc")).text
    assert error_code(oai(verb="ListRecords", resumptionToken=ids_token)) == "badResumptionToken"


def test_expired_token_is_refused(oai, oai_app):
    from oaipmh.dates import stamp
    from portal.oai.tokens import DEFAULT_TTL, ResumptionState, TokenCodec

    codec = TokenCodec(oai_app.config["SECRET_KEY"])
    state = ResumptionState(
        "ListRecords", "oai_dc", None, None, None, "2025-03-01T00:00:00Z", "oai:x:y", 5, 23
    )
    fresh, _ = codec.dumps(state)
    assert error_code(oai(verb="ListRecords", resumptionToken=fresh)) is None
    old, expires = codec.dumps(state, now=time.time() - DEFAULT_TTL - 5)
    root = oai(verb="ListRecords", resumptionToken=old)
    assert error_code(root) == "badResumptionToken"
    message = root.find(f"{OAI}error").text
    assert "expired" in message and stamp(expires) in message


def test_token_keeps_the_set_and_dates(oai, corpus):
    args = {"set": "level", "from": "2025-03-01", "until": "2025-03-03"}
    headers, tokens = harvest(oai, "ListIdentifiers", metadataPrefix="oai_dc", **args)
    assert len(tokens) > 1, "more than one page"
    for header in headers:
        assert "2025-03-01" <= header.find(f"{OAI}datestamp").text[:10] <= "2025-03-03"


def test_scolomfr_records_are_valid_scolomfr(oai_app, corpus):
    from oai_testdata import OAIClient

    from tests.support.xsd import scolomfr_schema

    oai = OAIClient(oai_app.test_client(), lom="scolomfr-3.1")  # whole responses, ScoLOMFR 3.1
    headers, _ = harvest(oai, metadataPrefix="scolomfr")
    assert {h.find(f"{OAI}identifier").text for h in headers} == expected_ids(corpus)
    root = oai(verb="GetRecord", metadataPrefix="scolomfr", identifier=oai_id(corpus.published[0]))
    metadata = root.find(f".//{OAI}metadata")[0]
    assert metadata.tag == "{http://ltsc.ieee.org/xsd/LOM}lom"
    assert_valid(scolomfr_schema("3.1"), metadata)


def test_signed_token_with_a_wrong_layout_is_refused(oai, oai_app):
    from itsdangerous import URLSafeSerializer

    from portal.oai.tokens import SALT

    signer = URLSafeSerializer(oai_app.config["SECRET_KEY"], salt=SALT)
    for payload in (
        ["ListRecords"],
        ["ListRecords", "oai_dc", None, None, None, "yesterday", "x", 0, 1, int(time.time())],
        {"verb": "ListRecords"},
    ):
        root = oai(verb="ListRecords", resumptionToken=signer.dumps(payload))
        assert error_code(root) == "badResumptionToken", payload


def test_a_resumed_page_is_a_keyset_read_not_an_offset(oai, oai_app):
    from sqlalchemy import event

    engine = oai_app.extensions["mawarid"].catalogue.db.engine
    statements: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, *args):
        statements.append((statement, tuple(parameters)))

    token = token_of(oai(verb="ListRecords", metadataPrefix="oai_dc")).text
    event.listen(engine, "before_cursor_execute", capture)
    try:
        oai(verb="ListRecords", resumptionToken=token)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    reads = [(s, p) for s, p in statements if "FROM oai_item" in s]
    assert len(reads) == 1, "one query per resumed page (no count, no per-record query)"
    sql, parameters = reads[0]
    assert "(oai_item.datestamp, oai_item.identifier) >" in sql
    if "OFFSET" in sql.upper():  # SQLite's dialect spells LIMIT ? OFFSET ? with 0
        assert sql.rstrip().upper().endswith("OFFSET ?") and parameters[-1] == 0
