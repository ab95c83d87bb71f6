"""A teacher searches in a real browser: two facets, chips, counts, keyboard use."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _count(page) -> int:
    text = page.locator("#results-count").inner_text()
    return int(re.search(r"\d+", text).group())


def test_search_with_two_facets(page, live_server, screenshot):
    page.goto("/search")
    total = _count(page)
    assert total == 8
    screenshot(page, "search-all-fr")

    # First facet: level 1AC (inside the level tree of the sidebar).
    level = page.locator('.facets a.facet-value[data-facet="level"][data-value="1ac"]')
    level_count = int(level.locator(".facet-count").inner_text())
    assert level_count == 3
    level.click()
    expect(page).to_have_url(re.compile(r"level=1ac"))
    assert _count(page) == 3
    expect(page.locator('.chip[data-facet="level"]')).to_contain_text("1AC")

    # Second facet: subject mathematics; its count is the one shown before clicking.
    subject = page.locator(
        '.facets a.facet-value[data-facet="subject"][data-value="mathematiques"]'
    )
    subject_count = int(subject.locator(".facet-count").inner_text())
    assert subject_count == 2
    subject.click()
    expect(page).to_have_url(re.compile(r"subject=mathematiques"))
    assert _count(page) == subject_count
    chips = page.locator(".chip")
    expect(chips).to_have_count(2)
    titles = page.locator(".hit-title a").all_inner_texts()
    assert any("fractions" in t.lower() for t in titles)
    screenshot(page, "search-two-facets-fr")

    # Removing the level chip keeps the subject filter only.
    page.locator('.chip[data-facet="level"] .chip-remove').click()
    expect(page.locator(".chip")).to_have_count(1)
    assert _count(page) == 4  # every published mathematics resource


def test_keyboard_reaches_search_box_and_submits(page, live_server):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    # Tab on until the search box has the focus (skip link, logo, language links…).
    for _ in range(10):
        if page.evaluate("document.activeElement && document.activeElement.id") == "home-q":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#home-q")).to_be_focused()
    # The focus is visible (a thick outline, not the browser's faint default).
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.removesuffix("px")) >= 2
    page.keyboard.type("photosynthèse")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(page.locator(".hit-title a").first).to_contain_text("photosynthèse")


def test_suggestions_appear_and_are_keyboard_selectable(page, live_server, screenshot):
    page.goto("/")
    box = page.locator("#home-q")
    box.click()
    box.type("fract", delay=40)
    options = page.locator("#suggestions-1 [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    screenshot(page, "suggestions-fr", full_page=False)
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile("suggestions-1-0"))
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))


def test_browse_cycle_level_subject(page, live_server, screenshot):
    page.goto("/")
    screenshot(page, "home-fr")
    page.locator('.cycle-card a[href="/browse/1ac"]').click()
    expect(page.locator("h1")).to_have_text("1re année du cycle secondaire collégial")
    maths = page.locator("a.subject-card", has_text="Mathématiques")
    expect(maths).to_contain_text("2 ressources")
    screenshot(page, "browse-1ac-fr")
    maths.click()
    expect(page.locator(".chip")).to_have_count(2)
    assert _count(page) == 2
    page.locator(".hit-title a", has_text="Les fractions au collège").click()
    expect(page.locator("h1")).to_have_text("Les fractions au collège")
    expect(page.locator(".resource-alt-title")).to_have_attribute("lang", "ar")
    screenshot(page, "resource-fr")
