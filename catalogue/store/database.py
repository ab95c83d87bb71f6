"""The database connection: engine set-up per back end, sessions, migrations.

SQLite (default) gets WAL journaling (readers never block the writer), enforced
foreign keys, a busy timeout, and explicit ``BEGIN`` so that SAVEPOINTs work
(pysqlite's own transaction handling does not support them; see SQLAlchemy's
"Serializable isolation / Savepoints / Transactional DDL" notes for pysqlite).
PostgreSQL goes through psycopg 3 (``postgresql+psycopg://``).

Migrations are Alembic scripts shipped inside the packages
(``catalogue/migrations/versions`` and, when present, the same folder in the
other packages that own tables, e.g. ``diffusion/migrations/versions``);
:meth:`Database.upgrade` runs them programmatically, no ``alembic.ini`` needed.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import is_unavailable, store_unavailable

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

#: PostgreSQL advisory lock key held while migrating (any constant shared by all processes).
UPGRADE_LOCK = 0x4D574452  # "MWDR"

#: Packages whose ``migrations/versions`` folder joins the catalogue's revision chain.
MIGRATION_PACKAGES = ("catalogue", "diffusion")


class EncodedJSON(str):
    """JSON text :func:`encode_json` made already (in a worker process): a JSON column
    stores it as it is instead of encoding it again."""

    __slots__ = ()


def encode_json(value: object) -> str:
    """The text a JSON column stores for ``value``."""
    if type(value) is EncodedJSON:
        return value
    # Arabic and Tifinagh stay readable in the database and in dumps.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@contextmanager
def guard_store() -> Iterator[None]:
    """Turn a database that cannot work now into :class:`StoreUnavailable` (the block's
    transaction is rolled back by its own context manager: nothing is half-written)."""
    try:
        yield
    except (OperationalError, InterfaceError, DBAPIError) as exc:
        if not is_unavailable(exc):
            raise
        log.warning("catalogue database unavailable: %s", str(exc.orig or exc).splitlines()[0])
        raise store_unavailable(exc) from exc


def version_locations() -> list[str]:
    found: list[str] = []
    for package in MIGRATION_PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for root in spec.submodule_search_locations:
            folder = Path(root) / "migrations" / "versions"
            if folder.is_dir() and str(folder) not in found:
                found.append(str(folder))
    return found


class Database:
    """One database: ``session()`` for units of work, ``upgrade()`` for the schema."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": encode_json}
        if self.dialect == "sqlite":
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Writers on SQLite take the write lock when they begin (BEGIN IMMEDIATE): a second
        # writer then waits for the first (busy timeout) and reads its result, instead of
        # failing with "database is locked" when it upgrades a stale read snapshot.
        writer = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.dialect == "sqlite"
            else self.engine
        )
        self._writers = sessionmaker(writer, expire_on_commit=False)

    # Units of work -----------------------------------------------------------

    @property
    def sqlite_path(self) -> Path | None:
        """The database file of a SQLite database (None in memory or on a server)."""
        database = self.url.database
        if self.dialect != "sqlite" or not database or database == ":memory:":
            return None
        if database.startswith("file:"):
            return None
        return Path(database).expanduser().resolve()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on any error
        (a database that cannot work now is :class:`StoreUnavailable`)."""
        with guard_store(), self._sessions.begin() as session:
            yield session

    def new_session(self, *, write: bool = False) -> Session:
        """A bare session; the caller manages the transaction. ``write``: it will write."""
        return (self._writers if write else self._sessions)()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """Like :meth:`session`, for a unit of work that writes."""
        with guard_store(), self._writers.begin() as session:
            yield session

    # Schema ------------------------------------------------------------------

    def alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", os.pathsep.join(version_locations()))
        # configparser interpolates "%": escape it (URL-encoded passwords, options).
        cfg.set_main_option(
            "sqlalchemy.url", self.url.render_as_string(hide_password=False).replace("%", "%%")
        )
        return cfg

    def heads(self) -> set[str]:
        from alembic.script import ScriptDirectory

        return set(ScriptDirectory.from_config(self.alembic_config()).get_heads())

    def current_revisions(self) -> set[str]:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())

    def upgrade(self, revision: str = "heads") -> set[str]:
        """Bring the schema to ``revision`` (all heads by default); a no-op when up to date."""
        from alembic import command

        cfg = self.alembic_config()
        if revision in ("head", "heads") and self.current_revisions() == self.heads():
            return self.current_revisions()
        # Two processes starting at once (web server and a CLI command) must not both
        # create the tables: take the database's write lock first, then let Alembic read
        # the current revision inside that transaction.
        engine = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.dialect == "sqlite"
            else self.engine
        )
        with engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK:d})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        current = self.current_revisions()
        log.info("database schema at %s", ", ".join(sorted(current)))
        return current

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) emit BEGIN, so SAVEPOINT and transactional DDL work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def _use_wal(cursor: Any, patience: float = 30.0) -> None:
    """Put the database in WAL mode (persistent, so only its first opening switches).

    Switching needs an exclusive lock and SQLite does not always wait for it with the
    busy handler: processes opening a fresh database together got "database is locked".
    Reading the mode takes no lock, and a refused switch is retried until another
    connection has made it or the patience runs out.
    """
    deadline = time.monotonic() + patience
    delay = 0.01
    while True:
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
