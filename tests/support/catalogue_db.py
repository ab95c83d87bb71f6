"""Database fixtures of the catalogue's tests (and the intake's): every store test runs on
SQLite and on PostgreSQL.

PostgreSQL is used when ``MAWARID_TEST_POSTGRES_URL`` names a server (``bin/test``
starts one). Each test session creates and migrates a fresh database on it
(dropped at the end); tables are emptied before each test. With ``CI`` set and no server,
the PostgreSQL variants fail instead of being skipped. Import the fixtures into a
``conftest.py``: ``from tests.support.catalogue_db import database_url, ...``.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalogue.services import build_services
from catalogue.store import Database
from metadata_schemas.vocabularies import get_vocabularies
from tests.support.settings import settings_of

PG_ENV = "MAWARID_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "catalogue.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()  # the last connection checkpoints the WAL into the main file
    return path


@pytest.fixture(scope="session")
def _postgres_server():
    """A fresh, migrated database on the test server for this session, dropped at the end."""
    url = os.environ.get(PG_ENV)
    if not url:
        yield None
        return
    base = make_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"mawarid_catalogue_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    session_url = base.set(database=name).render_as_string(hide_password=False)
    db = Database(session_url)
    db.upgrade()
    try:
        yield db, session_url
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(db: Database) -> None:
    """Empty every table between tests. The append-only triggers are bypassed here only,
    through ``session_replication_role`` (superuser), which the application never uses."""
    with db.engine.begin() as conn:
        tables = [t for t in db.engine.dialect.get_table_names(conn) if t != "alembic_version"]
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:  # DELETE beats TRUNCATE on tiny tables; FK triggers are off too
            conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path, _sqlite_template, _postgres_server):
    if request.param == "sqlite":
        target = tmp_path / "catalogue.sqlite3"
        shutil.copyfile(_sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    if _postgres_server is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {PG_ENV} is not: the PostgreSQL tests must run in CI")
        pytest.skip(f"{PG_ENV} not set")
    db, url = _postgres_server
    _empty_postgres(db)
    yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> dict:
    return {
        "MAWARID_HOME": str(tmp_path / "home"),
        "MAWARID_DATABASE_URL": database_url,
        "MAWARID_OAI_REPOSITORY_ID": "mawarid.test",
    }


@pytest.fixture
def services(settings):
    svc = build_services(settings_of(settings), get_vocabularies())
    yield svc
    svc.close()


@pytest.fixture
def resources(services):
    return services.resources
