"""The JSON API: shapes, filters, languages, errors, the OpenAPI document."""

from __future__ import annotations

import pytest
from portal_corpus import EXPECTED

from portal.views import _schemas

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code", "errors"}
BASE = "http://localhost"  # MAWARID_BASE_URL of the test instance (portal_corpus)


def assert_error(response, status, parameter=None):
    """An RFC 9457 problem: its members, an absolute type URL that answers, the status."""
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == PROBLEM_KEYS
    _schemas.Problem().load(body)
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"] == f"{BASE}/api/problems/{body['code']}"
    assert body["instance"].startswith(f"{BASE}/api/")
    if parameter:
        assert parameter in body["errors"], body
        assert all(isinstance(m, str) and m for m in body["errors"][parameter])
    return body


# --- search ----------------------------------------------------------------------


def test_search_shape(public_client):
    response = public_client.get("/api/search")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["total"] == EXPECTED["published"]
    assert data["page"] == 1 and data["size"] == 20
    hit = data["hits"][0]
    assert {
        "id",
        "title",
        "titles",
        "levels",
        "subjects",
        "types",
        "languages",
        "year",
        "snippet",
        "url",
        "api_url",
    } <= set(hit)
    assert set(data["facets"]) == {
        "cycle",
        "level",
        "subject",
        "type",
        "language",
        "format",
        "licence",
        "acquisition_mode",
        "publisher",
        "year",
    }
    bucket = data["facets"]["subject"][0]
    assert {"value", "label", "count"} <= set(bucket)
    assert data["did_you_mean"] is None


def test_facets_only(public_client):
    data = public_client.get("/api/search?size=0&subject=svt").get_json()
    assert data["total"] == 1 and data["hits"] == [] and data["size"] == 0
    assert {b["value"]: b["count"] for b in data["facets"]["level"]} == {"1ac": 1}


def test_search_filters_and_facet_counts(public_client):
    data = public_client.get("/api/search?level=1ac&subject=mathematiques").get_json()
    assert data["total"] == EXPECTED["1ac+mathematiques"]
    levels = {b["value"]: b for b in data["facets"]["level"]}
    assert levels["1ac"]["selected"] is True and levels["1ac"]["count"] == 2
    assert levels["1ac"]["toggle_url"] == f"{BASE}/api/search?subject=mathematiques"
    assert data["filters"] == {"level": ["1ac"], "subject": ["mathematiques"]}


def test_repeated_parameters_are_or_within_a_facet(public_client):
    one = public_client.get("/api/search?level=1ac").get_json()["total"]
    two = public_client.get("/api/search?level=1ac&level=2ac").get_json()["total"]
    assert (one, two) == (EXPECTED["level:1ac"], EXPECTED["level:1ac"] + 1)


def test_cycle_filter_covers_its_levels(public_client):
    data = public_client.get("/api/search?cycle=primaire").get_json()
    assert data["total"] == EXPECTED["cycle:primaire"]


def test_language_of_labels(public_client):
    ar = public_client.get("/api/search?lang=ar&subject=mathematiques").get_json()
    subjects = {b["value"]: b["label"] for b in ar["facets"]["subject"]}
    assert subjects["mathematiques"] == "الرياضيات"
    assert ar["lang"] == "ar"
    titles = [h["title"] for h in ar["hits"]]
    assert "الكسور في الإعدادي" in titles
    # Without lang, Accept-Language decides.
    by_header = public_client.get(
        "/api/search?subject=svt", headers={"Accept-Language": "ar"}
    ).get_json()
    assert by_header["hits"][0]["title"] == "التركيب الضوئي"


def test_search_pagination_links(public_client):
    data = public_client.get("/api/search?size=3&page=2&sort=title").get_json()
    assert len(data["hits"]) == 3 and data["pages"] == 3
    assert data["links"]["self"] == f"{BASE}/api/search?sort=title&size=3&page=2"
    assert data["links"]["next"] == f"{BASE}/api/search?sort=title&size=3&page=3"
    assert data["links"]["prev"] == f"{BASE}/api/search?sort=title&size=3"
    assert data["links"]["html"] == f"{BASE}/search?sort=title&size=3&page=2"
    assert all(h["url"].startswith(f"{BASE}/resources/") for h in data["hits"])
    last = public_client.get("/api/search?size=3&page=3&sort=title").get_json()
    assert last["links"]["next"] is None


def test_search_json_twin_matches_api(public_client):
    api = public_client.get("/api/search?q=fractions").get_json()
    twin = public_client.get("/search.json?q=fractions").get_json()
    assert [h["id"] for h in api["hits"]] == [h["id"] for h in twin["hits"]]
    assert api["total"] == twin["total"]


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=99999999999999999999", "page"),
        ("size=1000", "size"),
        ("size=-1", "size"),
        ("sort=random", "sort"),
        ("level=nowhere", "level"),
        ("subject=%3Cscript%3E", "subject"),
        ("year=20x5", "year"),
        ("cycle=1ac", "cycle"),
        ("lang=xx", "lang"),
        ("q=" + "a" * 600, "q"),
        ("q=a%00b", "q"),
    ],
)
def test_bad_arguments_are_400_naming_the_parameter(public_client, query, parameter):
    assert_error(public_client.get(f"/api/search?{query}"), 400, parameter)


def test_error_messages_follow_the_language(public_client):
    fr = assert_error(public_client.get("/api/search?page=0"), 400, "page")
    ar = assert_error(
        public_client.get("/api/search?page=0", headers={"Accept-Language": "ar"}), 400, "page"
    )
    assert fr["errors"]["page"] == ["Page entre 1 et 500."]
    assert ar["errors"]["page"] == ["رقم الصفحة بين 1 و500."]


def test_unknown_term_suggests_close_ones(public_client):
    body = assert_error(public_client.get("/api/search?subject=mathematique"), 400, "subject")
    assert "mathematiques" in body["errors"]["subject"][0]


def test_too_deep_pages_are_refused_clearly(public_client):
    body = assert_error(public_client.get("/api/search?page=500&size=100"), 400, "page")
    assert "10000" in body["errors"]["page"][0]


# --- resources -------------------------------------------------------------------


def test_resource_record_and_provenance(public_client, corpus):
    rid = corpus["fractions"]
    data = public_client.get(f"/api/resources/{rid}").get_json()
    assert data["id"] == rid and data["status"] == "published"
    assert data["record"]["id"] == rid
    assert data["record"]["general"]["title"] == {
        "fr": "Les fractions au collège",
        "ar": "الكسور في الإعدادي",
    }
    provenance = data["provenance"]
    assert provenance["mode"] == "achat" and provenance["reference"] == "AO 12/2024/LNRN"
    assert provenance["validated"]["commission"] == "validation"
    assert provenance["published"]["by"] == "LNRN"
    assert data["links"]["self"] == f"{BASE}/api/resources/{rid}"
    assert data["links"]["html"] == f"{BASE}/resources/{rid}"
    assert data["links"]["access"] == f"{BASE}/r/{rid}/access"


def test_unknown_resource_is_a_json_404_in_the_language(public_client):
    body = assert_error(
        public_client.get("/api/resources/nope-nope", headers={"Accept-Language": "ar"}), 404
    )
    assert body["detail"] == "لا يوجد مورد منشور يحمل هذا المعرف."
    assert body["title"] == "الصفحة غير موجودة" and body["code"] == "not_found"


def test_api_reads_are_counted(app, corpus):
    usage = app.extensions["mawarid"].diffusion.usage
    before = usage.stats["recorded"]
    assert app.test_client().get(f"/api/resources/{corpus['ondes']}").status_code == 200
    assert usage.stats["recorded"] == before + 1


# --- vocabularies and suggestions ---------------------------------------------------


def test_vocabularies(public_client):
    listing = public_client.get("/api/vocabularies").get_json()["vocabularies"]
    ids = {v["id"] for v in listing}
    assert {"level", "subject", "licence", "language"} <= ids
    level = public_client.get("/api/vocabularies/level?lang=ar").get_json()
    assert level["hierarchical"] is True
    terms = {t["id"]: t for t in level["terms"]}
    assert terms["1ac"]["label"] == "السنة الأولى إعدادي"
    term = public_client.get("/api/vocabularies/level/2bac-pc").get_json()
    assert term["path"] == ["secondaire-qualifiant", "2bac", "2bac-pc"]
    assert term["labels"]["fr"].startswith("2e année du baccalauréat")


def test_unknown_vocabulary_and_term_are_404(public_client):
    assert_error(public_client.get("/api/vocabularies/nope"), 404, "vocabulary")
    assert_error(public_client.get("/api/vocabularies/level/nope"), 404, "term")


def test_suggest(public_client):
    data = public_client.get("/api/suggest?q=fract").get_json()
    assert "Les fractions au collège" in data["suggestions"]
    ar = public_client.get("/api/suggest?q=الكس&lang=ar").get_json()
    assert any(s.startswith("الكسور") for s in ar["suggestions"])
    assert_error(public_client.get("/api/suggest"), 400, "q")
    assert_error(public_client.get("/api/suggest?q=a&limit=500"), 400, "limit")


# --- OpenAPI ---------------------------------------------------------------------


def test_openapi_document_describes_every_api_route(public_app, public_client):
    doc = public_client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"]
    described = set(doc["paths"])
    routes = set()
    for rule in public_app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<{arg}>", f"{{{arg}}}")
            routes.add(path)
    assert routes == described
    search = doc["paths"]["/api/search"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert {
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
    } <= names
    level = next(p for p in search["parameters"] if p["name"] == "level")
    assert level["schema"]["type"] == "array"
    assert doc["servers"] == [{"url": BASE}]
    # Errors are problem details; answers say how they may be cached.
    responses = search["responses"]
    assert responses["400"] == {"$ref": "#/components/responses/Problem"}
    assert "application/problem+json" in doc["components"]["responses"]["Problem"]["content"]
    assert {"ETag", "Cache-Control"} <= set(responses["200"]["headers"])
    assert "304" in responses
    # Every $ref resolves inside the document.
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    for ref in refs:
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]


# --- read-only --------------------------------------------------------------------


def test_public_routes_only_read(public_app):
    for rule in public_app.url_map.iter_rules():
        if rule.endpoint.startswith(("public.", "api.")) or rule.endpoint == "static":
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_writing_methods_are_405_with_the_error_shape(public_client):
    response = public_client.post("/api/search")
    body = assert_error(response, 405)
    assert "GET" in response.headers["Allow"]
    assert body["errors"] == {}
    assert public_client.delete("/api/resources/x").status_code == 405
    assert public_client.post("/search").status_code == 405


def test_cross_origin_reads_are_allowed(public_client):
    assert public_client.get("/api/search").headers["Access-Control-Allow-Origin"] == "*"


# --- problem types, caching, the document matches the answers --------------------------


def test_every_problem_type_url_answers_with_its_meaning(public_client):
    body = assert_error(public_client.get("/api/search?page=0"), 400, "page")
    assert body["code"] == "invalid_parameter"
    described = public_client.get(body["type"].removeprefix(BASE))
    assert described.status_code == 200
    meaning = _schemas.ProblemType().load(described.get_json())
    assert meaning["status"] == 400 and meaning["title"] == body["title"]
    assert_error(public_client.get("/api/problems/no-such-problem"), 404)


def test_resources_and_searches_are_cacheable_with_etags(public_app, corpus):
    public_client = public_app.test_client()  # no language kept in a session cookie
    for url, max_age in (
        (f"/api/resources/{corpus['fractions']}", 300),
        ("/api/search?q=fractions", 60),
        ("/api/vocabularies/level", 3600),
        (f"/resources/{corpus['fractions']}", None),
        ("/search?q=fractions", None),
    ):
        first = public_client.get(url)
        assert first.status_code == 200
        etag = first.headers["ETag"]
        cache = first.headers["Cache-Control"]
        assert cache.startswith("public, max-age="), (url, cache)
        if max_age:
            assert cache == f"public, max-age={max_age}"
        again = public_client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"", url
        other = public_client.get(url, headers={"If-None-Match": '"stale"'})
        assert other.status_code == 200
    # A visitor whose language choice is in the session cookie gets a private answer.
    public_client.get("/?lang=ar")
    assert public_client.get("/search?q=fractions").headers["Cache-Control"].startswith("private")
    # Another language is another representation: another ETag.
    fr = public_client.get("/api/search?q=fractions&lang=fr").headers["ETag"]
    ar = public_client.get("/api/search?q=fractions&lang=ar").headers["ETag"]
    assert fr != ar


def test_static_files_are_cacheable(public_client):
    css = public_client.get("/static/css/mawarid.css")
    assert css.status_code == 200 and css.headers["ETag"]
    assert "max-age=" in css.headers["Cache-Control"]
    again = public_client.get(
        "/static/css/mawarid.css", headers={"If-None-Match": css.headers["ETag"]}
    )
    assert again.status_code == 304


def test_errors_are_never_cached(public_client):
    assert public_client.get("/api/search?page=0").headers["Cache-Control"] == "no-store"


def test_answers_match_the_documented_schemas(public_client, corpus):
    """Every answer loads through the response schema the OpenAPI document is made from."""
    rid = corpus["fractions"]
    for url, schema in (
        ("/api/search?q=fractions&level=1ac", _schemas.SearchResult),
        ("/api/search?size=0", _schemas.SearchResult),
        (f"/api/resources/{rid}?lang=ar", _schemas.Resource),
        ("/api/vocabularies", _schemas.VocabularyList),
        ("/api/vocabularies/level", _schemas.Vocabulary),
        ("/api/vocabularies/level/1ac", _schemas.TermDetail),
        ("/api/suggest?q=fract", _schemas.Suggestions),
    ):
        response = public_client.get(url)
        assert response.status_code == 200, url
        schema().load(response.get_json())  # raises on a member the document does not know
