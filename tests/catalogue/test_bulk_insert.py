"""``insert_rows``: the rows of a bulk ingest as an INSERT would write them (by ``COPY`` on
PostgreSQL) and refused as an INSERT would refuse them."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from catalogue.store.bulk_insert import insert_rows
from catalogue.store.models import IndexJournalEntry, Resource, table_of

AT = datetime(2026, 12, 3, 10, 30, 15)


def resource_row(rid: str, **values) -> dict:
    return {
        "id": rid,
        "status": "draft",
        "version": 1,
        "record": {
            "general": {"title": {"ar": "الكسور", "fr": "Les « fractions »", "zgh": "ⵜⵉⴼⵔⴰⵙ"}}
        },
        "title": "Les « fractions »",
        "title_key": "fractions",
        "acquisition_id": None,
        "created_at": AT,
        "created_by": "lead",
        "updated_at": AT,
        "published_at": None,
        "withdrawn_at": None,
        "datestamp": AT,
        **values,
    }


def test_rows_read_back_as_given(services):
    rows = [resource_row("bulk-1"), resource_row("bulk-2", title="a\ttab, a \\ and a\nline")]
    with services.db.write_session() as session:
        insert_rows(session, table_of(Resource), rows)
        # a table whose key comes from a sequence: left out, numbered by the database
        insert_rows(
            session,
            table_of(IndexJournalEntry),
            [{"resource_id": r["id"], "change": "published", "at": AT} for r in rows],
        )
    with services.db.session() as session:
        found = {r.id: r for r in session.scalars(select(Resource))}
        seqs = list(session.scalars(select(IndexJournalEntry.seq)))
    assert found["bulk-1"].record == rows[0]["record"]
    assert found["bulk-2"].title == "a\ttab, a \\ and a\nline"
    assert found["bulk-1"].published_at is None and found["bulk-1"].created_at == AT
    assert len(set(seqs)) == 2


def test_a_duplicate_key_is_refused_like_an_insert_and_nothing_is_left(services):
    with services.db.write_session() as session:
        insert_rows(session, table_of(Resource), [resource_row("bulk-1")])
    with pytest.raises(IntegrityError):
        with services.db.write_session() as session:
            insert_rows(
                session, table_of(Resource), [resource_row("bulk-2"), resource_row("bulk-1")]
            )
    with services.db.session() as session:
        assert list(session.scalars(select(Resource.id))) == ["bulk-1"]


def test_the_database_holds_what_an_insert_would_have_written(services):
    # Raw values (no type processing on the way back): the same text for dates and JSON,
    # and a JSON None stored as JSON's null, as an INSERT stores it.
    given = [
        resource_row("fast-1"),
        resource_row("fast-2", published_at=AT, record={}),
        resource_row("fast-3", record=None),
    ]
    same = [{**row, "id": row["id"].replace("fast", "slow")} for row in given]
    with services.db.write_session() as session:
        insert_rows(session, table_of(Resource), given)
        session.execute(insert(table_of(Resource)), same)
    with services.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM resources ORDER BY id")).mappings().all()
        sql_nulls = conn.execute(text("SELECT id FROM resources WHERE record IS NULL")).all()
    raw = {r["id"]: {k: v for k, v in r.items() if k != "id"} for r in rows}
    assert raw["fast-1"] == raw["slow-1"] and raw["fast-2"] == raw["slow-2"]
    assert raw["fast-3"] == raw["slow-3"] and sql_nulls == []
    assert raw["fast-1"] != raw["fast-2"]
