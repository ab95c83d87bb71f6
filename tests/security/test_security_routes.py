"""Point 1: every route of ``app.url_map`` under hostile path values and query strings.

Whatever a visitor (or a logged-in staff member) puts in a URL, the answer is
below 500, an HTML page never carries the payload unescaped, no stack trace is
shown, and a JSON route answers ``application/json`` with the documented error
shape (RFC 9457 problem details: ``type``, ``title``, ``status``, ``detail``…).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from security_support import (
    HOSTILE_QUERIES,
    HOSTILE_SEGMENTS,
    fetch,
    is_json_route,
    make_app,
    problems,
    url_for_rule,
)

# The url_map is the same for every app: read it once at collection time from a throwaway app,
# so that a route added by any area is fuzzed without touching this file.
_RULES = None


def _rules():
    global _RULES
    if _RULES is None:
        with tempfile.TemporaryDirectory(prefix="security-rules-") as tmp:
            app = make_app(Path(tmp))
            _RULES = list(app.url_map.iter_rules())
            app.extensions["mawarid"].close()
    return _RULES


def pytest_generate_tests(metafunc):
    if "rule" in metafunc.fixturenames:
        rules = _rules()
        if metafunc.function.__name__.endswith("_path_values"):
            rules = [r for r in rules if r.arguments - {"fmt"}]
        else:
            rules = [r for r in rules if "GET" in r.methods]
        metafunc.parametrize("rule", rules, ids=[r.endpoint + ":" + r.rule for r in rules])


def _check(client, method, url, *, rule_path):
    response, error = fetch(client, method, url)
    if error:
        return [f"{method} {url[:120]} → unhandled {error}"]
    found = problems(response)
    if (
        (is_json_route(rule_path) and response.status_code < 300)
        or (is_json_route(rule_path) and response.status_code >= 400)
    ) and not response.is_json:
        found.append(f"JSON route answered {response.mimetype}")
    return [f"{method} {url[:120]} → {response.status_code}: {p}" for p in found]


def test_every_route_with_hostile_path_values(rule, client, staff_client):
    failures = []
    for _name, value in HOSTILE_SEGMENTS.items():
        url = url_for_rule(rule, value)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # anonymous everywhere; staff routes also with a logged-in admin session
            failures += _check(client, method, url, rule_path=rule.rule)
            if rule.rule.startswith("/staff") and method == "GET":
                failures += [
                    f"[admin] {f}" for f in _check(staff_client, method, url, rule_path=rule.rule)
                ]
    assert not failures, "\n".join(failures)


def test_every_get_route_with_hostile_query_strings(rule, client, staff_client, ids):
    path = url_for_rule(rule, ids["published"][0])
    if rule.endpoint == "static":
        path = "/static/css/mawarid.css"
    failures = []
    for _name, query in HOSTILE_QUERIES.items():
        url = f"{path}?{query}"
        if rule.rule.startswith("/staff"):  # anonymous visitors only get the login redirect there
            failures += [
                f"[admin] {f}" for f in _check(staff_client, "GET", url, rule_path=rule.rule)
            ]
        else:
            failures += _check(client, "GET", url, rule_path=rule.rule)
    assert not failures, "\n".join(failures)


def test_stored_xss_is_escaped_on_every_public_view(client, ids):
    """A published title holding ``<script>`` is shown as text everywhere it appears."""
    rid = ids["xss"]
    failures = []
    for url in (
        f"/resources/{rid}",
        f"/resources/{rid}?lang=ar",
        "/search?q=Titre",
        "/search?q=%D8%B9%D9%86%D9%88%D8%A7%D9%86&lang=ar",
        "/",
        f"/resources/{rid}.json",
        f"/api/resources/{rid}",
        "/api/search?q=Titre",
        "/api/suggest?q=Tit",
        f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:mawarid.men.gov.ma:{rid}",
        f"/oai?verb=GetRecord&metadataPrefix=oai_lom&identifier=oai:mawarid.men.gov.ma:{rid}",
    ):
        response, error = fetch(client, "GET", url)
        if error:
            failures.append(f"{url} → {error}")
            continue
        failures += [f"{url}: {p}" for p in problems(response)]
        assert response.status_code == 200, (url, response.status_code)
        if "/oai" in url:
            assert "idDoesNotExist" not in response.get_data(as_text=True), url
    page = client.get(f"/resources/{rid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, (
        "the hostile title should be shown, escaped"
    )
    assert not failures, "\n".join(failures)


def test_the_admin_session_used_above_is_really_logged_in(staff_client):
    """Otherwise the staff checks above would only have exercised the login redirect."""
    assert staff_client.get("/staff/").status_code == 200
    assert staff_client.get("/staff/users").status_code == 200
