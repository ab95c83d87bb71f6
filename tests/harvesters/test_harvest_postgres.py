"""Harvesting into PostgreSQL: the same following, pages, leases and resumption
(MAWARID_TEST_POSTGRES_URL)."""

from __future__ import annotations

import pytest
from oai_testdata import make_app, oai_id, record
from test_follow_partner import (
    AGREEMENT,
    assert_follows,
    assert_one_lease_among_concurrent_runs,
    live,
)

from catalogue.services import SYSTEM
from catalogue.services.harvest_views import SourceSpec
from harvesters.run import SourceHarvester
from tests.support.postgres import postgres_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_target(tmp_path):
    with postgres_schema("harvest") as url:
        app = make_app(
            tmp_path / "pg-target",
            MAWARID_DATABASE_URL=url,
            MAWARID_OAI_REPOSITORY_ID="harvester.test.ma",
        )
        yield app
        app.extensions["mawarid"].close()


def test_following_a_partner_on_postgresql(partner, pg_target):
    sources = pg_target.extensions["mawarid"].catalogue.harvest
    sources.add(
        SourceSpec(name="partner", base_url=partner.oai, agreement=AGREEMENT), created_by="t"
    )
    harvester = SourceHarvester(sources)
    assert harvester.run("partner").count("created") == len(live(partner))
    presources = partner.runtime.resources
    edited, gone = live(partner)[0], live(partner)[1]
    presources.update(SYSTEM, edited, record(77), expected_version=presources.get(edited).version)
    presources.withdraw(SYSTEM, gone, reason="fin")
    partner.corpus.withdrawn.append(gone)
    second = harvester.run("partner")
    assert (second.count("updated"), second.count("withdrawn")) == (1, 1)
    assert_follows(pg_target, partner)
    mine = sources.resource_ids("partner")[oai_id(edited)]
    rt = pg_target.extensions["mawarid"]
    assert rt.resources.get(mine).record["general"]["title"]["fr"] == "Les fractions, leçon 77"


def test_one_lease_among_concurrent_runs_on_postgresql(partner, pg_target):
    assert_one_lease_among_concurrent_runs(partner, pg_target)
