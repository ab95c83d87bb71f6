"""Hostile and broken input on the public pages and the API: escaped, refused clearly, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portal_corpus import XSS

PAYLOADS = [
    XSS,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</title><script>x</script>",
    "{{7*7}}",
    "' OR 1=1 --",
]


def get_raw(client, path, raw: bytes):
    """GET with exactly these query-string bytes (as a WSGI server would pass them)."""
    return client.get(path, environ_overrides={"QUERY_STRING": raw.decode("latin-1")})


def body(response) -> str:
    return response.get_data(as_text=True)


def assert_no_raw_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "</title><script>" not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_the_query_are_escaped(public_client, payload):
    for url in (
        f"/search?q={quote(payload)}",
        f"/?q={quote(payload)}",
        f"/search?q={quote(payload)}&lang=ar",
    ):
        response = public_client.get(url)
        assert response.status_code == 200, url
        assert_no_raw_markup(body(response))
    assert "49" not in body(public_client.get("/search?q=%7B%7B7*7%7D%7D")).split("<main")[1][:200]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_facets_sort_and_lang_are_refused_escaped(public_client, payload):
    for name in ("level", "subject", "type", "format", "publisher", "sort", "lang", "page"):
        response = public_client.get(f"/search?{name}={quote(payload)}")
        assert response.status_code in (200, 400), (name, response.status_code)
        assert_no_raw_markup(body(response))
        api = public_client.get(f"/api/search?{name}={quote(payload)}")
        assert api.status_code in (200, 400) and api.is_json


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_ids_are_404_escaped(public_client, payload):
    for url in (
        f"/resources/{quote(payload, safe='')}",
        f"/r/{quote(payload, safe='')}/access",
        f"/browse/{quote(payload, safe='')}",
        f"/api/resources/{quote(payload, safe='')}",
        f"/api/vocabularies/{quote(payload, safe='')}",
    ):
        response = public_client.get(url)
        assert response.status_code == 404, url
        assert_no_raw_markup(body(response))


def test_json_is_served_as_json_even_with_markup_inside(public_client):
    response = public_client.get(f"/api/search?q={quote(XSS)}")
    assert response.is_json
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response = public_client.get(f"/api/suggest?q={quote(XSS)}")
    assert response.is_json


def test_stored_markup_in_a_published_record_is_escaped(public_client, corpus):
    rid = corpus["xss"]
    for url in (f"/resources/{rid}", "/search?q=piégé", "/search"):
        html = body(public_client.get(url))
        assert "<script>" not in html.split("</head>")[1].replace("<script src=", ""), url
        assert "&lt;script&gt;" in html, url
        assert "<b>gras</b>" not in html
    data = public_client.get(f"/api/resources/{rid}").get_json()
    assert XSS in data["record"]["general"]["title"]["fr"]  # data, not markup: kept as is


def test_a_huge_query_is_a_clear_error_in_the_visitors_language(public_client):
    q = "fraction " * 1200
    fr = public_client.get(f"/search?q={quote(q)}")
    assert fr.status_code == 400
    assert "Trop long : 500 caractères au plus." in body(fr)
    assert "fraction fraction fraction" not in body(fr)  # not echoed back
    ar = public_client.get(f"/search?q={quote(q)}", headers={"Accept-Language": "ar"})
    assert ar.status_code == 400 and "طويل جدا" in body(ar)
    api = public_client.get(f"/api/search?q={quote(q)}")
    assert api.status_code == 400 and "q" in api.get_json()["errors"]


@pytest.mark.parametrize(
    "raw",
    [
        b"q=%00",
        b"q=a%00b",
        b"q=%ED%A0%80",
        b"q=%FF%FE%FD",
        b"q=\xff\xfe",
        b"level=%C0%AF",
        b"q=%F0%9F%98%80%E2%80%AE%D9%8B%CC%81",
        b"q=" + b"%D8%A7" * 400,
        b"q=&&&==&level=",
        b"page=%00",
        b"size=1e3",
        b"q=%",
        b"q=%%",
        b"%=%",
        b"level=" + b"x" * 5000,
        b"&".join(b"level=1ac" for _ in range(60)),
    ],
)
def test_malformed_query_strings_never_fail(public_client, raw):
    for path in ("/search", "/api/search", "/", "/api/suggest"):
        response = get_raw(public_client, path, raw)
        assert response.status_code < 500, (path, raw)
        assert response.status_code in (200, 400), (path, raw, response.status_code)


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/resources/\xff\xfe",
        b"/resources/\xed\xa0\x80abc",
        b"/browse/\xc0\xaf",
        b"/api/resources/\x00abc",
        b"/r/\xff/access",
        b"/\xff",
    ],
)
def test_raw_bytes_in_paths_are_404(public_client, raw_path):
    response = public_client.get("/", environ_overrides={"PATH_INFO": raw_path.decode("latin-1")})
    assert response.status_code == 404, raw_path


def test_unicode_heavy_queries_work(public_client):
    for q in ("الْكُسُورُ", "Équations ÉQUATIONS", "ⵜⴰⵎⴰⵣⵉⵖⵜ", "😀 fractions", "\u202efractions"):
        response = public_client.get("/search", query_string={"q": q})
        assert response.status_code == 200, q
    # Arabic with diacritics still finds the undecorated title.
    data = public_client.get("/api/search", query_string={"q": "الْكُسُور"}).get_json()
    assert data["total"] >= 1


def test_unknown_pages_are_clear_in_both_languages(public_client):
    fr = public_client.get("/nulle-part")
    assert fr.status_code == 404 and "Page introuvable" in body(fr)
    ar = public_client.get("/nulle-part?lang=ar")
    assert ar.status_code == 404 and 'dir="rtl"' in body(ar) and "الصفحة غير موجودة" in body(ar)
    js = public_client.get("/nulle-part", headers={"Accept": "application/json"})
    assert js.status_code == 404 and js.get_json()["code"] == "not_found"


# --- property: any query string, any path parameter --------------------------------

_names = st.sampled_from(
    [
        "q",
        "level",
        "subject",
        "type",
        "language",
        "cycle",
        "format",
        "licence",
        "acquisition_mode",
        "publisher",
        "year",
        "sort",
        "page",
        "size",
        "lang",
        "limit",
        "x",
        "",
        "q[]",
    ]
)
# Lone surrogates (Cs), controls (Cc), Arabic and Tifinagh letters (Lo), combining marks (Mn).
_hostile_text = st.text(
    alphabet=st.characters(categories=["Cs", "Cc", "Lo", "Mn", "Zs", "Sm"]), max_size=40
)
_values = st.one_of(
    st.text(max_size=60),
    _hostile_text,
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["1ac", "mathematiques", "0", "-1", "9" * 30, XSS, "%", "\x00"]),
)


def _encode(pairs) -> bytes:
    parts = []
    for name, value in pairs:
        raw_name = name.encode("utf-8", "surrogatepass")
        raw_value = value.encode("utf-8", "surrogatepass")
        parts.append(quote(raw_name, safe="").encode() + b"=" + quote(raw_value, safe="%").encode())
    return b"&".join(parts)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=st.lists(st.tuples(_names, _values), max_size=6))
def test_any_query_string_is_answered_without_a_server_error(public_client, pairs):
    raw = _encode(pairs)
    for path in ("/search", "/api/search"):
        response = get_raw(public_client, path, raw)
        assert response.status_code < 500, (path, raw)
        if path.startswith("/api"):
            assert response.is_json
        assert_no_raw_markup(body(response))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(segment=st.one_of(st.text(min_size=1, max_size=80), _hostile_text.filter(bool)))
def test_any_resource_id_is_answered_without_a_server_error(public_client, segment):
    path = quote(segment.encode("utf-8", "surrogatepass"), safe="")
    for url in (f"/resources/{path}", f"/api/resources/{path}", f"/browse/{path}"):
        response = public_client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
