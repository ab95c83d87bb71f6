"""Staff in a real browser: create → submit → validate → publish → the resource is found in search.

Accounts are created through the catalogue (``runtime.accounts``) as ``mawarid user create``
would; everything else goes through the console's pages, forms and JavaScript.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WORD = "tessellations"  # a word no seeded resource uses


@pytest.fixture(scope="module")
def staff_accounts(live_server):
    accounts = live_server.app.extensions["mawarid"].accounts
    users = {
        "bidx": ("browser-indexer-1", ["indexer"], []),
        "bval": ("browser-validator-1", ["validator"], ["validation"]),
    }
    for name, (password, roles, commissions) in users.items():
        accounts.create_user(
            name, password, display_name=name, roles=roles, commissions=commissions
        )
    return {name: password for name, (password, _, _) in users.items()}


def _login(page, username: str, password: str) -> None:
    page.goto("/staff/login")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def test_staff_create_submit_validate_publish_then_search(
    new_page, live_server, staff_accounts, screenshot
):
    staff = new_page()
    _login(staff, "bidx", staff_accounts["bidx"])
    staff.get_by_role("link", name="Nouvelle ressource").click()
    staff.locator("#title_fr").fill(f"Pavages et {WORD} du plan")
    staff.locator("#title_ar").fill("التبليط في المستوى")
    expect(staff.locator("#title_ar")).to_have_attribute("dir", "rtl")
    staff.locator("#description_fr").fill("Activités de géométrie sur les pavages réguliers.")
    staff.locator("#description_ar").fill("أنشطة هندسية حول التبليط المنتظم.")
    staff.locator("#location").fill("https://mawarid.example/pavages")

    # The picker's filter (static/staff/picker.js) narrows the level list, Arabic input too.
    levels = staff.locator("#levels")
    level_filter = staff.locator("input.picker-filter[aria-controls=levels]")
    level_filter.fill("الثانية إعدادي")
    expect(levels.locator('option[value="2ac"]')).not_to_have_attribute("hidden", "")
    assert levels.locator('option[value="1ap"]').evaluate("o => o.hidden") is True
    levels.select_option(["2ac"])
    expect(staff.locator(".picker-chosen li")).to_contain_text(["2e année"])
    # Subjects narrow to those taught in the chosen level's cycle (collège: no Amazigh).
    subjects = staff.locator("#subjects")
    assert subjects.locator('option[value="langue-amazighe"]').evaluate("o => o.hidden") is True
    assert subjects.locator('option[value="mathematiques"]').evaluate("o => o.hidden") is False
    staff.locator("#subjects").select_option(["mathematiques"])
    staff.locator("#languages").select_option(["fr", "ar"])
    staff.locator("#learning_resource_type").select_option(["educational-activity"])
    staff.locator("#licence").select_option("cc-by-sa-4.0")
    staff.locator("#contributors-0-role").select_option("author")
    staff.locator("#contributors-0-entity").fill("Salma Berrada")
    screenshot(staff, "staff-record-form-fr")
    staff.get_by_role("button", name="Créer le brouillon").click()
    expect(staff.locator("#status")).to_have_text("brouillon")
    resource_url = staff.url
    rid = resource_url.rstrip("/").rsplit("/", 1)[-1]

    staff.get_by_role("button", name="Soumettre à la commission de validation").click()
    expect(staff.locator("#status")).to_have_text("soumise à validation")
    screenshot(staff, "staff-submitted")

    validator = new_page()
    _login(validator, "bval", staff_accounts["bval"])
    validator.goto(f"/staff/resources/{rid}")
    validator.get_by_label("Conforme", exact=True).check()
    validator.get_by_label("Référence du procès-verbal").fill("PV 7/2025")
    validator.get_by_label("Observation").fill("Conforme au programme de 2AC.")
    screenshot(validator, "staff-decision")
    validator.get_by_role("button", name="Enregistrer la décision").click()
    expect(validator.locator("#status")).to_have_text("validée (conforme)")

    staff.reload()
    staff.get_by_role("button", name="Publier sur le portail").click()
    expect(staff.locator("#status")).to_have_text("publiée")
    history = staff.locator("#history tbody tr")
    expect(history).to_have_count(4)  # create, submit, decide, publish
    screenshot(staff, "staff-published-history")

    # Arabic console: right to left, translated.
    staff.goto(f"/staff/resources/{rid}?lang=ar")
    expect(staff.locator("html")).to_have_attribute("dir", "rtl")
    expect(staff.locator("#history-title")).to_have_text("السجل")
    screenshot(staff, "staff-resource-ar")

    public = new_page()
    public.goto(f"/search?q={WORD}")
    expect(public.locator("body")).to_contain_text(f"Pavages et {WORD} du plan")
    screenshot(public, "staff-published-found-in-search")


def test_admin_creates_an_account_in_arabic(new_page, live_server, screenshot):
    accounts = live_server.app.extensions["mawarid"].accounts
    accounts.create_user("badm", "browser-admin-1", display_name="Admin", roles=["admin"])
    page = new_page(locale="ar-MA")
    page.goto("/staff/login?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label("اسم المستخدم").fill("badm")
    page.get_by_label("كلمة المرور").fill("browser-admin-1")
    page.get_by_role("button", name="تسجيل الدخول").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    screenshot(page, "staff-dashboard-ar")
    page.get_by_role("link", name="الحسابات").click()
    form = page.locator("form[action='/staff/users']")
    form.get_by_label("اسم المستخدم").fill("samira")
    form.get_by_label("الاسم المعروض").fill("سميرة العلوي")
    form.get_by_label("كلمة المرور", exact=True).fill("samira-password-1")
    form.get_by_label("تأكيد كلمة المرور").fill("samira-password-1")
    form.get_by_label("الفهرسة").check()
    form.get_by_role("button", name="إنشاء الحساب").click()
    expect(page.locator(".flash-success")).to_contain_text("samira")
    expect(page.locator("#user-samira")).to_contain_text("سميرة العلوي")
    screenshot(page, "staff-users-ar")
    assert accounts.get("samira").roles == frozenset({"indexer"})
