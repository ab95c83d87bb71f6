"""The review queue of imported records in a real browser: a documentalist imports a
partner's LOM file from the console, finds it in the queue, settles its notes (a term
chosen for a value Mawarid does not know, a crosswalk's proposal accepted), and the record
may then go to validation; the page reads in Arabic (RTL); the spreadsheet template
downloads with its bilingual headers."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from catalogue.errors import ReviewPending
from tests.support.records import complete

pytestmark = pytest.mark.browser

PARTNER_LOM = """<?xml version="1.0" encoding="UTF-8"?>
<lom xmlns="http://ltsc.ieee.org/xsd/LOM">
  <general>
    <identifier><catalog>URI</catalog><entry>https://partner.example/browser/polyedres</entry></identifier>
    <title><string language="fr">Polyèdres réguliers en images</string></title>
    <language>fr</language>
  </general>
  <educational>
    <learningResourceType><source>LOM-FRv1.0</source><value>cyberquête</value></learningResourceType>
    <learningResourceType><source>partenaire</source><value>visite de terrain filmée</value></learningResourceType>
  </educational>
</lom>
"""


def _login(page, username: str, password: str) -> None:
    page.goto("/staff/login")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_a_documentalist_imports_reviews_and_frees_a_record(
    new_page, live_server, tmp_path, screenshot
):
    runtime = live_server.app.extensions["mawarid"]
    runtime.accounts.create_user(
        "review-idx", "browser-review-password-1", display_name="review-idx", roles=["indexer"]
    )
    page = new_page()
    _login(page, "review-idx", "browser-review-password-1")

    page.get_by_role("link", name="Imports à revoir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices importées à revoir")
    partner_file = tmp_path / "partenaire-polyedres.xml"
    partner_file.write_text(PARTNER_LOM, encoding="utf-8")
    page.set_input_files("#import-file", str(partner_file))
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.locator("body")).to_contain_text("1 importées (1 à revoir)")

    queue = page.locator("#review-queue")
    queue.get_by_role("link", name="Polyèdres réguliers en images").click()
    expect(page.locator("#review-status")).to_contain_text("ne peut pas encore être soumise")
    rid = page.url.rstrip("/").rsplit("/", 1)[-1]
    # Both values were kept as written and shown: the crosswalk's proposal, the unknown one.
    notes = page.locator("ol.notes")
    expect(notes).to_contain_text("cyberquête")
    expect(notes).to_contain_text("visite de terrain filmée")
    with pytest.raises(ReviewPending):  # the catalogue refuses it for now
        runtime.resources.submit(runtime.accounts.actor("review-idx"), rid)

    # The unknown value: the documentalist picks the Mawarid term it means.
    unknown = page.locator("li.note.open", has_text="visite de terrain filmée")
    unknown.locator("select").select_option("demonstration")
    unknown.get_by_role("button", name="Utiliser ce terme").click()
    expect(page.locator("body")).to_contain_text("Remarque traitée.")
    # The crosswalk's proposal (cyberquête → activité éducative) is right: accept the rest.
    page.get_by_role("button", name="Accepter toutes les propositions").click()
    expect(page.locator("body")).to_contain_text("Revue terminée")
    expect(page.locator("#review-status")).to_contain_text("review-idx")
    screenshot(page, "review-record-fr")

    record = runtime.resources.get(rid).record
    assert record["educational"]["learning_resource_type"] == [
        "educational-activity",
        "demonstration",
    ]
    kept = {o["value"] for o in record["educational"]["original"]}
    assert {"cyberquête", "visite de terrain filmée"} <= kept  # the partner's words stay
    # What the completeness rules still ask for (Arabic title, licence…), then validation.
    view = runtime.resources.get(rid)
    runtime.resources.update(
        runtime.accounts.actor("review-idx"), rid, complete(record), expected_version=view.version
    )
    runtime.resources.submit(runtime.accounts.actor("review-idx"), rid)
    assert runtime.resources.get(rid).status == "submitted"

    arabic = new_page(locale="ar-MA")
    arabic.context.add_cookies(page.context.cookies())
    arabic.goto(f"/staff/review/{rid}?lang=ar")
    expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
    expect(arabic.locator("p.crumbs")).to_contain_text("البطاقات المستوردة للمراجعة")
    screenshot(arabic, "review-record-ar")


def test_the_spreadsheet_template_downloads_with_bilingual_headers(new_page, live_server):
    runtime = live_server.app.extensions["mawarid"]
    runtime.accounts.create_user(
        "review-reader", "browser-review-password-2", display_name="r", roles=["indexer"]
    )
    page = new_page()
    _login(page, "review-reader", "browser-review-password-2")
    page.goto("/staff/review/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger le modèle de tableur (XLSX)").click()
    download = info.value
    assert download.suggested_filename == "mawarid-modele.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    header = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
    title = next(h for h in header if h and "[title_fr]" in h)
    assert "Titre" in title and "العنوان" in title
