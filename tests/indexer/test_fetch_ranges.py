"""eth_getLogs over ranges that adapt: behind a provider-like proxy that refuses wide ranges, big
answers and slow queries, and throttles now and then, the backfill still stores every log and
never skips a block; the range narrows on refusals and widens again after successes."""

from __future__ import annotations

import pytest

from fairkey.chain.rpc_errors import RangeTooLarge, RateLimited, RpcError, classify
from indexer import fetch
from indexer.fetch import FetchError
from indexer.ingest import Indexer
from tests.indexer.support_chain import log_keys, private_chain, stored_keys
from tests.support.rpc_proxy import ProviderRules, rpc_proxy


@pytest.fixture(scope="module")
def chain():
    """~850 events in ~32 blocks of 1 to 90 events, then 400 empty blocks."""
    with private_chain() as chain:
        listing = chain.market.make_listing()
        for per_block in (1, 3, 60, 7, 90, 2, 40, 11):
            chain.bulk_price_changes(listing, per_block * 4, per_block=per_block)
        chain.mine(400)
        yield chain


def _covered_once(served: list[tuple[int, int, int]], first: int, last: int) -> bool:
    """The served ranges tile first..last exactly: no block skipped, none read twice."""
    expected = first
    for low, high, _ in sorted(served):
        if low != expected:
            return False
        expected = high + 1
    return expected == last + 1


def _served_for(proxy, address: str) -> list[tuple[int, int, int]]:
    """The served eth_getLogs ranges that asked for `address` (the escrow's, or its court's:
    a court named in a chunk is read on its own up to that chunk's end, then with the escrow)."""
    log = proxy.log
    return [
        r for r, asked in zip(log.served, log.served_addresses, strict=True) if address in asked
    ]


def test_a_refusing_throttling_provider_still_yields_every_log_by_splitting(chain, sqlite_url):
    rules = ProviderRules(
        max_blocks=8,
        max_logs=100,
        throttle_rate=0.1,
        payload_limit_blocks=48,  # 64 -> HTTP 413
        slow_blocks=24,  # 32 -> read timeout
        slow_delay=1.0,
    )
    with rpc_proxy(chain.url, rules, seed=4) as proxy:
        config = chain.config(sqlite_url, rpc_url=proxy.url, max_range=64, request_timeout=0.5)
        with Indexer(config) as indexer:
            stats = indexer.backfill()
            head = indexer.cursor.number
            splits = indexer.reader.splits

    assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())
    assert stats.events == len(chain.canonical_logs())
    served = proxy.log.served
    assert all(high - low + 1 <= 8 and n <= 100 for low, high, n in served)
    for address in (chain.deployment.escrow.lower(), *chain.courts()):
        assert _covered_once(_served_for(proxy, address), chain.deployment.block, head), address
    reasons = " | ".join(message for _, _, message in proxy.log.refused)
    for kind in ("HTTP 413", "timeout", "range", "results", "this block range should work"):
        assert kind in reasons, f"the proxy never refused with {kind!r}: {reasons}"
    assert splits >= 4
    assert proxy.log.throttled > 0


def test_the_range_widens_again_once_the_node_accepts_more(chain, sqlite_url):
    rules = ProviderRules(max_blocks=4)
    with rpc_proxy(chain.url, rules) as proxy:
        config = chain.config(sqlite_url, rpc_url=proxy.url, max_range=64)
        with Indexer(config) as indexer:
            indexer.backfill(to_block=chain.deployment.block + 40)
            rules.max_blocks = None  # the provider lifts its limit
            indexer.backfill()
    widths = [
        high - low + 1 for low, high, _ in _served_for(proxy, chain.deployment.escrow.lower())
    ]
    assert max(widths[:10]) <= 4
    assert max(widths) == 64  # grew back to max_range, never beyond
    assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())


def test_a_block_the_node_always_refuses_stops_the_backfill_and_is_never_skipped(chain, sqlite_url):
    stubborn = chain.deployment.block + 20
    rules = ProviderRules(refuse_block=stubborn)
    with rpc_proxy(chain.url, rules) as proxy:
        config = chain.config(sqlite_url, rpc_url=proxy.url, max_range=16, max_attempts=3)
        with Indexer(config) as indexer:
            with pytest.raises(FetchError, match=f"block {stubborn} even alone"):
                indexer.backfill()
            assert indexer.cursor.number == stubborn - 1
            before = [k for k in log_keys(chain.canonical_logs()) if k[0] < stubborn]
            assert stored_keys(indexer.engine) == before

            rules.refuse_block = None  # the node recovers: the same index resumes at the block
            indexer.backfill()
    assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())


def test_a_range_that_returned_very_many_logs_is_narrowed_for_the_next_chunk(
    chain, sqlite_url, monkeypatch
):
    monkeypatch.setattr(fetch, "LOGS_PER_CHUNK", 100)
    with rpc_proxy(chain.url, ProviderRules()) as proxy:
        config = chain.config(sqlite_url, rpc_url=proxy.url, max_range=64)
        with Indexer(config) as indexer:
            indexer.backfill()
    served = sorted(_served_for(proxy, chain.deployment.escrow.lower()))
    big = [(a, b) for a, b in zip(served, served[1:], strict=False) if a[2] > 100 and a[1] > a[0]]
    assert big, "no chunk returned more than 100 logs"
    for (low, high, _), (next_low, next_high, _) in big:
        assert next_high - next_low + 1 <= (high - low + 1) // 2
    assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())


def test_a_node_that_limits_batches_gets_smaller_ones(chain, sqlite_url):
    with rpc_proxy(chain.url, ProviderRules(max_batch=10)) as proxy:
        config = chain.config(sqlite_url, rpc_url=proxy.url, finality_depth=40)
        with Indexer(config) as indexer:
            indexer.backfill()  # stores the ~41 unfinalized block hashes: several batches
    assert proxy.log.batch_sizes and max(proxy.log.batch_sizes) <= 10
    assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        (-32005, "query returned more than 10000 results", RangeTooLarge),
        (-32602, "Log response size exceeded. ... should work: [0x10, 0x1f]", RangeTooLarge),
        (-32614, "eth_getLogs is limited to a 10,000 range", RangeTooLarge),
        (-32600, "block range is too wide", RangeTooLarge),
        (-32000, "query timeout exceeded", RangeTooLarge),
        (-32000, "exceed maximum block range: 5000", RangeTooLarge),
        (-32005, "daily request count exceeded, request rate limited", RateLimited),
        (429, "Your app has exceeded its compute units per second capacity", RateLimited),
        (-32000, "Too Many Requests", RateLimited),
        (-32000, "header not found", RpcError),
    ],
)
def test_provider_refusals_are_sorted_into_narrow_wait_or_fail(code, message, kind):
    error = classify("eth_getLogs", code, message)
    assert type(error) is kind
    if "should work" in message:
        assert error.suggested == (0x10, 0x1F)


def test_a_limit_message_on_another_call_is_not_a_range_problem():
    assert type(classify("eth_getBlockByNumber", -32000, "limit exceeded")) is RpcError
