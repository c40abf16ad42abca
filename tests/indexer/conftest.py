"""Databases for the indexer tests: a fresh SQLite file, and a fresh PostgreSQL database on the
local server (127.0.0.1:5432, trust auth) created for the test and dropped after it.

`db_url` runs a test once per backend. PostgreSQL tests are skipped only when no server answers
(CI always has one); FAIRKEY_TEST_PG_URL points at another server (its maintenance database).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = os.environ.get(
    "FAIRKEY_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def pg_admin():
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server here"
        engine.dispose()
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL}: {exc}")
    return engine


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database; dropped (connections and all) afterwards."""
    admin = pg_admin()
    name = f"fairkey_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'index.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    """Each test that takes `db_url` runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
