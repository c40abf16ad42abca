"""`fairkey dev time +25h`: move the local chain's clock forward (a block is mined at the new time)
so deadlines can fire; refused on any chain but 31337 and for shifts that are not forward."""

from __future__ import annotations

import pytest

from fairkey.chain.anvil import AnvilNode
from fairkey.chain.session import http_web3
from fairkey.units import format_time

HOUR = 3600


@pytest.mark.parametrize(
    ("shift", "seconds"),
    [("+25h", 25 * HOUR), ("+90s", 90), ("+30m", 1800), ("+2d", 2 * 86400), ("1d2h", 26 * HOUR)],
)
def test_dev_time_moves_the_clock_and_mines_a_block_at_the_new_time(cli, market, shift, seconds):
    w3 = market.w3
    before = w3.eth.get_block("latest")
    out = cli(None, "dev", "time", shift).output
    after = w3.eth.get_block("latest")
    assert after["number"] == before["number"] + 1
    assert seconds <= after["timestamp"] - before["timestamp"] <= seconds + 60
    assert f"moved the chain clock +{shift.removeprefix('+')} ({seconds} s)" in out
    assert f"chain time      {format_time(after['timestamp'])}" in out
    assert f"block           {after['number']}" in out
    # Without a shift: the chain's time, and nothing mined.
    shown = cli(None, "dev", "time").output
    assert format_time(after["timestamp"]) in shown
    assert w3.eth.block_number == after["number"]


def test_dev_time_lets_the_delivery_deadline_fire(cli, stocked_listing, market):
    late = cli.buy(stocked_listing)  # nobody delivers it (no bot here)
    assert "still open" in cli("stranger", "refund-late", late, code=1).output
    cli(None, "dev", "time", "+1h1s")  # the demo listing's delivery window is 1 h
    out = cli("stranger", "refund-late", late).output
    assert "refunded: the buyer is credited 0.015 ETH (compensation 0.005 ETH)" in out


@pytest.mark.parametrize(
    ("shift", "says"),
    [
        ("-1h", "the chain clock only moves forward"),
        ("25x", "is not a forward shift: use +Ns, +Nm, +Nh or +Nd"),
        ("+", "is not a forward shift"),
        ("+0s", "does not move the clock"),
    ],
)
def test_dev_time_refuses_a_shift_that_is_not_forward(cli, market, shift, says):
    block = market.w3.eth.block_number
    out = cli(None, "dev", "time", shift, code=1).output
    assert says in out and out.count("\n") == 1  # one line, no traceback (Cli checks)
    assert market.w3.eth.block_number == block


def test_dev_time_is_refused_on_a_chain_other_than_the_local_dev_chain(cli):
    with AnvilNode(chain_id=1) as other:  # a node that would accept evm_increaseTime
        w3 = http_web3(other.url)
        before = w3.eth.get_block("latest")
        out = cli(None, "dev", "time", "+25h", rpc=other.url, code=1).output
        assert "only works on a local dev chain (chain id 31337" in out
        assert "is chain 1" in out
        assert w3.eth.get_block("latest") == before  # its clock was not moved


def test_dev_time_without_a_node_says_to_start_make_up(cli):
    out = cli(None, "dev", "time", "+1h", rpc="http://127.0.0.1:9", code=1).output
    assert "is `make up` running?" in out
