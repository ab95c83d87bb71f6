"""Arabic pages in a real browser: right to left, Arabic labels, language switch kept on the page."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_arabic_home_is_right_to_left(page, live_server, screenshot):
    page.goto("/?lang=ar")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("h1")).to_have_text("ابحث عن موارد رقمية لقسمك")
    expect(page.locator(".cycle-card h3").first).to_contain_text("التعليم")
    # The layout really flows right to left: the brand sits on the right of the language switch.
    brand = page.locator(".brand").bounding_box()
    switch = page.locator(".lang-switch").bounding_box()
    assert brand["x"] > switch["x"]
    screenshot(page, "home-ar")


def test_arabic_search_page_with_facets(page, live_server, screenshot):
    page.goto("/search?lang=ar&q=الكسور")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#facets-title")).to_have_text("تدقيق البحث")
    expect(page.locator("#results-count")).to_contain_text("تم العثور")
    # Arabic facet labels, and the sidebar is on the right-hand side.
    expect(page.locator('.facet[data-facet-name="subject"] summary')).to_contain_text("المادة")
    expect(page.locator('a.facet-value[data-value="mathematiques"] .facet-label')).to_have_text(
        "الرياضيات"
    )
    sidebar = page.locator(".facets").bounding_box()
    results = page.locator(".results").bounding_box()
    assert sidebar["x"] > results["x"]
    page.locator('a.facet-value[data-value="mathematiques"]').click()
    expect(page.locator(".chip")).to_contain_text("الرياضيات")
    screenshot(page, "search-ar")


def test_arabic_resource_page(page, live_server, screenshot):
    rid = live_server.corpus["fractions"]
    page.goto(f"/resources/{rid}?lang=ar")
    expect(page.locator("h1")).to_have_text("الكسور في الإعدادي")
    # The French title is shown too, marked as French, left to right.
    alt = page.locator(".resource-alt-title")
    expect(alt).to_have_attribute("lang", "fr")
    expect(alt).to_have_attribute("dir", "ltr")
    expect(page.locator(".access-panel .button")).to_contain_text("الولوج إلى المورد")
    expect(page.locator(".provenance-panel")).to_contain_text("اقتناء")
    screenshot(page, "resource-ar")


def test_language_switch_keeps_the_page_and_is_remembered(page, live_server, screenshot):
    page.goto("/search?q=fractions&level=1ac")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator('.lang-switch a[hreflang="ar"]').click()
    expect(page).to_have_url(
        re.compile(r"/search\?.*q=fractions.*lang=ar|/search\?.*lang=ar.*q=fractions")
    )
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".chip")).to_contain_text("1AC")
    # The choice is remembered on the next page without ?lang=.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.locator('.lang-switch a[hreflang="fr"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def test_phone_layout_in_arabic(new_page, live_server, screenshot):
    page = new_page(
        locale="ar-MA", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page.goto("/search?level=1ac")
    # Accept-Language alone picks Arabic.
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "search-ar-phone")
    rid = live_server.corpus["ondes"]
    page.goto(f"/resources/{rid}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "resource-ar-phone")
