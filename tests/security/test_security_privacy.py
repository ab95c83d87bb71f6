"""Point 4: no raw IP address or user agent is stored anywhere.

A visitor with a distinctive address and user agent opens resource pages, the
tracked access route, the JSON API and OAI-PMH; then every text column of every
table — and every file under MAWARID_HOME — is searched for those strings.
The test first checks the visits were counted, so it cannot pass vacuously.
"""

from __future__ import annotations

from security_support import row_counts, text_cells

IP = "203.0.113.77"
FORWARDED_IP = "198.51.100.23"
UA = "Mozilla/5.0 (X11; Linux x86_64) SecurityProbe/9.9 distinctive-ua-7f3c"
NEEDLES = (IP, FORWARDED_IP, "distinctive-ua-7f3c", "SecurityProbe")


def _visit(client, ids):
    environ = {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": UA}
    headers = {"X-Forwarded-For": FORWARDED_IP, "User-Agent": UA}
    rid = ids["published"][1]
    urls = [
        f"/resources/{rid}",
        f"/resources/{rid}?lang=ar",
        f"/r/{rid}/access",
        f"/api/resources/{rid}",
        "/api/search?q=a",
        f"/resources/{rid}.json",
        f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:mawarid.men.gov.ma:{rid}",
        "/oai?verb=ListRecords&metadataPrefix=oai_lom",
        "/search?q=x",
        "/does-not-exist",
    ]
    for url in urls:
        response = client.get(url, environ_base=environ, headers=headers)
        response.get_data()
        assert response.status_code < 500, url
    client.post(
        "/oai",
        data={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
        environ_base=environ,
        headers=headers,
    ).get_data()
    client.post(
        "/staff/login", data={"username": IP, "password": UA}, environ_base=environ, headers=headers
    ).get_data()
    # events are queued and written by a background thread: write them now
    client.application.extensions["mawarid"].diffusion.usage.flush()


def test_no_raw_ip_or_user_agent_in_the_database(fresh_app, ids):
    before = row_counts(fresh_app)
    _visit(fresh_app.test_client(), ids)
    after = row_counts(fresh_app)
    usage = {t: after[t] - before[t] for t in after if t.startswith("usage_")}
    assert sum(usage.values()) > 0, f"the visits were not recorded at all: {usage}"
    leaks = [
        (table, col, value[:120])
        for table, col, value in text_cells(fresh_app)
        if any(needle in value for needle in NEEDLES)
    ]
    assert not leaks, f"raw visitor data stored: {leaks}"


def test_no_raw_ip_or_user_agent_in_any_file_of_the_home(fresh_app, ids):
    _visit(fresh_app.test_client(), ids)
    home = fresh_app.extensions["mawarid"].settings.home
    leaks = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in NEEDLES:
                if needle.encode() in data:
                    leaks.append((str(path.relative_to(home)), needle))
    assert not leaks, f"raw visitor data written to files: {leaks}"
