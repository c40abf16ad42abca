"""Ingestion: the index holds exactly the chain's escrow logs, decoded; a replay writes nothing
twice; a chunk is all or nothing (cursor included); the live tail shows a new block within a
block time; metrics are served over HTTP; the `fairkey index` commands work end to end."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fairkey.cli.main import app
from indexer import projections
from indexer.ingest import Indexer
from indexer.models import RawLog
from indexer.store import insert_logs
from tests.indexer.support_chain import (
    Activity,
    derived_rows,
    log_keys,
    private_chain,
    stored_keys,
)

LOGS = RawLog.__table__


@pytest.fixture(scope="module")
def chain():
    with private_chain() as chain:
        activity = Activity(chain, random.Random(11))
        for _ in range(25):
            activity.random_action()
        chain.listing = chain.market.make_listing()
        chain.bulk_price_changes(chain.listing, 400, per_block=40)
        chain.activity = activity
        yield chain


def _rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(LOGS).order_by(LOGS.c.id)).mappings()]


def test_backfill_stores_exactly_the_chains_escrow_logs_decoded(chain, db_url):
    with Indexer(chain.config(db_url, max_range=7)) as indexer:
        stats = indexer.backfill()
        assert indexer.cursor.number == chain.head()
        canonical = chain.canonical_logs()
        assert stored_keys(indexer.engine) == log_keys(canonical)
        assert stats.events == len(canonical)
        rows = _rows(indexer.engine)
        names = {r["name"] for r in rows}
        assert {"ListingCreated", "StockCommitted", "OrderPaid", "ListingPriceChanged"} <= names
        for row in rows:
            args = json.loads(row["args"])
            if "orderId" in args:
                assert row["order_id"] == f"0x{args['orderId']:040x}"
            assert row["listing_id"] == args.get("listingId")
            assert row["block_time"] > 0
        # Canonical order = (block_number, log_index): ids follow it.
        assert [(r["block_number"], r["log_index"]) for r in rows] == sorted(
            (r["block_number"], r["log_index"]) for r in rows
        )


def test_a_replay_writes_nothing_twice_and_a_second_backfill_nothing_at_all(chain, db_url):
    with Indexer(chain.config(db_url)) as indexer:
        indexer.backfill()
        before = _rows(indexer.engine)
        assert indexer.backfill().events == 0
        with indexer.engine.begin() as conn:  # the same rows again, as a replay would
            insert_logs(conn, [{k: v for k, v in r.items() if k != "id"} for r in before])
        assert _rows(indexer.engine) == before


def test_a_failed_chunk_leaves_neither_its_rows_nor_the_cursor(chain, sqlite_url, monkeypatch):
    real_refresh = projections.refresh
    calls = 0

    def refresh_that_fails_on_the_third_chunk(conn, touched, head):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk full")
        real_refresh(conn, touched, head)

    monkeypatch.setattr(projections, "refresh", refresh_that_fails_on_the_third_chunk)
    with Indexer(chain.config(sqlite_url, max_range=5)) as indexer:
        with pytest.raises(RuntimeError, match="disk full"):
            indexer.backfill()
        done = indexer.cursor.number
        assert done == chain.deployment.block - 1 + 2 * 5  # two chunks committed
        with Indexer(chain.config(sqlite_url)) as fresh:  # what a restart would see
            assert fresh.cursor.number == done
        wanted = [k for k in log_keys(chain.canonical_logs()) if k[0] <= done]
        assert stored_keys(indexer.engine) == wanted
        monkeypatch.setattr(projections, "refresh", real_refresh)
        indexer.backfill()
        assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())


def test_the_live_tail_follows_new_blocks_and_reports_them_in_its_metrics(chain, sqlite_url):
    # How fast it follows (within one block time) is measured by bench/indexer.py (live lag in
    # blocks under steady load), not asserted here: a loaded CI machine must not fail a test.
    with Indexer(chain.config(sqlite_url)) as indexer:
        indexer.backfill()
        port = indexer.metrics.serve(0)
        stop = threading.Event()
        thread = threading.Thread(target=indexer.run, args=(stop, 0.05), daemon=True)
        thread.start()
        try:
            merchant = chain.market.client("merchant")
            for i in range(3):
                tx = merchant.set_price(chain.listing, 10**16 + i).receipt["transactionHash"]
                mined = time.monotonic()
                while not _stored(indexer.engine, "0x" + bytes(tx).hex()):
                    assert time.monotonic() - mined < 30, "the indexer did not follow"
                    time.sleep(0.01)
            head = chain.head()
            scrape = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        finally:
            stop.set()
            thread.join(timeout=5)
        metrics = _parse(scrape)
        assert metrics["fairkey_indexer_indexed_block"] == head
        assert metrics["fairkey_indexer_chain_head_block"] == head
        assert metrics["fairkey_indexer_head_lag_blocks"] == 0
        with indexer.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(LOGS)).scalar_one()
        assert metrics["fairkey_indexer_events_total"] == stored
        assert metrics["fairkey_indexer_reorgs_total"] == 0
        assert "fairkey_indexer_events_per_second" in metrics
        assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())


def _stored(engine, tx_hash: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(LOGS.c.id).where(LOGS.c.tx_hash == tx_hash)).first() is not None


def _parse(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_status_reports_progress_and_works_with_the_node_down(chain, sqlite_url):
    with Indexer(chain.config(sqlite_url)) as indexer:
        indexer.backfill()
        status = indexer.status()
        json.dumps(status)  # JSON-able
        assert status["indexed_block"] == status["chain_head"] == chain.head()
        assert status["lag_blocks"] == 0
        assert status["events"] == len(chain.canonical_logs())
        assert status["halted"] is None and status["reorgs"] == 0
    offline = chain.config(sqlite_url, rpc_url="http://127.0.0.1:9", max_attempts=1)
    with Indexer(offline) as indexer:
        status = indexer.status()
        assert status["chain_head"] is None and status["lag_blocks"] is None
        assert status["indexed_block"] == chain.head()


def test_reindex_rebuilds_the_derived_tables_identically(chain, db_url):
    with Indexer(chain.config(db_url)) as indexer:
        indexer.backfill()
        live = derived_rows(indexer.engine)
        indexer.reindex()
        assert derived_rows(indexer.engine) == live
        assert any(live.values()), "the derived tables stayed empty"


# ---------------------------------------------------------------------------- the command


def _fairkey(chain, home: Path, *args: str, code: int = 0):
    chain.deployment.save(home / "deployment.json")
    env = {"FAIRKEY_INDEX_DB_URL": None, "FAIRKEY_HOME": None, "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["--home", str(home), "--rpc", chain.url, *args], env=env)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def test_the_index_commands_backfill_report_and_rebuild(chain, tmp_path):
    out = _fairkey(chain, tmp_path, "index", "backfill", "--no-progress", "--max-range", "50")
    assert "events" in out.output and f"now at block {chain.head()}" in out.output
    assert (tmp_path / "index.sqlite3").exists()  # the default database, in the data folder
    status = json.loads(_fairkey(chain, tmp_path, "index", "status", "--json").output)
    assert status["indexed_block"] == chain.head()
    assert status["events"] == len(chain.canonical_logs())
    assert "indexed_block" in _fairkey(chain, tmp_path, "index", "status").output
    assert "rebuilt" in _fairkey(chain, tmp_path, "index", "reindex").output


def test_index_command_mistakes_are_one_clear_line(chain, tmp_path):
    bad = _fairkey(chain, tmp_path, "index", "status", "--db", "nosuchdb://x", code=1)
    assert "not a database URL" in bad.output
    down = tmp_path / "down"
    offline = _fairkey(chain, down, "--rpc", "http://127.0.0.1:9", "index", "backfill", code=1)
    assert "not reachable" in offline.output
    beyond = _fairkey(chain, tmp_path, "index", "backfill", "--to-block", "99999999", code=1)
    assert "beyond the chain head" in beyond.output
