"""A PostgreSQL database of its own for a test: a fresh schema on MAWARID_TEST_POSTGRES_URL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "MAWARID_TEST_POSTGRES_URL"


@contextmanager
def postgres_schema(prefix: str = "t") -> Iterator[str]:
    """A database URL whose ``search_path`` is a new schema, dropped afterwards.

    Skips the test when the variable is unset (fails in CI, where it must be set).
    """
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {PG_ENV} is not: the PostgreSQL tests must run in CI")
        pytest.skip(f"{PG_ENV} not set")
    schema = f"{prefix}_{secrets.token_hex(6)}"
    engine = create_engine(make_url(url))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
