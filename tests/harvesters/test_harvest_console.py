"""The staff console's harvest pages: every source's state at a glance, runs and reports."""

from __future__ import annotations

import sys
from pathlib import Path

from catalogue.services.harvest_views import SourceSpec
from harvesters.run import SourceHarvester

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "portal"))
from staff_fixtures import StaffClient, csrf_token, logged_in


def login(app, username="admin1", roles=("admin",)) -> StaffClient:
    accounts = app.extensions["mawarid"].accounts
    accounts.create_user(username, "a-long-password-1", display_name=username, roles=list(roles))
    return logged_in(app, username)


def csrf(client, url):
    return csrf_token(client.text(url))


def test_staff_see_each_source_state_and_runs(partner, target):
    sources = target.extensions["mawarid"].catalogue.harvest
    sources.add(
        SourceSpec(name="academie", base_url=partner.oai, agreement="Convention 9/2025"),
        created_by="test",
    )
    SourceHarvester(sources).run("academie")
    client = login(target)
    page = client.get("/staff/sources?lang=fr")
    assert page.status_code == 200
    html = page.data.decode()
    assert "academie" in html and partner.oai in html and "Convention 9/2025" in html
    assert "terminée" in html, "the last run's status in French"
    data = client.client.get("/staff/sources.json").get_json()
    assert data["sources"][0]["last_run"]["counts"]["created"] == 6
    detail = client.get("/staff/sources/academie?lang=ar").data.decode()
    assert 'dir="rtl"' in detail and "جديدة" in detail
    assert "mawarid harvest academie" in detail
    assert client.client.get("/staff/sources/nope").status_code == 404


def test_admins_add_and_disable_sources_with_csrf(partner, target):
    client = login(target)
    token = csrf(client, "/staff/sources")
    form = {
        "name": "nouvelle",
        "base_url": partner.oai,
        "metadata_prefix": "oai_dc",
        "sets": "collection:achat",
        "acquisition_mode": "cooperation",
        "agreement": "Accord 3",
        "interval_minutes": "60",
        "full_every_days": "7",
    }
    refused = client.post("/staff/sources", data=form, token=False)
    assert refused.status_code in (302, 400)
    assert target.extensions["mawarid"].catalogue.harvest.all() == []
    added = client.post("/staff/sources", data={**form, "csrf_token": token})
    assert added.status_code == 302
    [view] = target.extensions["mawarid"].catalogue.harvest.all()
    assert view.sets == ("collection:achat",) and view.metadata_prefix == "oai_dc"
    bad = client.post("/staff/sources", data={**form, "name": "Bad Name", "csrf_token": token})
    assert bad.status_code == 302
    assert "Bad Name" in client.get("/staff/sources").data.decode()
    client.post("/staff/sources/nouvelle/disable", data={"csrf_token": token})
    assert not target.extensions["mawarid"].catalogue.harvest.get("nouvelle").enabled


def test_only_admins_change_sources(partner, target):
    client = login(target, "indexer1", ("indexer",))
    assert client.get("/staff/sources").status_code == 200
    token = csrf(client, "/staff/sources")
    response = client.post(
        "/staff/sources",
        data={"name": "x1", "base_url": partner.oai, "agreement": "A", "csrf_token": token},
    )
    assert response.status_code == 403
