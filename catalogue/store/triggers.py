"""Database triggers that make ``resource_events`` append-only.

The services never update or delete an event; these triggers make sure nothing
else going through the application's database account can either (a bug, a
hand-written script). They are created by the ``0001_catalogue`` migration.
"""

from __future__ import annotations

MESSAGE = "resource_events is append-only: history cannot be edited or deleted"

SQLITE = [
    f"""CREATE TRIGGER resource_events_no_update BEFORE UPDATE ON resource_events
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER resource_events_no_delete BEFORE DELETE ON resource_events
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]

POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION resource_events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END $$""",
    """CREATE TRIGGER resource_events_no_update BEFORE UPDATE OR DELETE ON resource_events
        FOR EACH ROW EXECUTE FUNCTION resource_events_append_only()""",
    # TRUNCATE bypasses row triggers on PostgreSQL; refuse it too.
    """CREATE TRIGGER resource_events_no_truncate BEFORE TRUNCATE ON resource_events
        FOR EACH STATEMENT EXECUTE FUNCTION resource_events_append_only()""",
]

DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS resource_events_no_update",
    "DROP TRIGGER IF EXISTS resource_events_no_delete",
]
DROP_POSTGRESQL = [
    "DROP TRIGGER IF EXISTS resource_events_no_update ON resource_events",
    "DROP TRIGGER IF EXISTS resource_events_no_truncate ON resource_events",
    "DROP FUNCTION IF EXISTS resource_events_append_only()",
]


def statements(dialect: str, *, drop: bool = False) -> list[str]:
    if dialect == "sqlite":
        return DROP_SQLITE if drop else SQLITE
    if dialect == "postgresql":
        return DROP_POSTGRESQL if drop else POSTGRESQL
    return []
