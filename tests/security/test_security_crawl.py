"""Point 6: following links never meets a server error.

Breadth-first over same-site links (``href``, ``src`` and form ``action``s),
in French and Arabic, bounded to 200 URLs for an anonymous visitor and 120 for
a logged-in admin (GET only: the crawl never submits a form). Every answer is
checked like in the route tests — status < 500, no stack trace, no raw payload
(the seeded corpus holds a published title with ``<script>``) — and HTML pages
declare ``lang`` and ``dir``, carry a CSP, and hold nothing that CSP would
block (inline scripts, ``on…=`` handlers, ``style`` attributes or elements),
which would silently break the page in a browser.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urljoin, urlsplit

from security_support import fetch, problems

_LINK = re.compile(r'(?:href|src|action)\s*=\s*"([^"]*)"')
_CSP_BLOCKED = {
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "on…= handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def _links(base: str, html: str):
    for raw in _LINK.findall(html):
        url = urldefrag(urljoin(base, unescape(raw)))[0]
        parts = urlsplit(url)
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "localhost"):
            continue  # off-site (the resource behind /r/<id>/access), mailto:, data:
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start, limit, *, skip=()):
    queue = deque(start)
    seen = set(queue)
    visited, failures = 0, []
    while queue and visited < limit:
        url = queue.popleft()
        if any(url.startswith(prefix) for prefix in skip):
            continue
        response, error = fetch(client, "GET", url)
        visited += 1
        if error:
            failures.append(f"{url} → {error}")
            continue
        failures += [f"{url} → {response.status_code}: {p}" for p in problems(response)]
        if response.status_code in (301, 302, 303, 307, 308):
            target = urlsplit(response.headers["Location"])
            if target.netloc in ("", "localhost"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
            continue
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        if not re.search(r'<html[^>]*\slang="(fr|ar)"[^>]*\sdir="(ltr|rtl)"', html):
            failures.append(f"{url}: <html> without lang/dir")
        if not response.headers.get("Content-Security-Policy"):
            failures.append(f"{url}: no CSP")
        for what, pattern in _CSP_BLOCKED.items():
            if pattern.search(html):
                failures.append(f"{url}: {what} (blocked by the CSP)")
        for link in _links("http://localhost" + url, html):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return visited, failures


def test_anonymous_crawl_never_meets_a_server_error(client):
    visited, failures = crawl(client, ["/", "/?lang=ar", "/?lang=fr"], 200)
    assert visited >= 40, f"the crawl found only {visited} pages: links are missing"
    assert not failures, "\n".join(failures)


def test_admin_crawl_of_the_console_never_meets_a_server_error(staff_client):
    visited, failures = crawl(
        staff_client,
        ["/staff/", "/staff/?lang=ar", "/staff/diffusion/"],
        120,
        skip=("/staff/logout",),
    )
    assert visited >= 20, f"the console crawl found only {visited} pages"
    assert not failures, "\n".join(failures)
