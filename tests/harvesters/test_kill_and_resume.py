"""kill -9 a running ``mawarid harvest`` at several points; the next run resumes.

The partner is a real Mawarid (40 records, pages of 2) behind a gate that lets the test
stop the harvesting process at a chosen request: before the partner answers (the run
waits for a page) or right after it answered (the run is reading, applying or
committing that page). After every kill, and a final run, the harvesting catalogue
holds each partner record exactly once, with the partner's metadata.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from oai_testdata import LiveServer, make_app, oai_id, publish

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
