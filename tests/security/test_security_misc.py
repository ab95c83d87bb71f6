"""Secure-by-default odds and ends: open redirects, Host header, oversize bodies,
caching of console pages, unexpected methods and content types.
"""

from __future__ import annotations

import re

from security_support import XSS, fetch, problems

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _token(client):
    match = _TOKEN.search(client.get("/staff/login").get_data(as_text=True))
    return match.group(1) or match.group(2)


def test_login_never_redirects_off_site(shared_app, staff_user):
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "/staff\r\nLocation: http://evil",
    ):
        client = shared_app.test_client()
        response = client.post(
            "/staff/login?next=" + target,
            data={
                "username": staff_user,
                "password": "ifrane lake pines 15",
                "csrf_token": _token(client),
                "next": target,
            },
        )
        assert response.status_code in (302, 303), (target, response.status_code)
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), (target, location)
        assert "evil" not in location.split("?")[0] or location.startswith("/staff/"), location
        assert "\n" not in location and "\r" not in location


def test_login_redirect_to_the_requested_console_page_still_works(shared_app, staff_user):
    client = shared_app.test_client()
    response = client.get("/staff/users")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    response = client.post(
        response.headers["Location"],
        data={
            "username": staff_user,
            "password": "ifrane lake pines 15",
            "csrf_token": _token(client),
            "next": "/staff/users",
        },
    )
    assert response.headers["Location"].endswith("/staff/users")


def test_hostile_host_header_is_never_echoed_raw(client, ids):
    host = 'evil.example"><script>alert(1)</script>'
    for url in (
        "/",
        f"/resources/{ids['published'][0]}",
        "/search?q=x",
        "/staff/",
        "/api/search",
        "/oai?verb=Identify",
        "/nope",
    ):
        response, error = fetch(client, "GET", url, headers={"Host": host})
        assert error is None, f"{url}: {error}"
        assert not problems(response), (url, problems(response))
        assert XSS not in response.headers.get("Location", "")


def test_oversize_bodies_get_a_clean_413(client):
    for url in ("/staff/login", "/staff/resources/new"):
        response = client.post(
            url,
            data=b"x",
            content_type="application/x-www-form-urlencoded",
            environ_overrides={"CONTENT_LENGTH": str(200 * 1024 * 1024)},
        )
        assert response.status_code in (400, 413), (url, response.status_code)
        assert not problems(response)


def test_console_pages_are_not_cached(staff_client):
    """Accounts, drafts and CSRF tokens must not stay in shared caches or the history."""
    for url in (
        "/staff/login",
        "/staff/",
        "/staff/users",
        "/staff/resources/new",
        "/staff/diffusion/",
        "/staff/diffusion/campaigns",
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        cache = response.headers.get("Cache-Control", "")
        assert "no-store" in cache or "private" in cache, (url, cache)


def test_unexpected_content_types_and_methods_are_handled(client, ids):
    rid = ids["published"][0]
    cases = [
        ("POST", "/api/search", {"json": {"q": XSS}}),
        ("POST", f"/resources/{rid}", {"data": "a=1"}),
        ("PUT", "/oai", {"data": "verb=Identify"}),
        ("POST", "/oai", {"data": b"\xff\xfe\x00", "content_type": "application/xml"}),
        (
            "POST",
            "/oai",
            {"data": "verb=Identify", "content_type": "multipart/form-data; boundary=x"},
        ),
        ("OPTIONS", "/api/search", {}),
        ("HEAD", f"/resources/{rid}", {}),
        ("TRACE", "/", {}),
        ("GET", "/" + "a/" * 2000, {}),
    ]
    for method, url, kwargs in cases:
        response, error = fetch(client, method, url, **kwargs)
        assert error is None, f"{method} {url[:60]}: {error}"
        assert not problems(response), (method, url[:60], problems(response))


def test_hostile_request_headers_are_harmless(shared_app, ids):
    """Language negotiation and cookies come from the visitor too."""
    rid = ids["published"][0]
    header_sets = [
        {"Accept-Language": XSS},
        {"Accept-Language": "ar;q=abc, fr;q=-1, *;q=2"},
        {"Accept-Language": "zgh, en"},
        {"Accept-Language": "x" * 8000},
        {"Accept": "application/json;q=abc, text/html;q=nan"},
        {"Cookie": "session=" + "A" * 3000},
        {"Cookie": "session=eyJ4IjoxfQ.forged.signature"},
        {"Cookie": "session=%FF%FE; lang=" + XSS},
        {"X-Forwarded-For": XSS, "X-Real-IP": "::1"},
        {"User-Agent": XSS + "\u202e" * 100},
        {"Referer": "javascript:alert(1)"},
    ]
    failures = []
    for headers in header_sets:
        client = shared_app.test_client()
        for url in (
            "/",
            f"/resources/{rid}",
            "/search?q=x",
            "/api/search",
            "/staff/",
            "/staff/login",
            f"/r/{rid}/access",
            "/oai?verb=Identify",
        ):
            response, error = fetch(client, "GET", url, headers=headers)
            if error:
                failures.append(f"{url} {headers!r:.80}: {error}")
                continue
            failures += [f"{url} {headers!r:.80}: {p}" for p in problems(response)]
            if url == "/staff/" and response.status_code != 302:
                failures.append(f"{url} {headers!r:.80}: a forged cookie opened the console")
    assert not failures, "\n".join(failures)
