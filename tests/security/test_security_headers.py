"""Point 3: secure by default — response headers, cookie flags, error bodies, OAI POST.

The app under test runs with the defaults a fresh install gets (only the home
folder and a secret are given), so a header or flag that needs configuration to
appear counts as missing.
"""

from __future__ import annotations

import shutil

from security_support import TRACEBACK_MARKERS, XSS, make_app, problems, settings_for

import portal


def _html_urls(ids):
    rid = ids["published"][0]
    return [
        "/",
        "/?lang=ar",
        "/search",
        "/search?q=fractions&lang=ar",
        f"/resources/{rid}",
        f"/resources/{rid}?lang=ar",
        "/browse/college",
        "/staff/login",
        "/does-not-exist",
        f"/resources/{ids['draft']}",
        "/search?page=-1",
        "/search?size=100000",
    ]


def _assert_security_headers(response, url):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp, f"{url}: no Content-Security-Policy"
    assert "script-src" in csp or "default-src" in csp, f"{url}: CSP without a script policy"
    assert "'unsafe-inline'" not in csp.split("script-src")[-1].split(";")[0], (
        f"{url}: inline scripts allowed"
    )
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert "frame-ancestors 'none'" in csp or headers.get("X-Frame-Options") in (
        "DENY",
        "SAMEORIGIN",
    ), url
    assert headers.get("Referrer-Policy") in (
        "no-referrer",
        "strict-origin-when-cross-origin",
        "same-origin",
        "strict-origin",
    ), url


def test_html_pages_and_error_pages_carry_security_headers(client, ids):
    for url in _html_urls(ids):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert response.mimetype == "text/html", (url, response.mimetype)
        _assert_security_headers(response, url)


def test_json_and_xml_answers_are_not_sniffable(client, ids):
    for url in (
        "/api/search?q=x",
        f"/api/resources/{ids['published'][0]}",
        "/api/resources/nope",
        "/api/openapi.json",
        "/oai?verb=Identify",
        "/search.json?page=-1",
    ):
        response = client.get(url)
        assert response.status_code < 500, url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url


def _cookie_headers(response):
    return [v for k, v in response.headers.items() if k.lower() == "set-cookie"]


def test_session_cookie_is_httponly_and_samesite(client):
    seen = []
    for url in ("/staff/login", "/?lang=ar"):
        for cookie in _cookie_headers(client.get(url)):
            seen.append(cookie)
            lowered = cookie.lower()
            assert "httponly" in lowered, cookie
            assert "samesite=lax" in lowered or "samesite=strict" in lowered, cookie
    assert seen, "no session cookie was set by the login page or the language switch"


def test_secure_cookie_flag_when_behind_https(seeded_home, tmp_path, monkeypatch):
    """``MAWARID_SECURE_COOKIES=1`` (documented in core/settings.py) marks cookies Secure + HSTS."""
    monkeypatch.setenv("MAWARID_SECURE_COOKIES", "1")
    home = tmp_path / "home"
    shutil.copytree(seeded_home[0], home)
    app = make_app(home)
    try:
        response = app.test_client().get("/staff/login", base_url="https://localhost")
        cookies = _cookie_headers(response)
        assert cookies and all("secure" in c.lower() for c in cookies), cookies
        assert response.headers.get("Strict-Transport-Security"), "no HSTS behind HTTPS"
    finally:
        app.extensions["mawarid"].close()


def test_an_unexpected_error_shows_a_clean_page_not_a_traceback(seeded_home, tmp_path):
    """A bug in a view (simulated by a route that raises) gives the 500 page, no internals."""
    home = tmp_path / "home"
    shutil.copytree(seeded_home[0], home)
    app = portal.create_app(
        settings_for(home, TESTING=False, PROPAGATE_EXCEPTIONS=False, DEBUG=False)
    )

    def boom():
        raise RuntimeError("secret internal detail /etc/shadow")

    app.add_url_rule("/__boom", "boom", boom)
    app.add_url_rule("/api/__boom", "api_boom", boom)
    try:
        client = app.test_client()
        for url in ("/__boom", "/api/__boom"):
            response = client.get(url)
            body = response.get_data(as_text=True)
            assert response.status_code == 500, url
            assert "secret internal detail" not in body and "RuntimeError" not in body, body[:500]
            assert not any(marker in body for marker in TRACEBACK_MARKERS[:3]), body[:500]
            _assert_security_headers(response, url)
        data = client.get("/api/__boom").get_json()
        assert data["status"] == 500 and data["title"] and data["code"] == "internal_error"
    finally:
        app.extensions["mawarid"].close()


def test_oai_accepts_post_without_csrf_token(client):
    """OAI-PMH 2.0 §3.1.1: harvesters may POST; they hold no session and no token."""
    response = client.post("/oai", data={"verb": "Identify"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<Identify>" in body and "badVerb" not in body
    response = client.post("/oai", data={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert response.status_code == 200 and "<ListRecords>" in response.get_data(as_text=True)


def test_staff_forms_refuse_a_missing_csrf_token_with_a_clear_error(client):
    response = client.post("/staff/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "csrf" in body.lower() or "jeton" in body.lower()
    assert not problems(response)


def test_json_errors_follow_the_documented_shape_in_both_languages(client):
    for lang in ("fr", "ar"):
        response = client.get(
            f"/api/resources/{XSS}?lang={lang}", headers={"Accept-Language": lang}
        )
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        data = response.get_json()
        assert data["status"] == 404 and data["detail"]
        assert XSS not in response.get_data(as_text=True)
        arabic = any("\u0600" <= ch <= "\u06ff" for ch in data["detail"])
        assert arabic == (lang == "ar"), (lang, data["detail"])
