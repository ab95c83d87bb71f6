"""Point 6: an anonymous visitor following links from the home page never meets a 500.

Breadth-first over same-site links (``href``, ``src`` and GET form ``action``s),
in French and Arabic, bounded to 200 URLs. Every page is checked like in the
route tests: status < 500, no stack trace, no raw payload (the seeded corpus
holds a published title with ``<script>``), and HTML pages declare ``lang`` and
``dir`` and carry the security headers.
"""
from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urljoin, urlsplit

from security_support import fetch, problems

LIMIT = 200
_LINK = re.compile(r'(?:href|src|action)\s*=\s*"([^"]*)"')


def _links(base: str, html: str):
    for raw in _LINK.findall(html):
        url = urldefrag(urljoin(base, unescape(raw)))[0]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc != "localhost":
            continue                      # off-site (e.g. the resource itself behind /r/<id>/access)
        if parts.scheme not in ("", "http", "https"):
            continue                      # mailto:, javascript: (there should be none), data:
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def test_anonymous_crawl_never_meets_a_server_error(client):
    queue = deque(["/", "/?lang=ar", "/?lang=fr"])
    seen = set(queue)
    visited, failures = 0, []
    while queue and visited < LIMIT:
        url = queue.popleft()
        response, error = fetch(client, "GET", url)
        visited += 1
        if error:
            failures.append(f"{url} → {error}")
            continue
        failures += [f"{url} → {response.status_code}: {p}" for p in problems(response)]
        if response.status_code in (301, 302, 303, 307, 308):
            target = urlsplit(response.headers["Location"])
            if target.netloc in ("", "localhost"):
                next_url = target.path + (f"?{target.query}" if target.query else "")
                if next_url not in seen:
                    seen.add(next_url)
                    queue.append(next_url)
            continue
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        if not re.search(r'<html[^>]*\slang="(fr|ar)"[^>]*\sdir="(ltr|rtl)"', html):
            failures.append(f"{url}: <html> without lang/dir")
        if not response.headers.get("Content-Security-Policy"):
            failures.append(f"{url}: no CSP")
        if "javascript:" in html.lower():
            failures.append(f"{url}: javascript: URL in the page")
        for link in _links("http://localhost" + url, html):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    print(f"crawled {visited} URLs, {len(seen)} seen")
    assert visited >= 40, f"the crawl found only {visited} pages: links are missing"
    assert not failures, "\n".join(failures)
