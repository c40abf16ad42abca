"""Time never runs backwards: a chain whose clock was moved forward keeps it across restarts, and
`fairkey dev time` moves `make up`'s clock so its keeper fires the deadlines. Real Anvil; the clock
is moved, never waited for."""

from __future__ import annotations

import time

from fairkey.chain.anvil import AnvilNode, ChainClock
from fairkey.chain.session import http_web3
from tests.e2e.make_up import ORDER_ID, fairkey, order_status, start_up, stop, until, wait_for

DAY = 86400


def _block_times(w3) -> list[int]:
    return [w3.eth.get_block(n)["timestamp"] for n in range(w3.eth.block_number + 1)]


def _send_one(w3) -> dict:
    """A transaction (dev account 0 pays itself): the block it lands in is the next block."""
    sender = w3.eth.accounts[0]
    tx = w3.eth.send_transaction({"from": sender, "to": sender, "value": 1})
    return w3.eth.get_block(w3.eth.wait_for_transaction_receipt(tx)["blockNumber"])


def test_a_restarted_chain_keeps_its_moved_clock(tmp_path):
    node = AnvilNode(state_file=tmp_path / "state.json").start()
    try:
        moved = ChainClock(http_web3(node.url)).advance(25 * 3600)
    finally:
        node.stop()

    node = AnvilNode(port=node.port, state_file=tmp_path / "state.json").start()
    try:
        w3 = http_web3(node.url)
        first = _send_one(w3)
        assert first["timestamp"] > moved  # not wall-clock time, 25 h before the latest block
        assert first["timestamp"] >= time.time() + 25 * 3600 - 60  # still 25 h ahead
        second = ChainClock(w3).advance(60)
        assert second >= first["timestamp"] + 60
        times = _block_times(w3)
        assert times == sorted(times)
    finally:
        node.stop()


def test_a_chain_restarted_without_its_clock_file_still_goes_forward(tmp_path):
    """As after a hard kill: no clock was saved; the next block still follows the latest one."""
    node = AnvilNode(state_file=tmp_path / "state.json").start()
    try:
        moved = ChainClock(http_web3(node.url)).advance(3 * DAY)
    finally:
        node.stop()
    node.clock_file.unlink()

    with AnvilNode(state_file=tmp_path / "state.json") as again:
        w3 = http_web3(again.url)
        assert _send_one(w3)["timestamp"] > moved
        times = _block_times(w3)
        assert times == sorted(times)


def test_dev_time_fires_make_up_deadlines_and_a_restart_keeps_the_moved_clock(marketplace):
    home, port, process, ports = marketplace
    order = ORDER_ID.search(fairkey(home, port, 3, "buy", "1")).group(0)
    until(lambda: order_status(home, port, order) == "DELIVERED")  # the merchant bot

    moved = fairkey(home, port, 3, "dev", "time", "+25h")  # past the 24 h confirm window
    assert "moved the chain clock +25h" in moved and "chain time" in moved
    until(lambda: order_status(home, port, order) == "COMPLETED")  # the keeper settled it

    w3 = http_web3(f"http://127.0.0.1:{port}")
    before = w3.eth.get_block("latest")["timestamp"]
    stop(process)
    again = start_up(home, port, *ports)
    try:
        assert "resumed the saved marketplace" in wait_for(again, "Ctrl-C stops the chain")
        second = ORDER_ID.search(fairkey(home, port, 3, "buy", "1")).group(0)
        until(lambda: order_status(home, port, second) == "DELIVERED")
        times = _block_times(w3)
        assert times == sorted(times), "a block is older than the one before it"
        assert times[-1] > before >= time.time() + 24 * 3600
        shown = fairkey(home, port, 3, "dev", "time")  # without a shift: the chain's time
        assert "chain time" in shown
    finally:
        stop(again)
