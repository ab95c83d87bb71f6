"""A campaign end to end: saved search → shipment → offline bundle (opened in Chromium from
file://, searched in Arabic with no network) → installation report → status per region."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile

import pytest
from diffusion_testdata import INDEXER

from catalogue.services import SYSTEM
from catalogue.store.models import utcnow
from diffusion.bundle import verify


def _campaign(diffusion_search):
    return diffusion_search.campaigns.create(
        INDEXER,
        code="oriental-maths",
        title={"fr": "Mathématiques au collège", "ar": "الرياضيات بالإعدادي"},
        channel="cd-usb",
        query={"q": "", "filters": {"subject": ["mathematiques"]}},
        regions=["oriental"],
    )


def test_saved_search_selects_published_resources(diffusion_search, corpus):
    view = _campaign(diffusion_search)
    assert sorted(view.resource_ids) == ["res-equations", "res-fractions"]
    assert view.selection == {"q": "", "filters": {"subject": ["mathematiques"]}}


def test_bundle_is_complete_and_checksummed(diffusion_search, catalogue, corpus, tmp_path):
    catalogue.resources.attach_document(
        SYSTEM,
        "res-fractions",
        step="definition-besoins",
        document_type="fiche-production",
        filename="fiche fractions.pdf",
        data=b"%PDF-1.4 fractions",
    )
    catalogue.resources.attach_document(
        SYSTEM,
        "res-fractions",
        step="definition-besoins",
        document_type="cps",
        filename="cps-confidentiel.pdf",
        data=b"%PDF-1.4 internal",
    )
    _campaign(diffusion_search)
    result = diffusion_search.bundles.build(
        "oriental-maths", destination=tmp_path / "out", make_zip=True
    )
    root = result.folder
    assert result.resources == 2
    for rel in (
        "index.html",
        "index.ar.html",
        "resources/res-fractions.fr.html",
        "resources/res-fractions.ar.html",
        "assets/search.js",
        "assets/index-data.js",
        "manifest.json",
        "SHA256SUMS",
    ):
        assert (root / rel).is_file(), rel
    assert 'dir="rtl"' in (root / "index.ar.html").read_text("utf-8")
    copied = list((root / "files" / "res-fractions").iterdir())
    assert [p.read_bytes() for p in copied] == [b"%PDF-1.4 fractions"]  # the CPS stays home
    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in ("manifest.json", "SHA256SUMS"):
            assert listed[rel]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # The standard tool agrees with our own check.
    check = subprocess.run(
        ["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=root, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert verify(root) == []
    (root / "resources" / "res-fractions.fr.html").write_text("tampered", "utf-8")
    assert verify(root) == ["resources/res-fractions.fr.html"]
    with zipfile.ZipFile(result.zip_path) as zf:
        assert f"{root.name}/index.html" in zf.namelist()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no leftovers


def test_withdrawn_resource_is_left_out_of_the_bundle(
    diffusion_search, catalogue, corpus, tmp_path
):
    _campaign(diffusion_search)
    catalogue.resources.withdraw(SYSTEM, "res-equations", reason="erreur")
    result = diffusion_search.bundles.build("oriental-maths", destination=tmp_path)
    assert result.resources == 1
    assert not (result.folder / "resources" / "res-equations.fr.html").exists()


@pytest.mark.browser
def test_campaign_end_to_end_with_offline_search_in_chromium(
    diffusion_search, corpus, tmp_path, browser
):
    camp = diffusion_search.campaigns
    _campaign(diffusion_search)
    ship = camp.ship(INDEXER, "oriental-maths", region="oriental", quantity=30)
    camp.deliver(INDEXER, ship["id"])
    bundle = diffusion_search.bundles.build("oriental-maths", destination=tmp_path / "usb")

    page = browser.new_page()
    try:
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((bundle.folder / "index.html").as_uri())
        assert page.locator("#results li:not([hidden])").count() == 2
        # Arabic with a hamza-less alef and no article, as a teacher would type it.
        page.fill("#q", "كسور")
        page.wait_for_function(
            "document.querySelectorAll('#results li:not([hidden])').length === 1"
        )
        visible = page.locator("#results li:not([hidden]) a")
        assert visible.get_attribute("href") == "resources/res-fractions.fr.html"
        page.fill("#q", "المعادلات")
        page.wait_for_function(
            "document.querySelector('#results li:not([hidden])').dataset.id === 'res-equations'"
        )
        page.fill("#q", "EQUATIONS")  # French, capitals, no accent
        page.wait_for_function(
            "document.querySelectorAll('#results li:not([hidden])').length === 1"
        )
        page.fill("#q", "لا يوجد")
        page.wait_for_function(
            "document.querySelectorAll('#results li:not([hidden])').length === 0"
        )
        # The Arabic catalogue is right to left, and its links work from file://.
        page.goto((bundle.folder / "index.ar.html").as_uri())
        assert page.evaluate("document.documentElement.dir") == "rtl"
        page.click("a[href='resources/res-fractions.ar.html']")
        assert page.locator("h1").inner_text() == "الكسور"
        assert all(u.startswith("file://") for u in requests), requests
    finally:
        page.close()

    report = (
        "region,establishment_code,date,status,installer,quantity\n"
        f"oriental,OUJ-0012,{utcnow().date()},installed,Ahmed Alaoui,30\n"
    ).encode()
    diffusion_search.installations.import_report(
        INDEXER, "oriental-maths", filename="r.csv", data=report
    )
    (oriental,) = camp.status("oriental-maths")
    assert (oriental.region, oriental.stage, oriental.delivered, oriental.installed) == (
        "oriental",
        "installed",
        30,
        30,
    )


@pytest.mark.browser
def test_offline_search_folds_like_the_catalogue(diffusion_search, corpus, tmp_path, browser):
    """The bundle's JavaScript folding must give the keys Python's fold() gave the index."""
    from metadata_schemas.textnorm import fold

    _campaign(diffusion_search)
    bundle = diffusion_search.bundles.build("oriental-maths", destination=tmp_path)
    samples = [
        "  MATHÉMATIQUES ",
        "الرِّيَاضِيَّات",
        "أَسْئِلَة إِمْتِحَان",
        "مُسْتَوَى",
        "آية القرآن",
        "2BAC-PC",
        "Élève d'œuvre",
        "١٢٣ ۴۵",
        "ⵜⴰⵎⴰⵣⵉⵖⵜ",
        "ﻻ إله",
        "l'été—l’hiver",
    ]
    page = browser.new_page()
    try:
        page.goto((bundle.folder / "index.html").as_uri())
        folded = page.evaluate("(xs) => xs.map(window.mawaridFold)", samples)
    finally:
        page.close()
    assert folded == [fold(s) for s in samples]
