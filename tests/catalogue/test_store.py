"""The store: migrations, append-only history, optimistic locking, stable datestamps."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from catalogue.errors import StaleVersion
from catalogue.store import Database
from catalogue.store.models import Base, Resource, ResourceEvent
from catalogue_testdata import INDEXER, record


CATALOGUE_TABLES = {"resources", "resource_events", "acquisitions", "procedure_steps",
                    "documents", "users", "oai_item", "oai_item_set"}


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
    assert CATALOGUE_TABLES <= tables


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


def test_concurrent_sessions_race_is_caught_at_flush(services):
    """Two sessions load version 1 before either writes: the second UPDATE matches no row."""
    resources = services.resources
    view = resources.create_draft(INDEXER, record())
    loaded = threading.Barrier(2)
    results: dict[str, object] = {}

    def edit(name: str, n: int) -> None:
        try:
            with resources.batch() as work:
                row = work.session.get(Resource, view.id)
                assert row.version == 1
                loaded.wait(timeout=10)
                if name == "second":
                    done.wait(timeout=10)
                work.update(INDEXER, view.id, record(n), expected_version=1)
            results[name] = "saved"
        except StaleVersion as exc:
            results[name] = exc
        except Exception as exc:  # SQLite may refuse the late writer as busy instead
            results[name] = exc
        finally:
            if name == "first":
                done.set()

    done = threading.Event()
    threads = [threading.Thread(target=edit, args=("first", 2)),
               threading.Thread(target=edit, args=("second", 3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results["first"] == "saved"
    assert isinstance(results["second"], Exception), results
    if services.db.dialect == "postgresql":
        assert isinstance(results["second"], StaleVersion)
    final = resources.get(view.id)
    assert final.version == 2 and final.record["general"]["title"]["fr"] == "Les fractions 2"


def test_datestamps_are_naive_utc_seconds(resources, published):
    for value in (published.created_at, published.updated_at, published.published_at,
                  published.datestamp):
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
