"""The Alembic migrations build exactly the schema the SQLAlchemy models describe, on SQLite and
PostgreSQL, and running them again changes nothing."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from indexer import models, projections  # noqa: F401 - every table in Base.metadata
from indexer.base import Base
from indexer.db import VERSION_TABLE, alembic_config, create_db_engine, migrate


def _differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        return compare_metadata(context, Base.metadata)


def test_the_revisions_form_one_line_from_the_core_tables():
    scripts = ScriptDirectory.from_config(alembic_config())
    assert len(scripts.get_heads()) == 1
    assert scripts.get_bases() == ["0001_core"]


def test_migrating_an_empty_database_to_head_yields_exactly_the_models(db_url):
    engine = create_db_engine(db_url)
    try:
        migrate(engine)
        assert _differences(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert tables == set(Base.metadata.tables) | {VERSION_TABLE}
        assert {t.name for t in projections.DERIVED_TABLES} <= tables
    finally:
        engine.dispose()


def test_migrating_twice_changes_nothing_and_downgrade_removes_every_table(db_url):
    engine = create_db_engine(db_url)
    try:
        migrate(engine)
        migrate(engine)
        assert _differences(engine) == []
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
        migrate(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()
