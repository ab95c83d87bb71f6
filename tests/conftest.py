"""Fixtures shared by every area's tests.

Each area keeps its own fixtures in ``tests/<area>/conftest.py``; this file
locates the read-only reference material in ``../shared`` (the official XSDs and
the curriculum facts), which tests may read but the project never ships, and owns
the one headless Chromium of the session: Playwright's sync API runs an event
loop for as long as it is open, so a second ``sync_playwright()`` in the same
process fails — every browser test takes the ``browser`` fixture instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "standards").is_dir():
        pytest.fail(f"the reference folder {SHARED} is missing: clone the repo beside shared/")
    return SHARED
