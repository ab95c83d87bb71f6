"""The real portal: tracked routes feed the dashboards; staff pages, CSV export, campaign forms."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile

import pytest
from diffusion_testdata import CHROME_UA, GOOGLEBOT_UA

portal = pytest.importorskip("portal")
from portal.auth import session_values  # noqa: E402


def _login(client, app, username: str, roles: list[str]) -> None:
    with app.app_context():
        portal.current_runtime().accounts.create_user(
            username, "un mot de passe long 2026", display_name=username, roles=roles
        )
    with client.session_transaction() as sess:
        sess.update(session_values(username, 0, int(time.time())))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _visit(client, path: str, ip: str, ua: str = CHROME_UA):
    return client.get(path, headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": ip})


def test_dashboard_counts_real_requests_to_the_tracked_routes(app):
    client = app.test_client()
    assert _visit(client, "/r/res-fractions/access", "41.0.0.1").status_code == 302
    assert _visit(client, "/r/res-fractions/access", "41.0.0.1").status_code == 302  # double click
    assert _visit(client, "/r/res-fractions/access", "41.0.0.2").status_code == 302
    assert _visit(client, "/r/res-equations/access", "41.0.0.3").status_code == 302
    assert _visit(client, "/r/res-fractions/access", "66.249.66.1", GOOGLEBOT_UA).status_code == 302
    assert _visit(client, "/r/no-such-thing/access", "41.0.0.4").status_code == 404
    assert _visit(client, "/r/res-draft/access", "41.0.0.4").status_code == 404

    anonymous = client.get("/staff/diffusion/")
    assert anonymous.status_code in (302, 303) and "/staff/login" in anonymous.location
    _login(client, app, "analyste", ["validator"])  # any staff member may read
    data = client.get("/staff/diffusion/usage.json").get_json()
    assert data["totals"]["total_requests"] == 3
    assert data["totals"]["unique_requests"] == 3
    assert data["totals"]["robots"] == 1
    assert data["totals"]["double_clicks"] == 1
    top = {r["resource_id"]: r["total_requests"] for r in data["resources"]}
    assert top == {"res-fractions": 2, "res-equations": 1}

    page = client.get("/staff/diffusion/?lang=ar")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert (
        'rel="alternate"' in page.headers["Link"]
        and "/staff/diffusion/usage.json" in page.headers["Link"]
    )
    assert 'dir="rtl"' in html and "الموارد الأكثر استعمالا" in html
    assert re.search(r'<dd data-metric="total_requests">3</dd>', html)
    assert "<svg" in html and 'role="img"' in html and "<title id=" in html
    assert "الكسور" in html  # Arabic title in chart and table
    assert "style=" not in html.split("<svg", 1)[1]  # the CSP forbids inline styles


def test_csv_export_has_bom_and_bilingual_labels(app):
    client = app.test_client()
    _visit(client, "/r/res-lumiere/access", "41.0.0.9")
    _login(client, app, "analyste", ["indexer"])
    response = client.get("/staff/diffusion/export/subjects.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0]["term"] == "physique-chimie"
    assert rows[0]["label_ar"] and rows[0]["label_fr"]
    assert rows[0]["total_requests"] == "1"
    totals = dict(
        csv.reader(
            io.StringIO(
                client.get("/staff/diffusion/export/totals.csv").get_data().decode("utf-8-sig")
            )
        )
    )
    assert totals["total_requests"] == "1" and totals["robots"] == "0"
    assert client.get("/staff/diffusion/export/passwords.csv").status_code == 404


def test_campaign_through_the_staff_pages(app):
    client = app.test_client()
    _login(client, app, "indexeur", ["indexer"])
    page = client.get("/staff/diffusion/campaigns")
    assert page.status_code == 200
    token = _csrf(page.get_data(as_text=True))
    created = client.post(
        "/staff/diffusion/campaigns",
        data={
            "csrf_token": token,
            "code": "sm-2026",
            "title_fr": "Souss-Massa 2026",
            "title_ar": "سوس ماسة 2026",
            "channel": "school-server",
            "resource_ids": "res-fractions\nres-lumiere",
            "regions": ["souss-massa"],
            "establishments": "souss-massa;AGA-0101;Lycée Al Massira",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    listing = client.get("/staff/diffusion/campaigns?lang=ar").get_data(as_text=True)
    assert "sm-2026" in listing and "خادم المؤسسة" in listing and "سوس ماسة 2026" in listing
    detail = client.get("/staff/diffusion/campaigns/sm-2026")
    assert detail.status_code == 200
    token = _csrf(detail.get_data(as_text=True))
    assert (
        client.post(
            "/staff/diffusion/campaigns/sm-2026/ship",
            data={"csrf_token": token, "region": "souss-massa", "quantity": "12"},
        ).status_code
        == 302
    )
    bad = client.post(
        "/staff/diffusion/campaigns/sm-2026/report",
        data={
            "csrf_token": token,
            "report": (
                io.BytesIO(
                    b"region,establishment_code,date,status,installer,quantity\n"
                    b"souss-massa,AGA-0101,2026-02-30,installed,Rachid,12\n"
                ),
                "r.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert re.search(r"<td>2</td><td><code>date</code></td>", text)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    good = client.post(
        "/staff/diffusion/campaigns/sm-2026/report",
        data={
            "csrf_token": token,
            "report": (
                io.BytesIO(
                    f"region,establishment_code,date,status,installer,quantity\n"
                    f"souss-massa,AGA-0101,{today},installed,Rachid,12\n".encode()
                ),
                "r.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    status = client.get("/staff/diffusion/campaigns/sm-2026.json").get_json()
    (region,) = status["regions"]
    assert (region["region"], region["stage"], region["installed"]) == (
        "souss-massa",
        "installed",
        12,
    )
    bundle = client.post("/staff/diffusion/campaigns/sm-2026/bundle", data={"csrf_token": token})
    assert bundle.status_code == 200 and bundle.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(bundle.get_data())).namelist()
    assert any(n.endswith("/index.ar.html") for n in names) and any(
        n.endswith("/SHA256SUMS") for n in names
    )


def test_validators_cannot_run_campaigns(app):
    client = app.test_client()
    _login(client, app, "valideur", ["validator"])
    page = client.get("/staff/diffusion/campaigns")
    assert page.status_code == 200 and 'action="/staff/diffusion/campaigns"' not in page.get_data(
        as_text=True
    )
    token = _csrf(client.get("/staff/").get_data(as_text=True))  # from the console's logout form
    refused = client.post(
        "/staff/diffusion/campaigns",
        data={
            "csrf_token": token,
            "code": "x-1",
            "title_fr": "x",
            "channel": "lms",
            "resource_ids": "res-fractions",
            "regions": ["oriental"],
        },
    )
    assert refused.status_code == 403


def test_a_bad_campaign_form_is_answered_in_arabic_without_a_500(app):
    client = app.test_client()
    _login(client, app, "indexeur", ["admin"])
    page = client.get("/staff/diffusion/campaigns?lang=ar")
    response = client.post(
        "/staff/diffusion/campaigns?lang=ar",
        data={
            "csrf_token": _csrf(page.get_data(as_text=True)),
            "code": "ok-code",
            "title_ar": "حملة",
            "channel": "lms",
            "resource_ids": "res-draft",
            "regions": ["oriental"],
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "مورد غير معروف أو غير منشور: res-draft" in html
    # What was typed comes back, and the refusal sits next to its field.
    assert 'value="ok-code"' in html and ">res-draft</textarea>" in html
    assert re.search(r'id="resources-errors">مورد غير معروف', html)


def test_dashboard_arguments_are_checked_and_named_when_wrong(app):
    client = app.test_client()
    _login(client, app, "dash", ["indexer"])
    ok = client.get("/staff/diffusion/usage.json?start=2026-01-01&end=2026-12-31&granularity=day")
    assert ok.status_code == 200 and ok.get_json()["granularity"] == "day"
    bad = client.get(
        "/staff/diffusion/usage.json?start=demain&granularity=week",
        headers={"Accept-Language": "fr"},
    )
    assert bad.status_code == 400
    problem = bad.get_json()
    assert set(problem["errors"]) == {"start", "granularity"}
    assert "AAAA-MM-JJ" in problem["errors"]["start"][0] or "YYYY" in problem["errors"]["start"][0]
    page = client.get("/staff/diffusion/?end=31/12/2026")
    assert page.status_code == 400 and "Traceback" not in page.get_data(as_text=True)
