"""`make up` end to end: the real script, real processes, the README's walkthrough commands."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from fairkey.chain.anvil import free_port

ROOT = Path(__file__).resolve().parents[2]


def _start(
    home: Path, port: int, verifier_port: int, issuer_port: int, metrics_port: int
) -> subprocess.Popen:
    env = dict(
        os.environ,
        FAIRKEY_HOME=str(home),
        FAIRKEY_PORT=str(port),
        FAIRKEY_VERIFIER_PORT=str(verifier_port),
        FAIRKEY_ISSUER_PORT=str(issuer_port),
        FAIRKEY_METRICS_PORT=str(metrics_port),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.up"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(process: subprocess.Popen, marker: str, timeout: float = 120) -> str:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} never appeared:\n{''.join(seen)}")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def _fairkey(home: Path, port: int, account: int, *args: str) -> str:
    env = dict(os.environ, FAIRKEY_VAULT_PASSPHRASE="demo")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairkey.cli.main",
            "--home",
            str(home),
            "--rpc",
            f"http://127.0.0.1:{port}",
            "--dev-account",
            str(account),
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _until(predicate, timeout: float = 30.0) -> None:
    """Poll a real service's effect (the bot acts on the next block), bounded in time."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the service did not act in time"
        time.sleep(0.3)


@pytest.fixture
def marketplace(tmp_path):
    home, port = tmp_path / "fairkey", free_port()
    ports = (free_port(), free_port(), free_port())
    process = _start(home, port, *ports)
    try:
        _wait_for(process, "Ctrl-C stops the chain")
        yield home, port, process, ports
    finally:
        if process.poll() is None:
            _stop(process)


def _status(home: Path, port: int, order: str) -> str:
    return re.search(r"status\s+(\w+)", _fairkey(home, port, 3, "order", "show", order)).group(1)


def test_make_up_delivers_a_bought_key_by_itself_and_pays_the_merchant(marketplace):
    home, port, _, _ = marketplace
    assert "keys for sale     25" in _fairkey(home, port, 3, "listing", "show", "1")

    order = re.search(r"0x[0-9a-fA-F]{40}", _fairkey(home, port, 3, "buy", "1")).group(0)
    _until(lambda: _status(home, port, order) == "DELIVERED")  # the merchant bot, not us
    assert "commitment ✓ fingerprint ✓" in _fairkey(home, port, 3, "order", "show", order)
    _fairkey(home, port, 3, "confirm", order)
    assert "withdrew 0.0149 ETH" in _fairkey(home, port, 2, "withdraw")


def test_make_up_refunds_a_redeemed_key_through_the_verifier(marketplace):
    home, port, _, (verifier_port, _, _) = marketplace
    orders = [
        re.search(r"0x[0-9a-fA-F]{40}", _fairkey(home, port, 3, "buy", "1")).group(0)
        for _ in range(2)
    ]
    _until(lambda: all(_status(home, port, o) == "DELIVERED" for o in orders))
    bad = orders[1]  # the demo issuer knows the 2nd key sold as already redeemed
    _fairkey(home, port, 3, "dispute", bad, "--reason", "key-invalid")
    out = _fairkey(
        home, port, 3, "verify", bad, "--verifier-url", f"http://127.0.0.1:{verifier_port}"
    )
    assert "redeemed" in out
    _until(lambda: _status(home, port, bad) == "REFUNDED")  # the bot's policy: refund on verdict


def test_make_up_resumes_the_same_marketplace_after_a_restart(marketplace):
    home, port, process, ports = marketplace
    order = re.search(r"0x[0-9a-fA-F]{40}", _fairkey(home, port, 3, "buy", "1")).group(0)
    _until(lambda: (_indexed_order(home, order) or {}).get("status") == "Delivered")
    _stop(process)
    # As after a hard kill: the index describes blocks the reloaded chain does not have.
    with sqlite3.connect(home / "index.sqlite3") as db:
        db.execute("UPDATE index_cursor SET block_hash = ?", ("0x" + "ab" * 32,))

    again = _start(home, port, *ports)
    try:
        started = _wait_for(again, "Ctrl-C stops the chain")
        assert "resumed the saved marketplace" in started
        assert "rebuilding it" in started
        assert "keys for sale     24" in _fairkey(home, port, 3, "listing", "show", "1")
        _until(lambda: (_indexed_order(home, order) or {}).get("status") == "Delivered")
    finally:
        _stop(again)


def _indexed_order(home: Path, order: str) -> dict | None:
    """The order's row in the indexer's SQLite tables (what the API and dApp will show)."""
    engine = create_engine(f"sqlite:///{home / 'index.sqlite3'}")
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT status, deliveries, tier FROM orders WHERE order_id = :o"),
                {"o": order.lower()},
            ).first()
    except OperationalError:  # not migrated yet at the very start
        return None
    finally:
        engine.dispose()
    return dict(row._mapping) if row else None


def test_make_up_indexes_the_marketplace_as_the_demo_runs(marketplace):
    home, port, _, (_, _, metrics_port) = marketplace
    order = re.search(r"0x[0-9a-fA-F]{40}", _fairkey(home, port, 3, "buy", "1")).group(0)
    _until(lambda: (_indexed_order(home, order) or {}).get("status") == "Delivered")
    _fairkey(home, port, 3, "confirm", order)
    _until(lambda: (_indexed_order(home, order) or {}).get("status") == "Completed")
    assert _indexed_order(home, order)["deliveries"] == 1

    status = json.loads(_fairkey(home, port, 3, "index", "status", "--json"))
    assert status["events"] >= 5 and not status["halted"]
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    assert re.search(r"^fairkey_indexer_head_lag_blocks \d", metrics, re.M)
