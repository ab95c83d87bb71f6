"""The same protocol on PostgreSQL: keyset paging, sets, dates (MAWARID_TEST_POSTGRES_URL)."""

from __future__ import annotations

import os
import secrets

import pytest
from oai_testdata import (
    OAI,
    OAIClient,
    build_corpus,
    error_code,
    harvest,
    identifiers,
    make_app,
    oai_id,
    runtime_of,
    token_of,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "MAWARID_TEST_POSTGRES_URL"
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory):
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {PG_ENV} is not: the PostgreSQL tests must run in CI")
        pytest.skip(f"{PG_ENV} not set")
    schema = f"oai_{secrets.token_hex(6)}"
    engine = create_engine(make_url(url))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    app = make_app(
        tmp_path_factory.mktemp("oai-pg"),
        MAWARID_DATABASE_URL=scoped.render_as_string(hide_password=False),
    )
    runtime = runtime_of(app)
    app.config["CORPUS"] = build_corpus(runtime.resources, runtime.catalogue.db, 12)
    yield app
    runtime.close()
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_full_lists_on_postgresql(pg_app):
    corpus = pg_app.config["CORPUS"]
    oai = OAIClient(pg_app.test_client())
    for verb in ("ListRecords", "ListIdentifiers"):
        headers, tokens = harvest(oai, verb, metadataPrefix="oai_lom")
        ids = [h.find(f"{OAI}identifier").text for h in headers]
        assert sorted(ids) == sorted(oai_id(r) for r in corpus.published) and len(set(ids)) == 12
        stamps = [(h.find(f"{OAI}datestamp").text, i) for h, i in zip(headers, ids, strict=False)]
        assert stamps == sorted(stamps)
        assert tokens[-1] is not None and not tokens[-1].text
    deleted = {h.find(f"{OAI}identifier").text for h in headers if h.get("status") == "deleted"}
    assert deleted == {oai_id(r) for r in corpus.withdrawn}


def test_sets_dates_and_records_on_postgresql(pg_app):
    corpus = pg_app.config["CORPUS"]
    oai = OAIClient(pg_app.test_client())
    in_set, _ = harvest(oai, "ListIdentifiers", metadataPrefix="oai_dc", set="level:primaire")
    assert in_set and all(
        "level:primaire" in {s.text for s in h.iterfind(f"{OAI}setSpec")} for h in in_set
    )
    assert (
        error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="level:prim"))
        == "noRecordsMatch"
    )
    day = oai(
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2025-03-01T09:00:00Z", "until": "2025-03-01T12:00:00Z"},
    )
    assert identifiers(day) == [oai_id(r) for r in corpus.published[3:5]]
    record = oai(verb="GetRecord", metadataPrefix="oai_dc", identifier=oai_id(corpus.published[0]))
    assert error_code(record) is None and record.find(f".//{OAI}metadata") is not None
    first = oai(verb="ListRecords", metadataPrefix="oai_dc")
    assert token_of(first).get("completeListSize") == "12"
