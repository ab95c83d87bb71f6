"""``kill -9`` anywhere in an import, a publication or a rebuild: nothing half-written, and
the next run converges — the index equals the database without a rebuild.

Each case runs the real ``mawarid`` command in a subprocess that kills itself at a chosen
point (:mod:`tests.support.kill_after`: after the N-th SQL statement, at or right after
a COMMIT, right after an index write), then checks the database is whole and that the
next ordinary run brings everything in step.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from catalogue_testdata import INDEXER, VALIDATOR, record
from sqlalchemy import text

from catalogue.services import Actor
from catalogue.services.workers import PARENT_CHECK
from mawarid.runtime import build_runtime
from tests.support.settings import settings_of

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LOT = 18  # records per import: three batches of six
LEAD = Actor("lead", frozenset({"indexer", "validator"}), frozenset({"validation"}))


def run(instance, *args: str, kill: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAWARID_")},
        **{k: str(v) for k, v in instance.config.items()},
        "LANG": "en_US.UTF-8",
        "LANGUAGE": "",
        "LC_ALL": "",
    }
    command = [sys.executable, "-m", "tests.support.kill_after", *args]
    if kill:
        env["KILL_AT"] = kill
    else:
        command = [sys.executable, "-m", "mawarid.cli", *args]
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def fresh(instance):
    """The instance as the next process sees it."""
    return build_runtime(settings_of(instance.config))


def assert_whole(runtime) -> None:
    """Nothing half-written: each resource has its events; each published one has its OAI
    row and its four lifecycle events; the journal names only existing resources."""
    with runtime.catalogue.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.id, r.status, "
                "(SELECT count(*) FROM resource_events e WHERE e.resource_id = r.id), "
                "(SELECT count(*) FROM oai_item o WHERE o.resource_id = r.id) FROM resources r"
            )
        ).all()
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM index_journal j "
                "WHERE NOT EXISTS (SELECT 1 FROM resources r WHERE r.id = j.resource_id)"
            )
        ).scalar()
    for rid, status, events, items in rows:
        if status == "published":
            assert events >= 4 and items == 1, (rid, events, items)
        else:
            assert events >= 1 and items == 0, (rid, status, events, items)
    assert orphans == 0


def in_step(instance) -> None:
    runtime = fresh(instance)
    try:
        assert_whole(runtime)
        drift = runtime.index.check()
        assert drift.in_step, drift.to_dict()
    finally:
        runtime.close()


def import_again_converges(instance, lot: Path) -> None:
    """The same import run again after a kill: it succeeds, says the index is up to date,
    and database and index agree."""
    again = run(instance, "import", str(lot), *IMPORT)
    assert again.returncode == 0, again.stderr[-800:]
    assert "search index up to date" in again.stdout + again.stderr
    in_step(instance)


@pytest.fixture
def lot(tmp_path) -> Path:
    path = tmp_path / "lot.jsonl"
    path.write_text(
        "\n".join(json.dumps({"id": f"lot-{n:03d}", **record(n)}) for n in range(LOT)) + "\n",
        encoding="utf-8",
    )
    return path


IMPORT = ("--migrate-validated", "PV 3/2026", "--acquisition-mode", "don", "--batch", "6")


@pytest.mark.parametrize("kill", ["statement:12", "commit:2", "committed:2", "index:1"])
def test_kill_during_an_import_then_resume(instance, lot, kill):
    killed = run(instance, "import", str(lot), *IMPORT, kill=kill)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-800:])
    runtime = fresh(instance)
    try:
        assert_whole(runtime)
        before = runtime.resources.count(status="published")
        assert 0 <= before < LOT or kill == "index:1"
    finally:
        runtime.close()
    import_again_converges(instance, lot)
    runtime = fresh(instance)
    try:
        assert runtime.resources.count(status="published") == LOT
    finally:
        runtime.close()


def _validated(instance, n: int) -> str:
    runtime = fresh(instance)
    try:
        resources = runtime.resources
        view = resources.create_draft(INDEXER, record(n))
        resources.submit(INDEXER, view.id)
        resources.decide(
            VALIDATOR, view.id, commission="validation", decision="conforme", reference="PV 4"
        )
        return view.id
    finally:
        runtime.close()


@pytest.mark.parametrize("engine", ["whoosh", "elasticsearch"])
@pytest.mark.parametrize("kill", ["statement:6", "commit:1", "committed:1", "index:1"])
def test_kill_during_a_publication_then_any_run_converges(instance, kill):
    rid = _validated(instance, 1)
    killed = run(instance, "publish", rid, kill=kill)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-800:])
    runtime = fresh(instance)
    try:
        assert_whole(runtime)
        status = runtime.resources.get(rid).status
        assert status == ("validated" if kill.startswith(("statement", "commit:")) else "published")
    finally:
        runtime.close()
    check = run(instance, "index", "check")
    assert check.returncode == (0 if status == "validated" else 1), check.stdout + check.stderr
    assert run(instance, "index", "sync").returncode == 0
    in_step(instance)


@pytest.mark.parametrize("engine", ["whoosh", "opensearch"])
@pytest.mark.parametrize("kill", ["statement:4", "committed:1"])
def test_kill_during_a_rebuild_leaves_the_serving_index_then_converges(instance, kill):
    runtime = fresh(instance)
    try:
        ids = []
        for n in range(12):
            view = runtime.resources.create_published(LEAD, record(n), reference="PV 5")
            ids.append(view.id)
        assert runtime.search.count() == 12
    finally:
        runtime.close()
    killed = run(instance, "reindex", "--batch", "4", kill=kill)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-800:])
    runtime = fresh(instance)
    try:
        assert runtime.search.count() == 12  # the serving index was never touched
    finally:
        runtime.close()
    in_step(instance)
    assert run(instance, "reindex", "--batch", "4").returncode == 0
    in_step(instance)


@pytest.mark.parametrize("engine", ["whoosh"])
@pytest.mark.parametrize("kill", ["committed:2", "committed:4"])
def test_kill_during_an_import_followed_by_the_index(instance, lot, kill):
    """With the index follower running beside the import (rounds of one batch, two cores):
    the import killed, the follower goes with it, and the next run converges."""
    follow = {"MAWARID_INGEST_PROCS": "2", "MAWARID_INDEX_FOLLOW_ROUND": "6"}
    instance.config.update(follow)
    killed = run(instance, "import", str(lot), *IMPORT, kill=kill)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-800:])
    runtime = fresh(instance)
    try:
        assert_whole(runtime)
        # The follower saw its parent die and stopped: nobody holds the drain any more.
        deadline = time.monotonic() + 3 * PARENT_CHECK + 5
        while (busy := runtime.index.drain().busy) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not busy
    finally:
        runtime.close()
    import_again_converges(instance, lot)
