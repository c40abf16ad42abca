"""Kill -9 of the real `fairkey index backfill` / `fairkey index run` processes at random
moments: after a restart nothing is missing and nothing is doubled (the index equals the chain's
logs exactly) and the derived tables equal a rebuild. Cursor and data share each transaction."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from fairkey.chain.artifacts import PROJECT_ROOT
from indexer.db import create_db_engine
from indexer.ingest import Indexer
from indexer.models import IndexCursor
from tests.indexer.support_chain import Chain, derived_rows, log_keys, private_chain, stored_keys

CURSOR = IndexCursor.__table__


@pytest.fixture(scope="module")
def chain():
    """~2,000 events in ~400 blocks, plus some orders for the derived tables."""
    with private_chain() as chain:
        listing = chain.market.make_listing()
        stock = chain.market.make_stock(listing, 6)
        for _ in range(3):
            order_id, _ = chain.market.make_order(listing)
            chain.market.deliver(order_id, stock)
        chain.bulk_price_changes(listing, 2000, per_block=5)
        chain.listing = listing
        yield chain


class IndexProcess:
    """`fairkey index …` as a child process with its own data folder and database."""

    def __init__(self, chain: Chain, home: Path, db_url: str) -> None:
        self.chain = chain
        self.home = home
        self.db_url = db_url
        chain.deployment.save(home / "deployment.json")
        self.reader = create_db_engine(db_url, writer=False)

    def start(self, *args: str) -> subprocess.Popen:
        env = dict(
            os.environ,
            FAIRKEY_HOME=str(self.home),
            FAIRKEY_RPC_URL=self.chain.url,
            FAIRKEY_INDEX_DB_URL=self.db_url,
        )
        return subprocess.Popen(
            [sys.executable, "-m", "fairkey.cli.main", "index", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def indexed(self) -> int | None:
        try:
            with self.reader.connect() as conn:
                return conn.execute(select(CURSOR.c.block_number)).scalar()
        except Exception:  # noqa: BLE001 - the tables may not exist yet
            return None

    def wait_past(self, process: subprocess.Popen, block: int, timeout: float = 30) -> None:
        """Bounded wait until the process has indexed beyond `block`."""
        deadline = time.monotonic() + timeout
        while (self.indexed() or -1) <= block:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the indexer made no progress"
            time.sleep(0.005)

    def kill(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def close(self) -> None:
        self.reader.dispose()


def _assert_exact(chain: Chain, db_url: str) -> None:
    """Nothing missing, nothing doubled; derived tables as a rebuild makes them."""
    with Indexer(chain.config(db_url)) as indexer:
        indexer.step()  # whatever the killed processes left, finish it
        assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())
        live = derived_rows(indexer.engine)
        indexer.reindex()
        assert derived_rows(indexer.engine) == live


def test_kill_9_during_backfill_loses_and_doubles_nothing(chain, db_url, tmp_path):
    rng = random.Random()
    seed = rng.randrange(10**6)
    print(f"kill test seed {seed}")
    rng.seed(seed)
    proc = IndexProcess(chain, tmp_path, db_url)
    try:
        kills = 0
        while kills < 2:
            before = proc.indexed() or -1
            backfill = proc.start("backfill", "--no-progress", "--max-range", "2")
            proc.wait_past(backfill, before)
            time.sleep(rng.uniform(0, 0.2))
            if backfill.poll() is not None:  # it finished before the kill: start again
                break
            proc.kill(backfill)
            kills += 1
        assert kills == 2, "the backfill ran too fast to be killed"
        assert (proc.indexed() or 0) < chain.head()  # something was left to do
        finish = proc.start("backfill", "--no-progress")
        _, err = finish.communicate(timeout=60)
        assert finish.returncode == 0, err
        _assert_exact(chain, db_url)
    finally:
        proc.close()


def test_kill_9_during_the_live_tail_loses_and_doubles_nothing(chain, sqlite_url, tmp_path):
    rng = random.Random()
    proc = IndexProcess(chain, tmp_path, sqlite_url)
    stop = threading.Event()

    def trade() -> None:  # steady load while the indexer follows
        while not stop.is_set():
            chain.bulk_price_changes(chain.listing, 5, per_block=5)
            time.sleep(0.02)

    setup = proc.start("backfill", "--no-progress")
    assert setup.wait(timeout=60) == 0, setup.stderr.read() if setup.stderr else ""
    trader = threading.Thread(target=trade, daemon=True)
    trader.start()
    try:
        for _ in range(2):
            before = proc.indexed() or -1
            run = proc.start("run", "--interval", "0.02", "--max-range", "2")
            proc.wait_past(run, before + 3)
            time.sleep(rng.uniform(0, 0.3))
            proc.kill(run)
        stop.set()
        trader.join(timeout=30)
        run = proc.start("run", "--interval", "0.02")
        proc.wait_past(run, chain.head() - 1)
        run.send_signal(signal.SIGTERM)  # a clean stop exits 0
        assert run.wait(timeout=20) == 0, run.stderr.read() if run.stderr else ""
        _assert_exact(chain, sqlite_url)
    finally:
        stop.set()
        proc.close()
