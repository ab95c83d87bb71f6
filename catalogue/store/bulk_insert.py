"""Many rows into one table inside the session's transaction: ``COPY`` on PostgreSQL.

A bulk ingest writes thousands of rows per batch (resources, events, OAI items, steps).
Through SQLAlchemy they become multi-row ``INSERT … VALUES`` statements that the server
parses and plans one by one while the client waits (measured on a 30,000-record demo: a
quarter of the writing process's time waiting on the server, about 0.5 ms of server CPU
per record). ``COPY … FROM STDIN`` is PostgreSQL's own bulk path: one stream, rows
adapted by psycopg's C adapters, no statement per thousand rows. SQLite keeps
``executemany`` (it has no COPY; its inserts are in-process already).

Rows are written as given: every row names the same columns, and a column left out must
have no Python-side default (SQLAlchemy would fill it on INSERT, COPY cannot); otherwise,
and for every other database, the rows go through an ordinary INSERT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .database import _dumps


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of column values) into ``table`` in the session's transaction.

    Raises what an INSERT would: SQLAlchemy's :class:`~sqlalchemy.exc.IntegrityError` for
    a duplicate key, :class:`~sqlalchemy.exc.OperationalError` for a full disk, …
    """
    if not rows:
        return
    columns = _copy_columns(session, table, rows)
    if columns is None:
        session.execute(insert(table), list(rows))
        return
    dbapi = session.get_bind().dialect.dbapi
    assert dbapi is not None  # a connected PostgreSQL engine
    connection = session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)  # column names of our own models
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    try:
        _copy(connection, statement, _json_columns(table, columns), columns, rows)
    except dbapi.Error as exc:  # wrapped as SQLAlchemy wraps an INSERT's errors
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


def _copy(
    connection: Any,
    statement: str,
    json_columns: set[str],
    columns: list[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        if json_columns:
            for row in rows:
                copy.write_row([_json(row[c]) if c in json_columns else row[c] for c in columns])
        else:
            for row in rows:
                copy.write_row([row[c] for c in columns])


def _json_columns(table: Table, columns: list[str]) -> set[str]:
    return {c for c in columns if isinstance(table.c[c].type, JSON)}


def _copy_columns(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> list[str] | None:
    """The columns to COPY, or None when the rows must go through an INSERT."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    first = rows[0].keys()
    if any(row.keys() != first for row in rows):
        return None
    for column in table.columns:
        if column.name not in first and column.default is not None:
            return None  # a Python-side default only an INSERT applies
    return list(first)


def _json(value: Any) -> Any:
    # Imported here: psycopg is installed with PostgreSQL support only.
    from psycopg.types.json import Jsonb

    return None if value is None else Jsonb(value, dumps=_dumps)
