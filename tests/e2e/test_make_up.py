"""`make up` end to end: the real script, real processes, the README's walkthrough commands."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from scripts.up import JURORS
from tests.e2e.make_up import (
    fairkey,
    order_status,
    panel,
    start_up,
    stop,
    until,
    wait_for,
)


def test_make_up_delivers_a_bought_key_by_itself_pays_the_merchant_and_indexes_it(marketplace):
    home, port, _, (_, _, metrics_port, _) = marketplace
    # 25 committed, one sold to the demo's contested order (the court's live case)
    assert "keys for sale     24" in fairkey(home, port, 3, "listing", "show", "1")

    order = re.search(r"0x[0-9a-fA-F]{40}", fairkey(home, port, 3, "buy", "1")).group(0)
    until(lambda: order_status(home, port, order) == "DELIVERED")  # the merchant bot, not us
    assert "commitment ✓ fingerprint ✓" in fairkey(home, port, 3, "order", "show", order)
    until(lambda: (_indexed_order(home, order) or {}).get("status") == "Delivered")
    fairkey(home, port, 3, "confirm", order)
    assert "withdrew 0.0149 ETH" in fairkey(home, port, 2, "withdraw")

    until(lambda: (_indexed_order(home, order) or {}).get("status") == "Completed")
    assert _indexed_order(home, order)["deliveries"] == 1
    status = json.loads(fairkey(home, port, 3, "index", "status", "--json"))
    assert status["events"] >= 5 and not status["halted"]
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    assert re.search(r"^fairkey_indexer_head_lag_blocks \d", metrics, re.M)


def test_make_up_refunds_a_redeemed_key_through_the_verifier(marketplace):
    home, port, _, (verifier_port, _, _, _) = marketplace
    orders = [
        re.search(r"0x[0-9a-fA-F]{40}", fairkey(home, port, 3, "buy", "1")).group(0)
        for _ in range(2)
    ]
    until(lambda: all(order_status(home, port, o) == "DELIVERED" for o in orders))
    bad = orders[1]  # the demo issuer knows the 2nd key sold as already redeemed
    fairkey(home, port, 3, "dispute", bad, "--reason", "key-invalid")
    out = fairkey(
        home, port, 3, "verify", bad, "--verifier-url", f"http://127.0.0.1:{verifier_port}"
    )
    assert "redeemed" in out
    until(lambda: order_status(home, port, bad) == "REFUNDED")  # the bot: refund on verdict


def test_make_up_resumes_the_same_marketplace_after_a_restart(marketplace):
    home, port, process, ports = marketplace
    order = re.search(r"0x[0-9a-fA-F]{40}", fairkey(home, port, 3, "buy", "1")).group(0)
    until(lambda: (_indexed_order(home, order) or {}).get("status") == "Delivered")
    stop(process)
    # As after a hard kill: the index describes blocks the reloaded chain does not have.
    with sqlite3.connect(home / "index.sqlite3") as db:
        db.execute("UPDATE index_cursor SET block_hash = ?", ("0x" + "ab" * 32,))

    again = start_up(home, port, *ports)
    try:
        started = wait_for(again, "Ctrl-C stops the chain")
        assert "resumed the saved marketplace" in started
        assert "rebuilding it" in started
        # 25 committed: one sold to the demo's court case, one to this test's order
        assert "keys for sale     23" in fairkey(home, port, 3, "listing", "show", "1")
        until(lambda: (_indexed_order(home, order) or {}).get("status") == "Delivered")
    finally:
        stop(again)


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


def test_make_up_runs_the_court_with_a_live_case_and_the_appeal_api(marketplace):
    """The demo court has twelve staked jurors and one contested order; the keeper draws its
    panel of three by itself, a drawn juror sees the case, and the appeal API answers."""
    home, port, _, (_, _, _, api_port) = marketplace

    until(lambda: len(panel(home, port, 1, 0)) == 3)  # the keeper drew a panel of three
    seated = panel(home, port, 1, 0)
    assert set(seated) <= set(JURORS)
    assert "sits on no case" not in fairkey(home, port, seated[0], "juror", "cases")
    shown = fairkey(home, port, seated[0], "juror", "show", "1")
    assert "evidence" in shown.lower()
    assert httpx.get(f"http://127.0.0.1:{api_port}/health", timeout=5).status_code == 200
