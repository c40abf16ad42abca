"""Events over any range on any node: the SDK (and so the bot, the keeper, the buyer watch and the
CLI) reads through a provider that refuses wide ranges and large answers and throttles."""

from __future__ import annotations

import pytest

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.log_ranges import fetch_in_ranges
from fairkey.chain.rpc_errors import RangeTooLarge
from fairkey.chain.session import ChainSession, http_web3
from tests.support.rpc_proxy import ProviderRules, rpc_proxy


def test_events_through_a_refusing_provider_are_all_there_in_order(market, anvil):
    listing = market.make_listing()
    for price in range(10**16, 10**16 + 12):
        market.client("merchant").set_price(listing, price)
    direct = market.client("stranger").events("ListingPriceChanged")
    rules = ProviderRules(max_blocks=3, max_logs=2)

    with rpc_proxy(anvil.url, rules, seed=7) as proxy:
        client = EscrowClient(ChainSession(http_web3(proxy.url), None), market.escrow_address)
        via_proxy = client.events("ListingPriceChanged")

    assert [(e.block_number, e.log_index, e.args) for e in via_proxy] == [
        (e.block_number, e.log_index, e.args) for e in direct
    ]
    assert len(direct) >= 12
    assert proxy.log.refused  # it did have to narrow the range


def test_an_escrow_clients_events_start_at_its_first_block(market, anvil):
    """A client told the escrow's deployment block asks the node for no older logs, even when a
    caller passes 0: on a public chain that would be millions of blocks asked in chunks."""
    listing = market.make_listing()
    market.client("merchant").set_price(listing, 10**16)
    first = market.w3.eth.block_number + 1
    market.client("merchant").set_price(listing, 2 * 10**16)

    with rpc_proxy(anvil.url, ProviderRules()) as proxy:
        session = ChainSession(http_web3(proxy.url), None)
        client = EscrowClient(session, market.escrow_address, first_block=first)
        later = client.events("ListingPriceChanged")
        assert client.events("ListingPriceChanged", 0) == later
        signer = client.as_account(market.accounts["stranger"])
        assert signer.events("ListingPriceChanged") == later  # the same escrow, the same start

    assert [e.args["price"] for e in later] == [2 * 10**16]
    assert proxy.log.served and min(a for a, _, _ in proxy.log.served) == first
    everything = EscrowClient(session.with_account(None), market.escrow_address)
    assert everything.first_block == 0  # unless told, a client reads from the genesis block


def _fetcher(refuse_wider_than: int, calls: list[tuple[int, int]]):
    def fetch(a: int, b: int) -> list[int]:
        calls.append((a, b))
        if b - a + 1 > refuse_wider_than:
            raise ValueError("query returned more than 10000 results")
        return list(range(a, b + 1))

    return fetch


def test_a_refused_span_is_halved_and_every_block_is_read_once_in_order():
    calls: list[tuple[int, int]] = []
    blocks = fetch_in_ranges(_fetcher(5, calls), 0, 99, sleep=lambda _: None)
    assert blocks == list(range(100))
    served = [(a, b) for a, b in calls if b - a + 1 <= 5]
    assert served[0][0] == 0 and served[-1][1] == 99
    assert all(nxt[0] == prev[1] + 1 for prev, nxt in zip(served, served[1:], strict=False))


def test_a_single_block_the_node_keeps_refusing_is_an_error_not_a_gap():
    with pytest.raises(Exception, match="more than 10000") as err:
        fetch_in_ranges(_fetcher(0, []), 10, 20, sleep=lambda _: None)
    assert not isinstance(err.value, RangeTooLarge)  # the node's own error, raised as it came


def test_a_rate_limit_is_waited_out_and_the_same_span_asked_again():
    calls: list[tuple[int, int]] = []
    waits: list[float] = []
    throttled = iter([True, True, False, False])

    def fetch(a: int, b: int) -> list[int]:
        calls.append((a, b))
        if next(throttled, False):
            raise ValueError("Your app has exceeded its compute units per second capacity")
        return list(range(a, b + 1))

    assert fetch_in_ranges(fetch, 0, 9, sleep=waits.append) == list(range(10))
    assert calls == [(0, 9), (0, 9), (0, 9)] and len(waits) == 2
