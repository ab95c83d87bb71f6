"""kill -9 a running ``mawarid harvest`` at several points; the next run resumes.

The partner is a real Mawarid (40 records, pages of 2) behind a gate that lets the test
stop the harvesting process at a chosen request: before the partner answers (the run
waits for a page) or right after it answered (the run is reading, applying or
committing that page). After every kill, and a final run, the harvesting catalogue
holds each partner record exactly once, with the partner's metadata. Killed inside a
page's transaction (its new records written in bulk, its changes one by one), the
position saved and the records applied agree.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from oai_testdata import EPOCH, LiveServer, backdate, make_app, oai_id, publish

from catalogue.services import SYSTEM
from catalogue.services.harvest_views import SourceSpec
from harvesters.run import SourceHarvester

pytestmark = pytest.mark.slow
RECORDS = 40


class Gate:
    """Counts the partner's requests; holds one (or signals after answering it)."""

    def __init__(self, app) -> None:
        self.app = app
        self.count = 0
        self.stop_at: int | None = None
        self.after = False
        self.hit = threading.Event()
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        self.count += 1
        stop, after = self.count == self.stop_at, self.after  # the test moves them on
        if stop and not after:
            self.hit.set()
            self.release.wait(60)
        body = b"".join(self.app(environ, start_response))
        if stop and after:
            self.hit.set()  # the answer is out: the harvester reads and commits it now
        return [body]


def mawarid_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAWARID_")}
    env.update(
        MAWARID_HOME=str(home),
        MAWARID_DATABASE_URL=f"sqlite:///{home / 'mawarid.sqlite3'}",
        MAWARID_SEARCH_URL=f"whoosh://{home / 'index'}",
        MAWARID_OAI_REPOSITORY_ID="harvester.test.ma",
        MAWARID_SECRET_KEY="kill-test",
        LANG="C.UTF-8",
    )
    return env


def test_kill_9_at_several_points_then_resume(tmp_path):
    partner_app = make_app(tmp_path / "partner", MAWARID_OAI_PAGE_SIZE=2)
    partner = partner_app.extensions["mawarid"]
    published = [publish(partner.resources, n) for n in range(RECORDS)]
    home = tmp_path / "target"
    target_app = make_app(home, MAWARID_OAI_REPOSITORY_ID="harvester.test.ma")
    target = target_app.extensions["mawarid"]
    gate = Gate(partner_app)
    mawarid = Path(sys.executable).parent / "mawarid"
    with LiveServer(gate) as server:
        target.catalogue.harvest.add(
            SourceSpec(name="partner", base_url=server.url + "/oai", agreement="Convention 1"),
            created_by="test",
        )
        # Kill points: k-th request of the run (1 is Identify), before or after its answer.
        for k, after in ((3, False), (4, True), (2, True), (5, True), (6, False)):
            gate.hit.clear()
            gate.release.clear()
            gate.stop_at, gate.after = gate.count + k, after
            process = subprocess.Popen(
                [str(mawarid), "harvest", "partner"],
                env=mawarid_env(home),
                stdout=subprocess.DEVNULL,
                stderr=(tmp_path / f"run-{k}-{after}.log").open("wb"),
            )
            try:
                assert gate.hit.wait(120), f"the run ended before request {k}: {process.poll()}"
                process.send_signal(signal.SIGKILL)
            finally:
                process.wait(30)
                gate.release.set()
            assert process.returncode == -signal.SIGKILL

        sources = target.catalogue.harvest
        assert sources.get("partner").resume is not None, "a killed run leaves its position"
        final = SourceHarvester(sources).run("partner")

    assert final.status == "done" and final.resumed, final.to_dict()
    runs = sources.runs("partner", limit=10)
    assert [r.status for r in runs[1:]] == ["interrupted"] * 5
    ids = sources.resource_ids("partner")
    assert sorted(ids) == sorted(oai_id(r) for r in published), "nothing skipped"
    assert target.resources.count() == RECORDS, "nothing duplicated"
    for rid in published:
        mine = target.resources.get(ids[oai_id(rid)])
        assert (
            mine.record["general"]["title"] == partner.resources.get(rid).record["general"]["title"]
        )
        assert [e.action for e in target.resources.history(mine.id)] == ["create", "acquisition"]
    created = sum(r.count("created") for r in runs)
    assert created == RECORDS, "each record created once over all the runs"
    partner.close()
    target.close()


#: Kill points inside a page (``tests.support.kill_after``) and the pages they let commit:
#: in the first page of a run, right after its new records' rows (inserted in bulk), right
#: after their record map, right after the position is saved, at the page's commit (the
#: first three are the lease's, the run's and Identify's) — nothing of the page kept —;
#: right after it (the next page renews the lease: the fourth renewal); inside the second.
PAGE_KILLS = (
    ("sql:1:INSERT INTO resources (", 0),
    ("sql:1:INSERT INTO harvest_records (", 0),
    ("sql:1:UPDATE harvest_sources SET last_datestamp", 0),
    ("commit:4", 0),
    ("sql:4:UPDATE harvest_sources SET lease_until", 1),
    ("sql:2:INSERT INTO resources (", 1),
)


def killed_inside_a_page(home: Path, kill: str, log: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "tests.support.kill_after", "harvest", "partner"],
        cwd=Path(__file__).resolve().parents[2],
        env={**mawarid_env(home), "KILL_AT": kill},
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        timeout=300,
        check=False,
    )
    assert process.returncode == -signal.SIGKILL, (kill, log.read_text(errors="replace")[-800:])


def applied_since(home: Path, since: datetime) -> tuple[int, int, int]:
    """(records the saved position says were listed, records applied since ``since``,
    resources of the source without their record map) as the next process sees them."""
    with sqlite3.connect(home / "mawarid.sqlite3") as conn:
        (resume,) = conn.execute("SELECT resume FROM harvest_sources").fetchone()
        applied = conn.execute(
            "SELECT count(*) FROM harvest_records WHERE datestamp >= ?",
            (since.strftime("%Y-%m-%d %H:%M:%S"),),
        ).fetchone()[0]
        orphans = conn.execute(
            "SELECT count(*) FROM resources r WHERE r.created_by = 'harvest:partner' AND NOT "
            "EXISTS (SELECT 1 FROM harvest_records m WHERE m.resource_id = r.id)"
        ).fetchone()[0]
    listed = int(json.loads(resume).get("seen", 0)) if resume else 0
    return listed, applied, orphans


def test_kill_9_inside_a_page_leaves_position_and_records_in_agreement(tmp_path):
    """Pages of new records (written in bulk) and of new and changed records mixed: killed
    inside a page, the saved position counts exactly the records applied; the next runs
    resume there and bring each record in once."""
    partner_app = make_app(tmp_path / "partner", MAWARID_OAI_PAGE_SIZE=5)
    partner = partner_app.extensions["mawarid"]
    published = [publish(partner.resources, n) for n in range(20)]
    backdate(
        partner.catalogue.db, {rid: EPOCH + timedelta(hours=n) for n, rid in enumerate(published)}
    )
    home = tmp_path / "target"
    target = make_app(home, MAWARID_OAI_REPOSITORY_ID="harvester.test.ma").extensions["mawarid"]
    with LiveServer(partner_app) as server:
        sources = target.catalogue.harvest
        sources.add(
            SourceSpec(name="partner", base_url=server.url + "/oai", agreement="Convention 2"),
            created_by="test",
        )
        # A first harvest: every page new records only.
        applied = 0
        for n, (kill, pages) in enumerate(PAGE_KILLS):
            before = applied
            killed_inside_a_page(home, kill, tmp_path / f"first-{n}.log")
            listed, applied, orphans = applied_since(home, EPOCH)
            assert listed == applied == before + 5 * pages and orphans == 0, (kill, listed, applied)
        assert SourceHarvester(sources).run("partner").status == "done"
        assert len(sources.resource_ids("partner")) == 20

        # The partner changes six records and publishes six, stamped one after the other
        # (changed, new, changed…): every page of the next run holds both.
        since = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        stamps = {}
        for n in range(6):
            view = partner.resources.get(published[n])
            changed = {**view.record, "general": {**view.record["general"]}}
            changed["general"]["title"] = {"fr": f"Révisé {n}"}
            partner.resources.update(SYSTEM, view.id, changed, expected_version=view.version)
            published.append(publish(partner.resources, 20 + n))
            stamps[view.id] = since + timedelta(seconds=2 * n)
            stamps[published[-1]] = since + timedelta(seconds=2 * n + 1)
        backdate(partner.catalogue.db, stamps)
        applied = 0
        for n, (kill, pages) in enumerate(PAGE_KILLS):
            before = applied
            killed_inside_a_page(home, kill, tmp_path / f"mixed-{n}.log")
            listed, applied, orphans = applied_since(home, since)
            assert listed == applied == before + 5 * pages and orphans == 0, (kill, listed, applied)
        final = SourceHarvester(sources).run("partner")

    assert final.status == "done" and final.resumed, final.to_dict()
    ids = sources.resource_ids("partner")
    assert sorted(ids) == sorted(oai_id(r) for r in published), "nothing skipped"
    assert target.resources.count() == 26, "nothing duplicated"
    for n, rid in enumerate(published):
        mine = target.resources.get(ids[oai_id(rid)])
        assert (
            mine.record["general"]["title"] == partner.resources.get(rid).record["general"]["title"]
        )
        actions = [e.action for e in target.resources.history(mine.id)]
        assert actions == ["create", "acquisition"] + (["update"] if n < 6 else []), (n, actions)
    partner.close()
    target.close()
