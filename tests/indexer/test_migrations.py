"""The Alembic migrations build exactly the schema the SQLAlchemy models describe, on SQLite and
PostgreSQL, and running them again changes nothing."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, inspect, table, text

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


def test_0003_adds_basket_ids_and_refusals_to_an_index_with_orders_and_keeps_them(db_url):
    """An index at 0002_reputation holding an order: after the upgrade the order is still there,
    paid in no basket; downgrading to 0002 gives the order back without the column."""
    engine = create_db_engine(db_url)
    order = {
        "order_id": "0x" + "11" * 20,
        "listing_id": 1,
        "merchant": "0x" + "22" * 20,
        "buyer": "0x" + "33" * 20,
        "token": "0x" + "00" * 20,
        "price": 10**16,
        "status": "Paid",
        "paid_block": 7,
        "paid_time": 1_700_000_000,
        "paid_tx": "0x" + "44" * 32,
        "delivery_deadline": 1_700_003_600,
        "deliveries": 0,
        "disputes": 0,
        "dispute_withdrawn": False,
        "dispute_lost": False,
        "attestations": 0,
        "last_block": 7,
        "last_log_index": 0,
    }
    try:
        migrate(engine, "0002_reputation")
        with engine.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("orders")}
            conn.execute(table("orders", *(column(c) for c in order)).insert(), [order])
        assert "basket_id" not in columns
        migrate(engine)
        assert _differences(engine) == []
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT order_id, basket_id FROM orders")).all()
            assert [tuple(r) for r in rows] == [(order["order_id"], None)]
            assert conn.execute(text("SELECT count(*) FROM batch_refusals")).scalar() == 0
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002_reputation")
        inspector = inspect(engine)
        assert "batch_refusals" not in inspector.get_table_names()
        assert "basket_id" not in {c["name"] for c in inspector.get_columns("orders")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT order_id FROM orders")).scalars().all() == [
                order["order_id"]
            ]
    finally:
        engine.dispose()


def test_0004_adds_the_court_to_an_index_with_logs_and_arbitrators_and_keeps_them(db_url):
    """An index at 0003_baskets holding an escrow log and an arbitrator: after the upgrade both
    are still there (no case, no juror; every court figure 0); downgrading gives them back."""
    engine = create_db_engine(db_url)
    raw = {
        "chain_id": 31337,
        "block_number": 7,
        "block_hash": "0x" + "11" * 32,
        "block_time": 1_700_000_000,
        "tx_hash": "0x" + "22" * 32,
        "tx_index": 0,
        "log_index": 3,
        "address": "0x" + "33" * 20,
        "topics": "[]",
        "data": "0x",
        "name": "ArbitratorChanged",
        "args": '{"arbitrator":"0x' + "44" * 20 + '"}',
    }
    arbitrator = {"arbitrator": "0x" + "44" * 20, "cases": 2, "open": 1, "ruled": 1}
    arbitrator |= dict.fromkeys(
        ("refund_rulings", "pay_rulings", "split_rulings", "timed_out", "ended_by_proof"), 0
    )
    court_figures = "court_cases, jurors, seats_judged, coherence_bps"
    try:
        migrate(engine, "0003_baskets")
        with engine.begin() as conn:
            conn.execute(table("raw_logs", *(column(c) for c in raw)).insert(), [raw])
            conn.execute(
                table("arbitrators", *(column(c) for c in arbitrator)).insert(), [arbitrator]
            )
        migrate(engine)
        assert _differences(engine) == []
        with engine.connect() as conn:
            logs = conn.execute(text("SELECT log_index, case_id, juror FROM raw_logs")).all()
            assert [tuple(r) for r in logs] == [(3, None, None)]
            row = conn.execute(text(f"SELECT cases, {court_figures} FROM arbitrators")).one()
            assert tuple(row) == (2, 0, 0, 0, None)
            for name in ("court_cases", "court_rounds", "court_votes", "jurors"):
                assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() == 0
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003_baskets")
        inspector = inspect(engine)
        assert "court_cases" not in inspector.get_table_names()
        assert "case_id" not in {c["name"] for c in inspector.get_columns("raw_logs")}
        assert "jurors" not in {c["name"] for c in inspector.get_columns("arbitrators")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT log_index FROM raw_logs")).scalars().all() == [3]
            assert conn.execute(text("SELECT cases FROM arbitrators")).scalars().all() == [2]
    finally:
        engine.dispose()
