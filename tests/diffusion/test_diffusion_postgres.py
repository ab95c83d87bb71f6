"""The same services on PostgreSQL (upserts, JSONB, dates): run when MAWARID_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta

import pytest
from diffusion_testdata import CHROME_UA, GOOGLEBOT_UA, INDEXER, seed_corpus
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalogue.services import build_services as build_catalogue
from catalogue.store.models import utcnow
from diffusion.errors import ReportRefused
from diffusion.services import build_services as build_diffusion
from metadata_schemas.vocabularies import get_vocabularies
from tests.support.settings import settings_of

PG_ENV = "MAWARID_TEST_POSTGRES_URL"
pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_diffusion(tmp_path):
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {PG_ENV} is not")
        pytest.skip(f"{PG_ENV} not set")
    schema = f"d_{secrets.token_hex(6)}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    settings = {
        "MAWARID_HOME": str(tmp_path / "home"),
        "MAWARID_DATABASE_URL": scoped.render_as_string(hide_password=False),
        "SECRET_KEY": "pg-test",
        "MAWARID_USAGE_FLUSH_SECONDS": 3600,
    }
    settings = settings_of(settings)
    catalogue = build_catalogue(settings, get_vocabularies())
    seed_corpus(catalogue.resources)
    diffusion = build_diffusion(settings, catalogue, None, get_vocabularies())
    try:
        yield diffusion
    finally:
        diffusion.close()
        catalogue.close()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_counter_rules_and_dashboards_on_postgresql(pg_diffusion):
    usage = pg_diffusion.usage
    t0 = datetime(2026, 4, 1, 10, 0)
    usage.record("access", "res-fractions", ip="1.2.3.4", user_agent=CHROME_UA, at=t0)
    usage.record(
        "access", "res-fractions", ip="1.2.3.4", user_agent=CHROME_UA, at=t0 + timedelta(seconds=3)
    )
    usage.record(
        "access", "res-fractions", ip="1.2.3.4", user_agent=CHROME_UA, at=t0 + timedelta(minutes=3)
    )
    usage.record("view", "res-lumiere", ip="1.2.3.5", user_agent=CHROME_UA, at=t0)
    usage.record("view", "res-lumiere", ip="1.2.3.6", user_agent=GOOGLEBOT_UA, at=t0)
    usage.record("view", "nope", ip="1.2.3.6", user_agent=CHROME_UA, at=t0)
    usage.flush()
    usage.record(
        "access", "res-fractions", ip="1.2.3.4", user_agent=CHROME_UA, at=t0 + timedelta(minutes=4)
    )
    totals = pg_diffusion.reports.totals()
    assert (totals["total_requests"], totals["unique_requests"]) == (3, 1)
    assert (totals["double_clicks"], totals["robots"]) == (1, 1)
    assert {r["term"] for r in pg_diffusion.reports.by_dimension("subject")} == {
        "mathematiques",
        "physique-chimie",
    }
    assert [m["period"] for m in pg_diffusion.reports.series(granularity="month")] == ["2026-04"]


def test_campaign_and_report_on_postgresql(pg_diffusion):
    camp = pg_diffusion.campaigns
    camp.create(
        INDEXER,
        code="pg-1",
        title={"ar": "حملة"},
        channel="lms",
        resource_ids=["res-fractions"],
        regions=["oriental"],
    )
    camp.ship(INDEXER, "pg-1", region="oriental", quantity=3)
    today = utcnow().date()
    with pytest.raises(ReportRefused):
        pg_diffusion.installations.import_report(
            INDEXER,
            "pg-1",
            filename="x.csv",
            data=f"region,establishment_code,date,status,installer,quantity\noriental,A1,{today},installed,X,1\n"
            f"oriental,A2,{today},installed,X,-1\n".encode(),
        )
    pg_diffusion.installations.import_report(
        INDEXER,
        "pg-1",
        filename="y.csv",
        data=f"region,establishment_code,date,status,installer,quantity\noriental,A1,{today},installed,X,3\n".encode(),
    )
    (oriental,) = camp.status("pg-1")
    assert (oriental.stage, oriental.installed) == ("installed", 3)
