"""The indexer's database: an engine per URL (SQLite by default, PostgreSQL by URL) whose schema
is brought to the latest Alembic revision before anything else touches it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "indexer_schema_version"  # not `alembic_version`: other apps may share the DB
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _tune_sqlite(engine: Engine, begin: str) -> None:
    """WAL (readers never block the writer), synchronous=NORMAL (durable at every checkpoint,
    a power cut loses at most the last commits, never consistency), and SQLAlchemy's own
    BEGIN so that a transaction covers its SELECTs too (pysqlite defers BEGIN to the first
    write, which would let a read-then-delete see another writer's rows)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # autocommit at the driver: we send BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql(begin)


def create_db_engine(url: str, *, writer: bool = True) -> Engine:
    """An engine for `url`; a SQLite file's folder is created if missing. A `writer`'s SQLite
    transactions take the write lock at BEGIN (a read-then-write never fails half-way on a
    lock upgrade); a reader's take no lock until they write."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine, "BEGIN IMMEDIATE" if writer else "BEGIN")
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def alembic_config() -> Config:
    """Alembic settings without an alembic.ini: the scripts ship inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("version_table", VERSION_TABLE)
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (idempotent; runs in one transaction)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_database(url: str) -> Engine:
    """An engine on a database migrated to the latest schema."""
    engine = create_db_engine(url)
    migrate(engine)
    return engine
