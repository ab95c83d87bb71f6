"""Whatever the arguments, the answer is a schema-valid OAI-PMH document (never a 500)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from oai_testdata import OAI

from tests.support.xsd import oai_pmh_schema, validation_errors

KEYS = st.sampled_from(
    ["verb", "metadataPrefix", "identifier", "set", "from", "until", "resumptionToken", "foo"]
) | st.text(max_size=12)
VERBS = st.sampled_from(
    ["Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers", "ListRecords"]
)
VALUES = st.text(max_size=80) | st.sampled_from(
    [
        "oai_dc",
        "oai_lom",
        "scolomfr",
        "level:primaire",
        "2025-03-01",
        "2025-03-01T00:00:00Z",
        "oai:mawarid.test.ma:x",
        "level",
    ]
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(verb=VERBS, pairs=st.lists(st.tuples(KEYS, VALUES), max_size=4))
def test_any_arguments_give_a_valid_response(provider, verb, pairs):
    reply = provider.respond([("verb", verb), *pairs])
    try:
        data = b"".join(reply.chunks)
    finally:
        reply.close()
    root = etree.fromstring(data)
    # ScoLOMFR records use the LOM namespace with the profile's own elements (label…):
    # the response is validated with the ScoLOMFR schema when it carries them.
    scolomfr = root.find(f"{OAI}request").get("metadataPrefix") == "scolomfr"
    schema = oai_pmh_schema("scolomfr-3.1" if scolomfr else "loose")
    assert validation_errors(schema, root) == []
    error = root.find(f"{OAI}error")
    if error is not None:
        assert error.text, "every error explains itself"
