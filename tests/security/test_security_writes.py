"""Point 2: nothing a visitor can do changes data.

Every route is sent POST, PUT, DELETE and PATCH without a staff session — once
with no CSRF token, once with a valid token of the visitor's own session (an
attacker can always get one from the login page) and a form that would do harm
if accepted. Each request must be refused, and afterwards every table of the
database holds exactly as many rows as before.
"""

from __future__ import annotations

import io
import re

from security_support import CURATOR, fetch, is_json_route, problems, row_counts

WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
REFUSED = {301, 302, 303, 307, 308, 400, 401, 403, 405, 429}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _harmful_form(token=None):
    form = {
        "username": "intruder",
        "password": "intruder-password-1",
        "display_name": "Intruder",
        "roles": ["admin", "indexer", "validator"],
        "commissions": ["validation"],
        "active": "0",
        "commission": "validation",
        "decision": "conforme",
        "reference": "PV forged",
        "reason": "forged",
        "note": "forged",
        "title_fr": "Forged",
        "title_ar": "مزور",
        "languages": ["fr"],
        "levels": ["1ac"],
        "subjects": ["mathematiques"],
        "licence": "cc-by-4.0",
        "version": "1",
        "expected_version": "1",
        "mode": "don",
        "counterpart": "x",
        "code": "forged-campaign",
        "channel": "cd-usb",
        "region": "tanger-tetouan-al-hoceima",
        "quantity": "5",
        "resource_ids": "x",
        "step": "validation",
        "document_type": "pv-validation",
        "file": (io.BytesIO(b"region,status\nx,installed\n"), "report.csv"),
    }
    if token:
        form["csrf_token"] = token
    return form


def _prepare(app, ids):
    runtime = app.extensions["mawarid"]
    runtime.accounts.create_user(
        "victim", "medina gate lamp 17", display_name="Victim", roles=["indexer"], commissions=[]
    )
    runtime.diffusion.campaigns.create(
        CURATOR,
        code="camp-1",
        title={"fr": "Campagne"},
        channel="cd-usb",
        resource_ids=ids["published"][:2],
        regions=["tanger-tetouan-al-hoceima"],
    )
    runtime.diffusion.campaigns.ship(
        CURATOR, "camp-1", region="tanger-tetouan-al-hoceima", quantity=3
    )


def _url(rule, ids):
    values = {
        "rid": ids["draft"],
        "username": "victim",
        "code": "camp-1",
        "vid": "level",
        "term_id": "1ac",
        "level": "college",
        "name": "usage",
        "filename": "css/app.css",
    }
    url = rule.rule
    for arg in rule.arguments:
        value = "1" if arg == "shipment_id" else values.get(arg, "x")
        url = re.sub(r"<(?:[\w]+(?:\([^)]*\))?:)?" + arg + ">", value, url)
    return url


def _is_login_redirect(response):
    return response.status_code in (
        301,
        302,
        303,
        307,
        308,
    ) and "/staff/login" in response.headers.get("Location", "")


def test_visitors_cannot_change_anything(fresh_app, ids):
    _prepare(fresh_app, ids)
    before = row_counts(fresh_app)
    failures = []
    rules = [r for r in fresh_app.url_map.iter_rules() if r.endpoint != "oai.endpoint"]
    for rule in rules:
        url = _url(rule, ids)
        for method in WRITE_METHODS:
            for with_token in (False, True):
                client = fresh_app.test_client()
                token = None
                if with_token:
                    match = _TOKEN.search(client.get("/staff/login").get_data(as_text=True))
                    assert match, "no CSRF token on the login page"
                    token = match.group(1) or match.group(2)
                response, error = fetch(
                    client,
                    method,
                    url,
                    data=_harmful_form(token),
                    content_type="multipart/form-data",
                )
                label = f"{method} {url} ({'token' if with_token else 'no token'})"
                if error:
                    failures.append(f"{label} → {error}")
                    continue
                status = response.status_code
                ok = status in REFUSED and (
                    status not in (301, 302, 303, 307, 308) or _is_login_redirect(response)
                )
                if rule.endpoint == "staff.login" and method == "POST" and status == 200:
                    ok = "intruder" not in str(client.get("/staff/").headers.get("Location", "x"))
                    ok = ok and client.get("/staff/").status_code != 200
                if not ok:
                    failures.append(f"{label} → {status} {response.headers.get('Location', '')}")
                failures += [f"{label} → {status}: {p}" for p in problems(response)]
                if is_json_route(rule.rule) and status >= 400 and not response.is_json:
                    failures.append(f"{label} → {status}: answered {response.mimetype}")
    after = row_counts(fresh_app)
    # Counting login attempts is the rate limiter's job (shared by every process), not data;
    # a failed login is also counted against the user name it tried (per-account lockout).
    changed = {
        t: (before[t], after[t])
        for t in before
        if before[t] != after.get(t) and t not in ("rate_limit_counters", "login_throttle")
    }
    assert not changed, f"rows changed by anonymous requests: {changed}"
    assert not failures, "\n".join(failures)


def test_oai_post_changes_no_catalogue_data(fresh_app):
    """OAI-PMH accepts POST (no CSRF, by design); it may count a harvest, nothing else."""
    before = row_counts(fresh_app)
    client = fresh_app.test_client()
    for body in (
        "verb=ListRecords&metadataPrefix=oai_dc",
        "verb=Identify",
        "verb=GetRecord&identifier=x&metadataPrefix=oai_dc",
        "verb=Nonsense",
    ):
        response = client.post("/oai", data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, (body, response.status_code)
        assert b"<OAI-PMH" in response.get_data()
    after = row_counts(fresh_app)
    changed = {
        t: (before[t], after[t])
        for t in before
        if before[t] != after.get(t) and not t.startswith("usage_")
    }
    assert not changed, changed
