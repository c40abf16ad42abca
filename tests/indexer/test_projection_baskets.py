"""Baskets and batch calls in the index: the same five orders run twice on Anvil from one
snapshot, once one call per order (pay, deliver, confirm, dispute, refund, settle) and once with
payBasket, deliverMany, confirmMany and settleMany, in blocks of the same numbers and times. The
batch run also has two refused items (a second delivery of an order, a settle of a completed
one). Both runs' logs go into one database, the second replacing the first as a reorg does."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from web3 import Web3

from fairkey.chain.anvil import ChainClock
from fairkey.chain.types import DisputeReason
from fairkey.crypto.order_keys import OrderKey, derive_order_key
from indexer import queries
from indexer.projections import Head, touched_by
from tests.indexer.projection_support import (
    ProjectionDb,
    chain_rows,
    head_at,
    head_of_rows,
    hex_id,
)
from tests.support.disputes import EVIDENCE
from tests.support.market import DISPUTE_BOND, HOUR, PRICE, Market, Stock

GAS = 3_000_000  # explicit: transactions wait in the pool for their block, unestimated
# Columns that say which transaction or log a fact came from: they differ between the runs.
POSITION_COLUMNS = {"tx_hash", "paid_tx", "resolved_tx", "requested_tx", "log_index"}
POSITION_COLUMNS |= {"last_log_index", "basket_id"}


@dataclass
class Runs:
    setup: list[dict]  # listing and stock, before both runs
    single: list[dict]  # the single-call run's logs
    basket: list[dict]  # the batch run's logs (same blocks, same times)
    setup_head: Head
    head: Head
    order_ids: list[str]
    merchant: str
    refused: dict[str, str]  # order id -> error name of the batch run's refused items


def _keys() -> list[OrderKey]:
    return [derive_order_key(Web3.keccak(text="basket test buyer"), i) for i in range(5)]


class _Blocks:
    """Mines one block per call holding the given transactions, at a given time."""

    def __init__(self, m: Market) -> None:
        self.m = m
        self.codec = m.client("buyer").codec

    def mine(self, timestamp: int, txs: list[tuple[str, str, tuple, int]]) -> None:
        """`txs`: (role, function, args, value), sent in this order (one sender's nonces)."""
        rpc = self.m.w3.provider.make_request
        nonces: dict[str, int] = {}
        hashes = []
        rpc("evm_setAutomine", [False])
        try:
            for role, function, args, value in txs:
                sender = self.m.address(role)
                if sender not in nonces:
                    nonces[sender] = self.m.w3.eth.get_transaction_count(sender, "pending")
                tx = {
                    "from": sender,
                    "to": self.m.escrow_address,
                    "data": "0x" + self.codec.fn(function).encode(*args).hex(),
                    "gas": hex(GAS),
                    "value": hex(value),
                    "nonce": hex(nonces[sender]),
                }
                nonces[sender] += 1
                hashes.append(rpc("eth_sendTransaction", [tx])["result"])
            rpc("evm_setNextBlockTimestamp", [timestamp])
            rpc("evm_mine", [])
        finally:
            rpc("evm_setAutomine", [True])
        receipts = [self.m.w3.eth.get_transaction_receipt(h) for h in hashes]
        assert len({r["blockNumber"] for r in receipts}) == 1
        assert all(r["status"] == 1 for r in receipts), [r["status"] for r in receipts]


def _run(m: Market, listing: int, stock: Stock, t0: int, batch: bool) -> list[int]:
    """Five orders: 0, 1 and 4 confirmed, 2 disputed and refunded by the merchant (tier 2),
    3 settled by a stranger after the confirm window. Returns the order ids."""
    blocks = _Blocks(m)
    keys = _keys()
    if batch:
        points = [(k.x, k.y) for k in keys]
        blocks.mine(t0, [("buyer", "payBasket", (listing, PRICE, points), 5 * PRICE)])
    else:
        blocks.mine(t0, [("buyer", "pay", (listing, PRICE, k.x, k.y), PRICE) for k in keys])
    ids = [int(k.address, 16) for k in keys]  # an order's id is its buyer key's address

    items = []
    for order_id, unit in zip(ids, stock.units, strict=False):
        record = m.sealed_record(order_id, stock, unit)
        items.append((order_id, record.as_struct(), stock.tree.proof(unit.index)))
    if batch:
        spare = stock.units[5]  # a second key for order 0: refused, the unit stays unused
        again = m.sealed_record(ids[0], stock, spare)
        second = (ids[0], again.as_struct(), stock.tree.proof(spare.index))
        blocks.mine(t0 + 60, [("merchant", "deliverMany", ([*items, second],), 0)])
    else:
        blocks.mine(t0 + 60, [("merchant", "deliver", item, 0) for item in items])

    dispute = ("buyer", "dispute", (ids[2], int(DisputeReason.KEY_INVALID), EVIDENCE), DISPUTE_BOND)
    confirmed = [ids[0], ids[1], ids[4]]
    if batch:
        blocks.mine(t0 + 120, [("buyer", "confirmMany", (confirmed,), 0), dispute])
    else:
        blocks.mine(t0 + 120, [*(("buyer", "confirm", (i,), 0) for i in confirmed), dispute])
    blocks.mine(t0 + 600, [("merchant", "refund", (ids[2],), 0)])
    late = t0 + 120 + 25 * HOUR  # past the confirm window (24 h)
    if batch:
        blocks.mine(late, [("stranger", "settleMany", ([ids[3], ids[0]],), 0)])
    else:
        blocks.mine(late, [("stranger", "settle", (ids[3],), 0)])
    return ids


@pytest.fixture(scope="module")
def runs(w3, accounts, deployed) -> Runs:
    session, deployment = deployed
    clock = ChainClock(w3)
    outer = clock.snapshot()
    try:
        m = Market.of(w3, session, deployment, accounts, clock)
        start = w3.eth.block_number + 1
        listing = m.make_listing()
        stock = m.make_stock(listing, 8)
        setup_head = head_at(w3)
        t0 = setup_head.time + 100
        inner = clock.snapshot()
        single_ids = _run(m, listing, stock, t0, batch=False)
        single = chain_rows(w3, m.escrow_address, setup_head.number + 1)
        single_head = head_at(w3)
        clock.revert(inner)
        ids = _run(m, listing, stock, t0, batch=True)
        basket = chain_rows(w3, m.escrow_address, setup_head.number + 1)
        head = head_at(w3)
        assert ids == single_ids and head == single_head  # the runs line up block for block
        refused = {
            hex_id(e.args["orderId"]): error.name
            for e in m.client("stranger").events("BatchItemRefused")
            for error in [m.session.errors.decode(e.args["reason"])]
        }
        return Runs(
            setup=chain_rows(w3, m.escrow_address, start, setup_head.number),
            single=single,
            basket=basket,
            setup_head=setup_head,
            head=head,
            order_ids=[hex_id(i) for i in ids],
            merchant=m.address("merchant").lower(),
            refused=refused,
        )
    finally:
        clock.revert(outer)


@pytest.fixture
def db(db_url):
    database = ProjectionDb.open(db_url)
    yield database
    database.close()


def _comparable(db: ProjectionDb) -> dict[str, list]:
    """Every derived table but batch_refusals, without the columns naming transactions and logs."""
    out = {}
    for table in db.snapshot():
        if table == "batch_refusals":
            continue
        rows = db.rows(table)
        kept = [{k: v for k, v in r.items() if k not in POSITION_COLUMNS} for r in rows]
        out[table] = sorted(kept, key=repr)
    return out


def _index(db: ProjectionDb, runs: Runs, first: str) -> None:
    db.ingest(runs.setup, runs.setup_head)
    db.ingest(getattr(runs, first), runs.head)


def _replace(db: ProjectionDb, runs: Runs, by: str) -> None:
    """A reorg: the run's blocks are dropped and the other run's take their place."""
    db.remove_from(runs.single[0]["block_number"], runs.setup_head)
    db.ingest(getattr(runs, by), runs.head)


# ---------------------------------------------------------------------------- same as singles


def test_a_basket_delivered_in_batches_gives_the_rows_and_figures_of_single_orders(db, runs):
    _index(db, runs, "single")
    singles = _comparable(db)
    _replace(db, runs, by="basket")
    baskets = _comparable(db)

    assert singles["orders"] and singles["merchants"]  # the comparison is not vacuous
    for table in singles:
        assert baskets[table] == singles[table], table
    db.assert_equals_rebuild(runs.head)


def test_the_figures_of_the_scenario_are_the_expected_ones(db, runs):
    _index(db, runs, "basket")
    merchant = db.one("merchants", merchant=runs.merchant)
    assert (merchant["orders"], merchant["settled"]) == (5, 5)
    assert (merchant["completed"], merchant["refunded"], merchant["disputed"]) == (4, 1, 1)
    assert (merchant["l2_cases"], merchant["l2_median_s"]) == (1, 600 - 120)
    orders = {r["order_id"]: r for r in db.rows("orders")}
    assert [orders[i]["latency_s"] for i in runs.order_ids] == [60] * 5
    assert [orders[i]["cause"] for i in runs.order_ids] == [
        "BuyerConfirmed",
        "BuyerConfirmed",
        "MerchantRefunded",
        "ConfirmWindowPassed",
        "BuyerConfirmed",
    ]
    listing = db.one("listings", listing_id=orders[runs.order_ids[0]]["listing_id"])
    assert (listing["units_delivered"], listing["stock_available"]) == (5, 3)


# ---------------------------------------------------------------------------- basket_id


def test_every_order_of_a_basket_names_its_first_order_as_basket_id(db, runs):
    _index(db, runs, "basket")
    with db.engine.connect() as conn:
        listed = queries.orders_of(conn, db.one("orders", order_id=runs.order_ids[0])["buyer"])
        basket = queries.basket_orders(conn, int(runs.order_ids[0], 16))
        assert queries.basket_orders(conn, int(runs.order_ids[1], 16)) == []
    assert [r.basket_id for r in listed] == [runs.order_ids[0]] * 5
    assert sorted(r.order_id for r in basket) == sorted(runs.order_ids)


def test_single_orders_have_no_basket_id_and_a_reorg_onto_them_clears_it(db, runs):
    _index(db, runs, "basket")
    _replace(db, runs, by="single")
    assert {r["basket_id"] for r in db.rows("orders")} == {None}
    assert db.rows("batch_refusals") == []
    db.assert_equals_rebuild(runs.head)


def test_a_basket_indexed_block_by_block_equals_a_rebuild_after_every_block(db, runs):
    db.ingest(runs.setup, runs.setup_head)
    blocks = sorted({r["block_number"] for r in runs.basket})
    for number in blocks:
        rows = [r for r in runs.basket if r["block_number"] == number]
        head = head_of_rows(rows)
        db.ingest(rows, head)
        db.assert_equals_rebuild(head)
    assert len(db.rows("orders", basket_id=runs.order_ids[0])) == 5


def test_removing_the_basket_paid_row_alone_refreshes_the_orders_it_names(runs):
    basket_paid = next(r for r in runs.basket if r["name"] == "BasketPaid")
    assert basket_paid["order_id"] is None  # BasketPaid names its orders in its args only
    assert touched_by([basket_paid]).order_ids == set(runs.order_ids)


# ---------------------------------------------------------------------------- refusals


def test_a_refused_batch_item_is_kept_with_its_error_and_changes_nothing_for_its_order(db, runs):
    _index(db, runs, "basket")
    first = runs.order_ids[0]
    refusals = db.rows("batch_refusals", order_id=first)
    assert [r["error"] for r in refusals] == [runs.refused[first]] * 2
    assert runs.refused[first] == "EscrowUnexpectedStatus"
    assert {r["merchant"] for r in refusals} == {runs.merchant}
    logs = [r for r in runs.basket if r["name"] == "BatchItemRefused"]
    assert sorted((r["block_number"], r["log_index"]) for r in logs) == sorted(
        (r["block_number"], r["log_index"]) for r in refusals
    )
    timeline = db.rows("order_events", order_id=first, order_by="block_number")
    assert [e["event"] for e in timeline] == ["OrderPaid", "KeyDelivered", "OrderCompleted"]
    order = db.one("orders", order_id=first)
    assert (order["deliveries"], order["last_block"]) == (1, timeline[-1]["block_number"])
    with db.engine.connect() as conn:
        assert queries.refusals_of(conn, runs.merchant) == {"EscrowUnexpectedStatus": 2}
        assert queries.refusals_of(conn, "0x" + "00" * 20) == {}


def test_a_refusal_of_an_order_the_index_never_saw_paid_has_no_merchant(db, runs):
    """(A settleMany naming an id nobody paid: the raw log of one more block.)"""
    _index(db, runs, "basket")
    stray_id = "0x" + "ab" * 20
    stray = dict(next(r for r in runs.basket if r["name"] == "BatchItemRefused"))
    args = dict(json.loads(stray["args"]), orderId=int(stray_id, 16))
    head = Head(runs.head.number + 1, runs.head.time + 12)
    stray.update(
        block_number=head.number,
        block_hash="0x" + "cd" * 32,
        block_time=head.time,
        order_id=stray_id,
        args=json.dumps(args),
    )
    db.ingest([stray], head)
    row = db.one("batch_refusals", order_id=stray_id)
    assert (row["merchant"], row["error"]) == (None, "EscrowUnexpectedStatus")
    assert db.rows("orders", order_id=stray_id) == []
    db.assert_equals_rebuild(head)
