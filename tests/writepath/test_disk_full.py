"""Out of disk, not out of service: on a really full file system (a small tmpfs) the
portal answers 503 (never 500), commands say what is wrong in one line (never a
traceback), nothing is half-written, and everything recovers once space is back."""

from __future__ import annotations

import json
import re

import pytest
from argon2 import PasswordHasher
from catalogue_testdata import SYSTEM, record

from catalogue.services import Actor
from core.clock import FrozenClock
from indexer import SearchQuery
from mawarid.runtime import build_runtime
from portal import create_app
from tests.support.cli import invoke
from tests.support.settings import settings_of
from tests.support.small_disk import small_disk

LEAD = Actor("lead", frozenset({"indexer", "validator"}), frozenset({"validation"}))
PASSWORD = "cedre atlas neige 2026"


def runtime_for(config):
    runtime = build_runtime(settings_of(config), clock=FrozenClock())
    runtime.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return runtime


def csrf(client) -> str:
    page = client.get("/staff/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def lot(path, first: int, count: int):
    path.write_text(
        "\n".join(
            json.dumps({"id": f"lot-{n:03d}", **record(n)}) for n in range(first, first + count)
        )
        + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def full_home(tmp_path):
    """An instance whose whole home (SQLite database, Whoosh index, documents) sits on a
    32 MB disk, with three published resources and one staff account."""
    with small_disk(tmp_path / "disk") as disk:
        config = {
            "MAWARID_HOME": str(disk.path / "home"),
            "MAWARID_OAI_REPOSITORY_ID": "mawarid.test",
            "SECRET_KEY": "disk-full-tests",
        }
        runtime = runtime_for(config)
        for n in range(3):
            runtime.resources.create_published(LEAD, record(n), reference="PV 1")
        runtime.accounts.create_user("karima", PASSWORD, roles=["indexer", "admin"])
        runtime.close()
        yield disk, config


def test_a_full_disk_under_the_database(full_home, tmp_path):
    disk, config = full_home
    runtime = runtime_for(config)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True, **config}, runtime=runtime)
    client = app.test_client()
    token = csrf(client)
    disk.fill()

    # The web: a login writes (last login, failed-login counter): 503, in French, no 500.
    login = client.post(
        "/staff/login", data={"username": "karima", "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 503, login.status_code
    page = login.get_data(as_text=True)
    assert "le disque est plein" in page and "Traceback" not in page
    assert login.headers["Retry-After"]
    assert client.get("/search?q=fractions").status_code == 200  # reading still works

    # A command: one clear line, exit status 1, and nothing of the import was written.
    before = runtime.resources.count()
    result = invoke(
        runtime, "import", str(lot(tmp_path / "lot.jsonl", 10, 5)), catch_exceptions=True
    )
    assert result.exit_code == 1, result.output
    assert "le disque est plein" in result.output and "Traceback" not in result.output
    assert runtime.resources.count() == before

    # Space is back: the same requests and commands work, the index is in step.
    disk.free()
    login = client.post(
        "/staff/login", data={"username": "karima", "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 302
    assert client.get("/staff/").status_code == 200
    again = invoke(runtime, "import", str(tmp_path / "lot.jsonl"))
    assert again.exit_code == 0, again.output
    assert runtime.resources.count() == before + 5
    assert runtime.index.check().in_step
    runtime.close()


def test_a_full_disk_under_the_search_index(tmp_path):
    with small_disk(tmp_path / "disk", size="16m") as disk:
        config = {
            "MAWARID_HOME": str(tmp_path / "home"),
            "MAWARID_SEARCH_URL": f"whoosh://{disk.path / 'index'}",
            "MAWARID_OAI_REPOSITORY_ID": "mawarid.test",
        }
        runtime = runtime_for(config)
        first = runtime.resources.create_published(LEAD, record(1), reference="PV 1").id
        disk.fill()
        # Publishing and withdrawing succeed: the database has them, the journal keeps them.
        second = runtime.resources.create_published(LEAD, record(2), reference="PV 1").id
        runtime.resources.withdraw(SYSTEM, first, reason="retrait")
        report = runtime.index.last
        assert report is not None and not report.complete and report.pending == 2
        assert "No space left on device" in (report.error_text() or "")
        sync = invoke(runtime, "index", "sync", catch_exceptions=True)
        assert sync.exit_code == 4 and "PAS à jour : 2 changements" in sync.output
        assert "Traceback" not in sync.output
        rebuild = invoke(runtime, "reindex", catch_exceptions=True)
        assert rebuild.exit_code == 1 and "Traceback" not in rebuild.output
        assert runtime.search.count() == 1  # the serving index is untouched
        disk.free()
        assert invoke(runtime, "index", "sync").exit_code == 0
        drift = runtime.index.check()
        assert drift.in_step and drift.published == 1 and runtime.search.count() == 1
        assert {h.id for h in runtime.search.search(SearchQuery()).hits} == {second}
        runtime.close()
