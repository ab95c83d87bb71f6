"""Hostile data through the diffusion console and the offline bundle, end to end.

* A published title holding ``<script>`` travels into the campaign page, the
  dashboards, the CSV exports and the offline USB bundle: never raw HTML there,
  never a spreadsheet formula in a CSV.
* A malformed or hostile installation report uploaded through the console is
  refused as a whole with the line at fault, and nothing is written.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from security_support import CURATOR, XSS, fetch, problems, row_counts

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
REGION = "tanger-tetouan-al-hoceima"


@pytest.fixture
def campaign_app(fresh_app, ids):
    runtime = fresh_app.extensions["mawarid"]
    runtime.accounts.create_user(
        "camp-admin",
        "souss valley rain 16",
        display_name="Admin",
        roles=["admin", "indexer", "validator"],
        commissions=["validation"],
    )
    runtime.diffusion.campaigns.create(
        CURATOR,
        code="camp-xss",
        title={"fr": f"Campagne {XSS}"},
        channel="cd-usb",
        resource_ids=[ids["xss"], ids["published"][0]],
        regions=[REGION],
    )
    runtime.diffusion.campaigns.ship(CURATOR, "camp-xss", region=REGION, quantity=3)
    return fresh_app


def _staff(app):
    import time

    from portal.auth import session_values

    client = app.test_client()
    with client.session_transaction() as session:
        session.update(session_values("camp-admin", 0, int(time.time())))
    return client


def _token(client, url):
    match = _TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def test_hostile_titles_stay_inert_in_console_csv_and_bundle(campaign_app, ids):
    client = _staff(campaign_app)
    # a few visits so the dashboards and CSVs have rows about the hostile resource
    for _ in range(2):
        client.get(f"/resources/{ids['xss']}", environ_base={"REMOTE_ADDR": "192.0.2.5"}).get_data()
    campaign_app.extensions["mawarid"].diffusion.usage.flush()
    failures = []
    for url in (
        "/staff/diffusion/",
        "/staff/diffusion/campaigns",
        "/staff/diffusion/campaigns/camp-xss",
        "/staff/diffusion/campaigns/camp-xss.json",
        "/staff/diffusion/usage.json",
    ):
        response, error = fetch(client, "GET", url)
        if error:
            failures.append(f"{url}: {error}")
            continue
        assert response.status_code == 200, (url, response.status_code)
        failures += [f"{url}: {p}" for p in problems(response)]
    for name in ("resources", "totals", "levels", "subjects", "daily", "regions"):
        response = client.get(f"/staff/diffusion/export/{name}.csv")
        assert response.status_code == 200, name
        for line in response.get_data(as_text=True).splitlines():
            for cell in line.split(","):
                cell = cell.strip('"')
                if cell[:1] in ("=", "+", "@"):
                    failures.append(f"{name}.csv: formula-like cell {cell[:40]!r}")
    response = client.post(
        "/staff/diffusion/campaigns/camp-xss/bundle",
        data={"csrf_token": _token(client, "/staff/diffusion/campaigns/camp-xss")},
    )
    assert response.status_code == 200 and response.mimetype == "application/zip", (
        response.status_code
    )
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as bundle:
        for info in bundle.infolist():
            assert not info.filename.startswith("/") and ".." not in info.filename.split("/")
            # manifest.json is data (checksums, titles), never parsed as HTML: raw text is fine
            if info.filename.endswith((".html", ".js")):
                text = bundle.read(info).decode("utf-8")
                if XSS in text:
                    failures.append(f"bundle {info.filename}: raw payload")
    assert not failures, "\n".join(failures)


HOSTILE_REPORTS = {
    "xss-and-formula.csv": (
        f"region,establishment_code,date,status,installer,quantity\n"
        f'{REGION},=HYPERLINK("http://evil"),2025-01-10,installed,{XSS},1\n'
    ).encode(),
    "bad-line-3.csv": (
        f"region,establishment_code,date,status,installer,quantity\n"
        f"{REGION},E001,2025-01-10,installed,Ali,1\n"
        f"{REGION},E002,2025-02-31,exploded,Ali,-5\n"
        f"{REGION},E003,2025-01-12,installed,Ali,1\n"
    ).encode(),
    "not-utf8.csv": b"region,establishment_code\n\xff\xfe\x00\x00garbage\n",
    "binary.csv": bytes(range(256)) * 50,
    "empty.csv": b"",
    "lone-header.csv": b"region,establishment_code,date,status,installer,quantity\n",
    "unknown-region.csv": (
        b"region,establishment_code,date,status,installer,quantity\n"
        b"' OR 1=1 --,E1,2025-01-10,installed,Ali,1\n"
    ),
    "huge-quantity.csv": (
        f"region,establishment_code,date,status,installer,quantity\n"
        f"{REGION},E1,2025-01-10,installed,Ali,99999999999999999999999\n"
    ).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_REPORTS))
def test_hostile_installation_reports_are_refused_whole(campaign_app, name):
    client = _staff(campaign_app)
    token = _token(client, "/staff/diffusion/campaigns/camp-xss")
    before = row_counts(campaign_app)
    response, error = fetch(
        client,
        "POST",
        "/staff/diffusion/campaigns/camp-xss/report",
        data={"csrf_token": token, "report": (io.BytesIO(HOSTILE_REPORTS[name]), name)},
        content_type="multipart/form-data",
    )
    assert error is None, error
    assert not problems(response), problems(response)
    after = row_counts(campaign_app)
    if name == "xss-and-formula.csv" and response.status_code in (302, 303):
        # accepted as data: then it must be shown escaped and exported without formulas
        page = client.get("/staff/diffusion/campaigns/camp-xss")
        assert not problems(page)
        return
    assert response.status_code == 400, (name, response.status_code)
    assert after == before, {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    body = response.get_data(as_text=True)
    if name == "bad-line-3.csv":
        assert re.search(r"\b3\b", body), "the line at fault (3) is not named"
