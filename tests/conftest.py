"""Fixtures shared by every area's tests.

Each area keeps its own fixtures in ``tests/<area>/conftest.py``; this file only
locates the read-only reference material in ``../shared`` (the official XSDs and
the curriculum facts), which tests may read but the project never ships.
"""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "standards").is_dir():
        pytest.fail(f"the reference folder {SHARED} is missing: clone the repo beside shared/")
    return SHARED
