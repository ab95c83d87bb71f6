"""Harvest sources in a real browser: an admin adds a partner source through the console,
a run follows it, and the source's page shows the run in French and in Arabic (RTL)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_admin_adds_a_source_and_reads_its_runs(new_page, live_server, screenshot):
    from harvesters.run import SourceHarvester

    runtime = live_server.app.extensions["mawarid"]
    runtime.accounts.create_user(
        "harvest-admin", "browser-admin-password-1", display_name="harvest-admin", roles=["admin"]
    )
    page = new_page()
    page.goto("/staff/login")
    page.get_by_label("Identifiant").fill("harvest-admin")
    page.get_by_label("Mot de passe").fill("browser-admin-password-1")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.get_by_role("link", name="Moissonnage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sources moissonnées")
    # The partner is this very portal's OAI-PMH endpoint (a Mawarid following a Mawarid).
    page.get_by_label("Source", exact=True).fill("portail")
    page.get_by_label("Adresse OAI-PMH").fill(live_server.url + "/oai")
    page.get_by_label("Convention", exact=True).fill("Convention navigateur 1")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/sources/portail$"))
    expect(page.locator("body")).to_contain_text("jamais exécutée")

    run = SourceHarvester(runtime.catalogue.harvest).run("portail")
    assert run.status == "done" and run.count("created") > 0
    page.reload()
    expect(page.locator("table.runs")).to_contain_text("terminée")
    expect(page.locator("table.runs")).to_contain_text(f"nouvelles {run.count('created')}")

    arabic = new_page(locale="ar-MA")
    arabic.context.add_cookies(page.context.cookies())
    arabic.goto("/staff/sources?lang=ar")
    expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
    expect(arabic.locator("table.sources")).to_contain_text("portail")
    expect(arabic.locator("table.sources")).to_contain_text("منتهٍ")
    screenshot(arabic, "harvest-sources-ar")
