"""Alembic environment: run by :meth:`catalogue.store.Database.upgrade`.

``target_metadata`` is the shared ``Base.metadata`` after importing every known
model module, so autogenerate sees the catalogue's tables and those other
packages (diffusion) declare on the same ``Base``.
"""

from __future__ import annotations

import contextlib
import importlib

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from catalogue.store.models import Base

#: Modules declaring tables on the shared Base; missing ones are skipped.
MODEL_MODULES = (
    "catalogue.store.models",
    "catalogue.store.reviews",
    "catalogue.store.harvest_models",
    "catalogue.store.console_models",
    "diffusion.store.models",
    "diffusion.models",
)

for _name in MODEL_MODULES:
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(_name)

target_metadata = Base.metadata
config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: let later revisions use batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
