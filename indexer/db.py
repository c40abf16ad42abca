"""The indexer's database: an engine per URL (SQLite by default, PostgreSQL by URL) whose schema
is brought to the latest Alembic revision before anything else touches it."""

from __future__ import annotations

import select
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "indexer_schema_version"  # not `alembic_version`: other apps may share the DB
SQLITE_BUSY_TIMEOUT_MS = 30_000
READER_CONNECT_TIMEOUT_S = 3  # a PostgreSQL index reader's connect (the API's loop waits on it)


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


def _drop_dead_at_checkout(engine: Engine) -> None:
    """Instead of pool_pre_ping's round trip per checkout: an idle pooled connection the server
    has ended (a restart, pg_terminate_backend, an idle timeout) has something to read on its
    socket, the server's farewell or its end of file, so one poll(2) with no wait finds it and
    the pool connects anew (SQLAlchemy's DisconnectionError protocol). A connection that dies
    between this look and its query fails that query; SQLAlchemy then renews the whole pool."""

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, _record, _proxy) -> None:
        if getattr(dbapi_conn, "closed", 0):
            raise DisconnectionError("the connection is closed")
        poller = select.poll()
        poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        if poller.poll(0):  # an idle connection is owed nothing: the server went away
            raise DisconnectionError("the server ended the connection")


def create_db_engine(url: str, *, writer: bool = True, autocommit_reads: bool = False) -> Engine:
    """An engine for `url`; a SQLite file's folder is created if missing. A `writer`'s SQLite
    transactions take the write lock at BEGIN (a read-then-write never fails half-way on a
    lock upgrade); a reader's take no lock until they write.

    `autocommit_reads` (a reader on PostgreSQL, opt-in: the API's index reader): each
    statement is its own transaction, so a read pays no BEGIN and ROLLBACK round trips (under
    READ COMMITTED each statement had its own snapshot anyway), and no ping at checkout
    (_drop_dead_at_checkout finds ended connections without one). SQLite is unchanged: its
    BEGIN costs no round trip and gives a read of several statements one snapshot."""
    if autocommit_reads and writer:
        raise ValueError("autocommit_reads is for readers: a writer needs its transactions")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine, "BEGIN IMMEDIATE" if writer else "BEGIN")
        return engine
    if autocommit_reads:
        # The API reads inline on its event loop: a server that does not answer must not hold
        # the loop for the system's TCP timeout (minutes), only for this bound.
        engine = create_engine(
            parsed,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": READER_CONNECT_TIMEOUT_S},
        )
        _drop_dead_at_checkout(engine)
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
