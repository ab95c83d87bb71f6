"""The store: migrations, append-only history, optimistic locking, stable datestamps."""

from __future__ import annotations

import threading
import time

import pytest
from catalogue_testdata import INDEXER, record
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from catalogue.errors import StaleVersion
from catalogue.store import Database
from catalogue.store.models import Base, Resource, ResourceEvent

CATALOGUE_TABLES = {
    "resources",
    "resource_events",
    "acquisitions",
    "procedure_steps",
    "documents",
    "users",
    "oai_item",
    "oai_item_set",
    "rate_limit_counters",
}


def test_upgrade_is_idempotent_and_reaches_every_head(services):
    from alembic.script import ScriptDirectory

    db = services.db
    assert db.current_revisions() == db.heads()
    assert db.upgrade() == db.heads()
    script = ScriptDirectory.from_config(db.alembic_config())
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain[-1] == "0001_catalogue"  # the root every other package's revision builds on
    with db.engine.connect() as conn:
        tables = set(db.engine.dialect.get_table_names(conn))
    assert tables >= CATALOGUE_TABLES


def test_models_and_migration_agree(services):
    """Autogenerate finds nothing to do: the shipped migration matches the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with services.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if _table_of(d) in CATALOGUE_TABLES]
    assert ours == []


def _table_of(diff) -> str | None:
    op = diff[0] if isinstance(diff, tuple) else diff[0][0]
    item = diff if isinstance(diff, tuple) else diff[0]
    for part in item[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else None
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        if op in ("add_table", "remove_table") and name:
            return name
        if isinstance(part, str):
            return part
    return None


def test_large_values_read_back_whole_and_postgresql_stores_them_with_lz4(services, published):
    """The renderings and records are compressed with LZ4 on PostgreSQL (0010_toast_lz4):
    cheaper to write than the default pglz; what is read back is what was written."""
    with services.db.engine.connect() as conn:
        (lom,) = conn.execute(
            text("SELECT oai_lom FROM oai_item WHERE resource_id = :id"), {"id": published.id}
        ).one()
        assert len(lom) > 2000 and lom.rstrip().endswith("</lom>")
        assert "الكسور" in lom or published.record["general"]["title"]["fr"] in lom
        if conn.dialect.name == "postgresql":
            methods = conn.execute(
                text(
                    "SELECT pg_column_compression(oai_lom), pg_column_compression(scolomfr)"
                    " FROM oai_item WHERE resource_id = :id"
                ),
                {"id": published.id},
            ).one()
            assert methods == ("lz4", "lz4")
            declared = dict(
                conn.execute(
                    text(
                        "SELECT attrelid::regclass::text || '.' || attname, attcompression"
                        " FROM pg_attribute WHERE attname IN"
                        " ('oai_dc', 'oai_lom', 'scolomfr', 'record') AND attnum > 0"
                        " AND attrelid::regclass::text"
                        " IN ('oai_item', 'resources', 'resource_versions')"
                    )
                ).all()
            )
            assert set(declared.values()) == {"l"} and len(declared) == 5


def test_events_cannot_be_updated_or_deleted(services, published):
    with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
        with services.db.session() as session:
            session.execute(update(ResourceEvent).values(actor="someone else"))
    with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
        with services.db.session() as session:
            session.execute(delete(ResourceEvent).where(ResourceEvent.resource_id == published.id))
    if services.db.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            with services.db.session() as session:
                session.execute(text("TRUNCATE resource_events CASCADE"))
    assert [e.actor for e in services.resources.history(published.id)][:1] == ["indexer1"]
    assert len(services.resources.history(published.id)) == 5


def test_second_edit_of_the_same_version_gets_stale_version(resources):
    view = resources.create_draft(INDEXER, record())
    first = resources.update(INDEXER, view.id, record(2), expected_version=view.version)
    assert first.version == view.version + 1
    with pytest.raises(StaleVersion, match="reload"):
        resources.update(INDEXER, view.id, record(3), expected_version=view.version)
    assert resources.get(view.id).record["general"]["title"]["fr"] == "Les fractions 2"


def test_concurrent_edits_of_the_same_version(services):
    """Two staff save version 1 at the same time: one wins, the other gets StaleVersion.

    On PostgreSQL the second has read version 1 and its UPDATE ... WHERE version = 1 waits
    for the first and then matches no row; on SQLite writers take the lock when they
    begin, so the second waits and then reads version 2. Either way: StaleVersion.
    """
    resources = services.resources
    view = resources.create_draft(INDEXER, record())
    started, results = threading.Event(), {}

    def first() -> None:
        with resources.batch() as work:
            work.update(INDEXER, view.id, record(2), expected_version=1)
            started.set()
            time.sleep(0.5)  # still uncommitted while the second one tries
        results["first"] = "saved"

    def second() -> None:
        started.wait(timeout=10)
        try:
            resources.update(INDEXER, view.id, record(3), expected_version=1)
            results["second"] = "saved"
        except Exception as exc:
            results["second"] = exc

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results["first"] == "saved"
    assert isinstance(results["second"], StaleVersion), results
    final = resources.get(view.id)
    assert final.version == 2 and final.record["general"]["title"]["fr"] == "Les fractions 2"


def test_a_stale_read_is_caught_at_flush(services):
    """The ORM's version check itself: a row loaded at version 1, changed underneath."""
    from sqlalchemy.orm.exc import StaleDataError

    resources = services.resources
    view = resources.create_draft(INDEXER, record())
    session = services.db.new_session()
    try:
        row = session.get(Resource, view.id)  # version 1 in this session
        session.commit()  # end the read transaction (SQLite snapshot)
        resources.update(INDEXER, view.id, record(2), expected_version=1)
        row.title = "changed underneath"
        with pytest.raises(StaleDataError):
            session.commit()
    finally:
        session.close()
    assert resources.get(view.id).version == 2


def test_datestamps_are_naive_utc_seconds(resources, published):
    for value in (
        published.created_at,
        published.updated_at,
        published.published_at,
        published.datestamp,
    ):
        assert value.tzinfo is None and value.microsecond == 0
    again = resources.get(published.id)
    assert again.datestamp == published.datestamp


def test_sqlite_pragmas(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


def test_arabic_is_stored_as_text_not_escapes(services, published):
    with services.db.engine.connect() as conn:
        raw = conn.execute(text("SELECT CAST(record AS TEXT) FROM resources")).scalar()
    assert "الكسور" in raw


def test_concurrent_first_starts_migrate_once(tmp_path):
    """Several processes opening a fresh SQLite database at once: one migrates, the others
    wait for its lock and then find the schema up to date."""
    from catalogue.store import database as database_module

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    errors: list[BaseException] = []

    def start() -> None:
        db = database_module.Database(url)
        try:
            db.upgrade()
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db = Database(url)
    assert db.current_revisions() == db.heads()
    db.dispose()
