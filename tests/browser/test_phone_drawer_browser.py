"""A teacher on a phone (375×740): the first result shows before any facet, the facets open
as a drawer ("Refine") from the reading side, in French and in Arabic (RTL); a bucket's
count is what its click gives; chips remove what was chosen; examples find something."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PHONE = {"width": 375, "height": 740}


def _count(page) -> int:
    return int(re.search(r"\d+", page.locator("#results-count").inner_text()).group())


@pytest.mark.parametrize("locale, lang", [("fr-FR", "fr"), ("ar-MA", "ar")])
def test_phone_facet_drawer(new_page, live_server, screenshot, locale, lang):
    # Reduced motion: the drawer opens at once (no slide to wait for before measuring it).
    page = new_page(
        locale=locale, viewport=PHONE, is_mobile=True, has_touch=True, reduced_motion="reduce"
    )
    page.goto("/search")  # the browser's language picks the page's
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    first = page.locator(".hits .hit").first.bounding_box()
    assert first["y"] + 60 < PHONE["height"], "the first result needs scrolling on a phone"
    drawer = page.locator("#facets")
    expect(drawer).not_to_be_visible()
    screenshot(page, f"phone-results-{lang}")

    opener = page.locator(".jump-to-facets")
    opener.click()
    expect(drawer).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "true")
    box = drawer.bounding_box()
    assert box["x"] >= -1 and box["x"] + box["width"] <= PHONE["width"] + 1
    # The drawer comes from the reading side: the left in French, the right in Arabic.
    if lang == "ar":
        assert box["x"] + box["width"] >= PHONE["width"] - 1
    else:
        assert box["x"] <= 1
    screenshot(page, f"phone-drawer-{lang}", full_page=False)

    page.keyboard.press("Escape")
    expect(drawer).not_to_be_visible()
    expect(opener).to_be_focused()

    opener.click()
    subject = drawer.locator('a.facet-value[data-facet="subject"][data-value="mathematiques"]')
    expected = int(subject.locator(".facet-count").inner_text())
    subject.click()
    expect(page).to_have_url(re.compile(r"subject=mathematiques"))
    assert _count(page) == expected
    expect(page.locator('.chip[data-facet="subject"]')).to_be_visible()
    expect(page.locator(".jump-to-facets .facet-badge")).to_have_text("1")

    # The backdrop closes the drawer too.
    page.locator(".jump-to-facets").click()
    expect(drawer).to_be_visible()
    page.mouse.click(PHONE["width"] - 10 if lang == "fr" else 10, PHONE["height"] - 20)
    expect(drawer).not_to_be_visible()

    page.locator('.chip[data-facet="subject"] .chip-remove').click()
    expect(page.locator(".chip")).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376 || e.getBoundingClientRect().left < -1).map(e => e.className + ' ' + e.tagName).slice(0, 5)"
    )
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px): {wide}"


def test_search_examples_come_from_the_catalogue(page, live_server):
    page.goto("/")
    examples = page.locator(".search-examples a[data-example]")
    assert examples.count() >= 2
    placeholder = page.locator("#home-q").get_attribute("placeholder")
    for text in examples.all_inner_texts():
        assert text in placeholder
    for href in [a.get_attribute("href") for a in examples.all()]:
        page.goto(href)
        assert _count(page) > 0, href
