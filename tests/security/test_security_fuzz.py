"""Point 1 (property-based): arbitrary query strings on /search, /api/search and /oai.

Keys are drawn from the documented parameters plus junk; values from any Unicode
text or any bytes (sent percent-encoded, so lone surrogates and invalid UTF-8 get
through to the app). The answer is never a 500, never a stack trace, never the
payload raw in HTML, and the JSON API keeps its documented error shape.
"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_support import XSS, fetch, problems

SEARCH_KEYS = [
    "q",
    "level",
    "subject",
    "type",
    "language",
    "format",
    "licence",
    "cycle",
    "acquisition_mode",
    "publisher",
    "year",
    "page",
    "size",
    "sort",
    "lang",
    "fmt",
]
OAI_KEYS = ["verb", "metadataPrefix", "identifier", "set", "from", "until", "resumptionToken"]
SPECIAL = [
    "",
    "-1",
    "0",
    "99999999999999999999",
    "100000",
    "__class__",
    "xx",
    XSS,
    "title:* OR (",
    "' OR 1=1 --",
    "\u202e",
    "ⵜⴰⵎⴰⵣⵉⵖⵜ",
    "الكسور",
    "*",
    "1ac",
    "relevance",
    "ListRecords",
    "GetRecord",
    "oai_dc",
    "oai_lom",
    "2025-01-01",
    "2025-13-45T99:00:00Z",
    "level:college",
    "oai:mawarid.men.gov.ma:../../etc/passwd",
]


def _encoded_value():
    text = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=60))
    return st.one_of(
        text.map(lambda t: quote(t, safe="")),
        st.binary(max_size=40).map(lambda b: quote(b, safe="")),
        st.just("x" * 6000),
    )


def _query(keys):
    key = st.one_of(st.sampled_from(keys), st.text(max_size=12).map(lambda t: quote(t, safe="")))
    pair = st.tuples(key, _encoded_value())
    return st.lists(pair, max_size=8).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _assert_clean(client, url, *, json_route=False):
    response, error = fetch(client, "GET", url)
    assert error is None, f"GET {url[:200]} → {error}"
    found = problems(response)
    if json_route and not response.is_json:
        found.append(f"answered {response.mimetype}")
    assert not found, f"GET {url[:200]} → {response.status_code}: {found}"
    return response


@FUZZ
@given(query=_query(SEARCH_KEYS))
def test_search_page_survives_any_query(client, query):
    _assert_clean(client, "/search?" + query)


@FUZZ
@given(query=_query(SEARCH_KEYS))
def test_api_search_survives_any_query(client, query):
    response = _assert_clean(client, "/api/search?" + query, json_route=True)
    if response.status_code == 200:
        data = response.get_json()
        assert isinstance(data.get("total"), int) and isinstance(data.get("hits"), list)


@FUZZ
@given(query=_query(OAI_KEYS))
def test_oai_survives_any_query(client, query):
    for method in ("GET", "POST"):
        if method == "GET":
            response, error = fetch(client, "GET", "/oai?" + query)
        else:
            response, error = fetch(
                client, "POST", "/oai", data=query, content_type="application/x-www-form-urlencoded"
            )
        assert error is None, f"{method} /oai {query[:200]} → {error}"
        assert response.status_code < 500, (method, query[:200], response.status_code)
        body = response.get_data(as_text=True)
        assert "Traceback" not in body
        assert response.mimetype in ("text/xml", "application/xml"), response.mimetype
        # OAI-PMH answers every request, errors included, with an XML document
        assert "<OAI-PMH" in body and XSS not in body
