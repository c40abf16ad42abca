"""Alembic environment of the indexer: run programmatically by `indexer.db.migrate`
with an open connection (no alembic.ini), or by `alembic` with `sqlalchemy.url` set."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from indexer import models as _core  # noqa: F401 - registers the core tables
from indexer import projections as _derived  # noqa: F401 - registers the derived ones
from indexer.base import Base

config = context.config
VERSION_TABLE = config.get_main_option("version_table") or "indexer_schema_version"


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.begin() as conn:
        _run(conn)
