"""Support for the projection tests: real escrow logs read from Anvil and turned into raw_logs rows
by the indexer's own decoder, a database to feed them to in chunks (as the ingester does), and
snapshots of every derived table to compare live refreshes with a rebuild."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from web3 import Web3

from fairkey.chain.anvil import ChainClock
from fairkey.chain.types import DisputeReason
from indexer import projections
from indexer.db import create_db_engine, migrate
from indexer.decode import SourceDecoder, order_id_hex
from indexer.models import RawLog
from indexer.projections import Head, Touched, rebuild, refresh, touched_by
from indexer.projections.names import ORDER_STATUS
from tests.support.disputes import (
    EVIDENCE,
    MERCHANT_EVIDENCE,
    Deal,
    sign_verdict,
    submit,
    wrong_content_record,
)
from tests.support.market import HOUR, Market, Stock

DAY = 24 * HOUR

RAW = RawLog.__table__


def hex_id(order_id: int) -> str:
    return order_id_hex(order_id)


@cache
def _decoder(escrow: str) -> SourceDecoder:
    return SourceDecoder(escrow)


def chain_rows(
    w3: Web3,
    escrow: str,
    from_block: int,
    to_block: int | None = None,
    courts: Sequence[str] = (),
) -> list[dict]:
    """The logs of the escrow (and of `courts`) in [from_block, to_block] as raw_logs rows (the
    ingester's decoder)."""
    to_block = w3.eth.block_number if to_block is None else to_block
    query = {"address": [escrow, *courts], "fromBlock": hex(from_block), "toBlock": hex(to_block)}
    logs = w3.provider.make_request("eth_getLogs", [query])["result"]
    chain_id = w3.eth.chain_id
    times = {n: head_at(w3, n).time for n in {int(x["blockNumber"], 16) for x in logs}}
    rows = [
        _decoder(escrow.lower()).row(x, chain_id, times[int(x["blockNumber"], 16)]) for x in logs
    ]
    rows.sort(key=lambda r: (r["block_number"], r["log_index"]))
    return rows


def head_at(w3: Web3, number: int | None = None) -> Head:
    block = w3.eth.get_block("latest" if number is None else number)
    return Head(number=block["number"], time=block["timestamp"])


def head_of_rows(rows: list[dict]) -> Head:
    last = rows[-1]
    return Head(number=last["block_number"], time=last["block_time"])


@dataclass
class ProjectionDb:
    """A migrated indexer database that test code feeds raw logs to, chunk by chunk."""

    engine: sa.Engine

    @classmethod
    def open(cls, url: str) -> ProjectionDb:
        engine = create_db_engine(url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def ingest(self, rows: list[dict], head: Head) -> None:
        """One ingester transaction: insert the rows, refresh what they touch."""
        with self.engine.begin() as conn:
            if rows:
                conn.execute(RAW.insert(), rows)
            refresh(conn, touched_by(rows), head)

    def ingest_in_chunks(self, rows: list[dict], sizes: Iterable[int], head: Head) -> None:
        """Ingests `rows` in consecutive chunks of `sizes` (the rest in a last chunk), each chunk
        ending at a block boundary and refreshed at the head of its last row."""
        rest = list(rows)
        for size in sizes:
            if not rest:
                break
            cut = min(size, len(rest))
            while cut < len(rest) and rest[cut]["block_number"] == rest[cut - 1]["block_number"]:
                cut += 1  # a chunk holds whole blocks, as the ingester's do
            chunk, rest = rest[:cut], rest[cut:]
            self.ingest(chunk, head if not rest else head_of_rows(chunk))
        if rest:
            self.ingest(rest, head)

    def remove_from(self, block_number: int, head: Head) -> list[dict]:
        """What a reorg does: deletes the rows of blocks >= block_number and refreshes what
        they touched; returns the removed rows."""
        with self.engine.begin() as conn:
            removed = [
                dict(r._mapping)
                for r in conn.execute(sa.select(RAW).where(RAW.c.block_number >= block_number))
            ]
            conn.execute(RAW.delete().where(RAW.c.block_number >= block_number))
            refresh(conn, touched_by(removed), head)
        return removed

    def move_head(self, head: Head) -> None:
        """A chunk without logs: only the head moved."""
        with self.engine.begin() as conn:
            refresh(conn, Touched(), head)

    def rebuild(self, head: Head) -> None:
        with self.engine.begin() as conn:
            rebuild(conn, head)

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every derived table, rows sorted (they have natural keys: nothing is left out)."""
        with self.engine.connect() as conn:
            return {
                t.name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr)
                for t in projections.DERIVED_TABLES
            }

    def assert_equals_rebuild(self, head: Head) -> None:
        """Live tables == a rebuild from raw_logs at the same head, row for row."""
        live = self.snapshot()
        self.rebuild(head)
        rebuilt = self.snapshot()
        for name in live:
            assert live[name] == rebuilt[name], _diff(name, live[name], rebuilt[name])

    def rows(self, table: str, order_by: str | None = None, **where: Any) -> list[dict]:
        t = next(t for t in projections.DERIVED_TABLES if t.name == table)
        query = sa.select(t).where(*(t.c[k] == v for k, v in where.items()))
        if order_by:
            query = query.order_by(t.c[order_by])
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def one(self, table: str, **where: Any) -> dict:
        found = self.rows(table, **where)
        assert len(found) == 1, f"{table} {where}: {len(found)} rows"
        return found[0]

    def platform(self) -> dict[str, int | None]:
        return {r["name"]: r["value"] for r in self.rows("platform_stats")}


def _diff(name: str, live: list[tuple], rebuilt: list[tuple]) -> str:
    only_live = [r for r in live if r not in rebuilt]
    only_rebuilt = [r for r in rebuilt if r not in live]
    return f"{name}: live only {only_live[:3]} / rebuild only {only_rebuilt[:3]}"


# ---------------------------------------------------------------------------- stories


@dataclass
class Story:
    """Activity on the chain and what the test knows about it."""

    market: Market
    start_block: int
    listings: dict[str, int]
    deals: dict[str, StoryDeal]
    rows: list[dict] | None = None  # the escrow's logs as raw_logs rows
    head: Head | None = None
    chain_status: dict[str, str] | None = None  # each order's status read from the contract
    chain_stock: dict[str, int] | None = None  # each listing's stockAvailable from the contract
    base: int = 0  # a reference time the story's timestamps are set from (if it sets any)

    def order_id(self, name: str) -> str:
        return hex_id(self.deals[name].order_id)

    def capture(self) -> Story:
        """Reads the logs and the contract's own view (before the test reverts the chain)."""
        m = self.market
        self.rows = chain_rows(m.w3, m.escrow_address, self.start_block)
        self.head = head_at(m.w3)
        client = m.client("stranger")
        self.chain_status = {
            name: ORDER_STATUS[int(client.order(d.order_id).status)]
            for name, d in self.deals.items()
        }
        self.chain_stock = {
            name: client.listing(lid).stock_available for name, lid in self.listings.items()
        }
        return self


# name -> (status, cause, tier) each order of every_path_story ends with.
EVERY_PATH = {
    "confirmed": ("Completed", "BuyerConfirmed", None),
    "settled": ("Completed", "ConfirmWindowPassed", None),
    "replaced": ("Completed", "BuyerConfirmed", 2),
    "withdrawn": ("Completed", "BuyerConfirmed", 2),
    "merchant_refund": ("Refunded", "MerchantRefunded", 2),
    "cancelled": ("Refunded", "MerchantRefunded", None),
    "verifier": ("Refunded", "VerifierAttested", 1),
    "verdict_refunded": ("Refunded", "MerchantRefunded", 1),  # the verifier decided it
    "late": ("Refunded", "NotDelivered", 1),
    "silent": ("Refunded", "MerchantSilent", 1),
    "misdelivered": ("Refunded", "Misdelivery", 1),
    "ruled_refund": ("Refunded", "Ruling", 3),
    "ruled_pay": ("Completed", "Ruling", 3),
    "ruled_split": ("Split", "Ruling", 3),
    "stalled": ("Split", "ArbitrationTimeout", 3),
    "proof_in_court": ("Refunded", "Misdelivery", 1),
    "open_paid": ("Paid", None, None),
    "open_delivered": ("Delivered", None, None),
    "open_disputed": ("Disputed", None, None),
    "open_verdict": ("VerifierRefundPending", None, None),
    "open_court": ("Arbitrating", None, None),
}


@dataclass
class StoryDeal(Deal):
    """A deal that knows which roles act for its buyer and merchant."""

    buyer: str = "buyer"
    merchant: str = "merchant"


class _Actor:
    """Drives the marketplace for a story: orders, disputes, answers, court."""

    def __init__(self, market: Market) -> None:
        self.m = market
        self.deals: dict[str, StoryDeal] = {}

    def order(
        self,
        name: str,
        listing: int,
        stock: Stock,
        *,
        buyer: str = "buyer",
        merchant: str = "merchant",
        deliver: bool = True,
    ) -> StoryDeal:
        order_id, key = self.m.make_order(listing, buyer)
        record = self.m.deliver(order_id, stock, merchant=merchant)[0] if deliver else None
        deal = StoryDeal(self.m, listing, stock, order_id, key, record, buyer, merchant)
        self.deals[name] = deal
        return deal

    def wrong_order(self, name: str, listing: int, stock: Stock) -> StoryDeal:
        """An order delivered a key that is not the committed one (provable misdelivery)."""
        order_id, key = self.m.make_order(listing)
        committed, record = wrong_content_record(self.m, order_id, stock)
        self.m.client("merchant").deliver(order_id, record, stock.tree.proof(committed.index))
        deal = StoryDeal(self.m, listing, stock, order_id, key, record)
        self.deals[name] = deal
        return deal

    def dispute(self, deal: StoryDeal, reason: DisputeReason = DisputeReason.KEY_INVALID) -> None:
        self.m.client(deal.buyer).dispute(deal.order_id, reason, EVIDENCE)

    def contest(self, deal: StoryDeal) -> int:
        result = self.m.client(deal.merchant).contest(deal.order_id, MERCHANT_EVIDENCE)
        return result.event("ArbitrationRequested").args["disputeId"]

    def rule(self, dispute_id: int, ruling: int) -> None:
        court = self.m.session.contract("TestArbitrator", self.m.arbitrator_address)
        self.m.session.send(court.functions.giveRuling(dispute_id, ruling))

    def replace(self, deal: StoryDeal) -> None:
        unit = deal.stock.take()
        record = self.m.sealed_record(deal.order_id, deal.stock, unit)
        proof = deal.stock.tree.proof(unit.index)
        self.m.client(deal.merchant).replace(deal.order_id, record, proof)
        deal.record = record

    def attest(self, deal: Deal) -> None:
        submit(deal, sign_verdict(deal))

    def prove(self, deal: Deal) -> None:
        assert deal.record is not None
        self.m.client("buyer").prove_misdelivery(deal.order_id, deal.key.secret, deal.record)


def every_path_story(m: Market) -> Story:
    """Every way an order can end (and every open state), on two listings of two merchants with
    two suppliers; EVERY_PATH lists the endings."""
    start = m.w3.eth.block_number + 1
    l1 = m.make_listing("merchant")
    s1 = m.make_stock(l1, 30, supplier="supplier-a")
    l2 = m.make_listing("merchant2")
    s2 = m.make_stock(l2, 12, merchant="merchant2", supplier="supplier-b")
    a = _Actor(m)
    c = m.client

    d = a.order("confirmed", l1, s1)
    c("buyer").confirm(d.order_id)
    a.order("settled", l1, s1)
    d = a.order("replaced", l1, s1)
    a.dispute(d)
    a.replace(d)
    c("buyer").confirm(d.order_id)
    d = a.order("withdrawn", l1, s1, buyer="buyer2")
    a.dispute(d, DisputeReason.NOT_AS_DESCRIBED)
    c("buyer2").confirm(d.order_id)
    d = a.order("merchant_refund", l1, s1)
    a.dispute(d)
    c("merchant").refund(d.order_id)
    d = a.order("cancelled", l1, s1, deliver=False)
    c("merchant").refund(d.order_id)
    d = a.order("verifier", l1, s1)
    a.dispute(d)
    a.attest(d)
    d = a.order("verdict_refunded", l1, s1)
    a.dispute(d)
    a.attest(d)
    c("merchant").refund(d.order_id)  # accepts the verdict at once (the demo bot's policy)
    a.order("late", l1, s1, deliver=False)
    d = a.order("silent", l1, s1)
    a.dispute(d, DisputeReason.OTHER)
    d = a.wrong_order("misdelivered", l1, s1)
    a.prove(d)
    d = a.order("ruled_refund", l1, s1)
    a.dispute(d)
    a.rule(a.contest(d), 1)
    d = a.order("ruled_pay", l1, s1, buyer="buyer2")
    a.dispute(d, DisputeReason.NOT_AS_DESCRIBED)
    a.rule(a.contest(d), 2)
    d = a.order("ruled_split", l2, s2, merchant="merchant2")
    a.dispute(d)
    a.rule(a.contest(d), 0)
    d = a.order("stalled", l2, s2, merchant="merchant2")
    a.dispute(d)
    a.contest(d)
    d = a.wrong_order("proof_in_court", l1, s1)
    a.dispute(d, DisputeReason.WRONG_CONTENT)
    a.contest(d)
    a.prove(d)

    m.clock.advance(13 * HOUR)  # past delivery (1 h), response (12 h) and appeal windows
    c("stranger").refund_undelivered(a.deals["late"].order_id)
    c("stranger").refund_unanswered(a.deals["silent"].order_id)
    c("stranger").execute_verifier_refund(a.deals["verifier"].order_id)
    m.clock.advance(12 * HOUR)  # past the confirm window (24 h)
    c("stranger").settle(a.deals["settled"].order_id)
    m.clock.advance(30 * DAY)  # past ARBITRATION_TIMEOUT
    c("stranger").resolve_stalled_arbitration(a.deals["stalled"].order_id)

    a.order("open_paid", l1, s1, deliver=False)
    a.order("open_delivered", l1, s1)
    d = a.order("open_disputed", l1, s1)
    a.dispute(d)
    d = a.order("open_verdict", l1, s1)
    a.dispute(d)
    a.attest(d)
    d = a.order("open_court", l2, s2, merchant="merchant2")
    a.dispute(d)
    a.contest(d)
    return Story(m, start, {"l1": l1, "l2": l2}, a.deals)


@contextmanager
def story_on(w3: Web3, accounts: dict, deployed: tuple, build) -> Iterator[Story]:
    """Runs `build(market)` on the shared Anvil, captures it, and reverts the chain after."""
    session, deployment = deployed
    clock = ChainClock(w3)
    snapshot = clock.snapshot()
    try:
        market = Market.of(w3, session, deployment, accounts, clock)
        yield build(market).capture()
    finally:
        clock.revert(snapshot)
