"""Batch calls: `deliverMany`, `confirmMany`, `settleMany`.

Each item of a batch goes through exactly the rule of the single-order call (`deliver`,
`confirm`, `settle`: the same code path, which returns its custom error instead of reverting).
An item that rule refuses is skipped with BatchItemRefused(orderId, reason), `reason` being the
ABI-encoded error the single call reverts with, and changes nothing; the other items go on. So a
stranger who acts on one order in front of a batch (a late refund, a settle) cannot make the
batch fail. An empty list reverts (EscrowEmptyList); each call returns how many items went
through.
"""

from __future__ import annotations

import pytest

from fairkey.chain.errors import ContractRevert
from fairkey.chain.session import TxResult
from fairkey.chain.types import DisputeReason, OrderStatus, RefundCause
from fairkey.crypto.records import FAULT_NONE, find_fault
from tests.support.disputes import credited_since, credits, single_event
from tests.support.invariants import ExactClock
from tests.support.market import BOND, DISPUTE_BOND, HOUR, PRICE
from tests.support.mempool import Mempool
from tests.support.rules import fee_of, reverts

ZERO32 = b"\0" * 32
EARNED = PRICE - fee_of(PRICE) + BOND  # what a completed order credits its merchant


# ------------------------------------------------------------------ helpers


def _basket(market, listing: int, n: int, buyer: str = "buyer"):
    """N paid orders of `listing` (one basket), with their buyer keys."""
    keys = [market.new_order_key() for _ in range(n)]
    result = market.client(buyer).pay_basket(listing, [k.point for k in keys])
    return single_event(result, "BasketPaid").args["orderIds"], keys


def _item(market, order_id: int, stock, unit, proof_of: int | None = None):
    """A deliverMany item: `unit` sealed to `order_id` (and the Merkle proof of `proof_of`)."""
    record = market.sealed_record(order_id, stock, unit)
    return order_id, record, stock.tree.proof(unit.index if proof_of is None else proof_of)


def _structs(items):
    return [(oid, record.as_struct(), list(proof)) for oid, record, proof in items]


def _count(client, fn) -> int:
    """What a batch call returns (how many items went through), as a call on the current state."""
    return client.session.call(fn)


def _status(market, order_id: int) -> OrderStatus:
    return market.client("stranger").order(order_id).status


def _deadline(market, order_id: int) -> int:
    return market.client("stranger").order(order_id).deadline


def _refused(client, result: TxResult) -> dict[int, tuple[str, dict]]:
    return {oid: (err.name, err.args_by_name) for oid, err in client.refusals(result).items()}


def _mined(client, receipt) -> TxResult:
    return TxResult(receipt, client.session.decode_logs(receipt["logs"]))


def _reasons(result: TxResult) -> dict[int, bytes]:
    return {
        e.args["orderId"]: bytes(e.args["reason"])
        for e in result.events
        if e.name == "BatchItemRefused"
    }


def _record_hash_of(market, order_id: int) -> bytes:
    """The record hash of an order's current delivery (as the registry holds it)."""
    record, delivery_no = market.client("stranger").current_delivery(order_id)
    return record.record_hash(order_id, delivery_no)


def _single_revert(call, *args) -> str:
    """The raw revert data of a single-order call that must revert."""
    try:
        call(*args)
    except ContractRevert as exc:
        return exc.raw
    raise AssertionError("the single call did not revert")


# ------------------------------------------------------------------ deliverMany


def test_deliver_many_delivers_the_orders_of_two_listings_of_one_merchant(market):
    cards = market.make_listing()
    games = market.make_listing(price=2 * PRICE, bond_per_unit=2 * BOND, confirm_window=48 * HOUR)
    card_stock, game_stock = market.make_stock(cards, 3), market.make_stock(games, 3)
    card_ids, card_keys = _basket(market, cards, 2)
    game_ids, game_keys = _basket(market, games, 2, buyer="buyer2")
    items = [
        _item(market, card_ids[0], card_stock, card_stock.take()),
        _item(market, game_ids[0], game_stock, game_stock.take()),
        _item(market, game_ids[1], game_stock, game_stock.take()),
        _item(market, card_ids[1], card_stock, card_stock.take()),
    ]
    merchant = market.client("merchant")
    assert _count(merchant, merchant.f.deliverMany(_structs(items))) == 4

    result = merchant.deliver_many(items)

    assert merchant.refusals(result) == {}
    delivered = [e.args for e in result.events if e.name == "KeyDelivered"]
    assert [d["orderId"] for d in delivered] == [oid for oid, _, _ in items]
    now = market.clock.now()
    for (oid, record, _), key in zip(items, [card_keys[0], *game_keys, card_keys[1]], strict=True):
        assert _status(market, oid) == OrderStatus.DELIVERED
        assert find_fault(key.secret, oid, record) == FAULT_NONE  # each buyer opens its own key
        assert merchant.is_unit_used(record.root, record.unit_index)
        assert merchant.delivery_of(record.fingerprint) == record.record_hash(oid, 0)
    # Each order opened the confirm window of its own listing.
    assert {_deadline(market, i) - now for i in card_ids} == {24 * HOUR}
    assert {_deadline(market, i) - now for i in game_ids} == {48 * HOUR}
    assert merchant.batch(card_stock.root).used == 2 and merchant.batch(game_stock.root).used == 2


def test_an_order_refunded_in_the_same_block_just_before_is_skipped_and_the_rest_delivers(market):
    """The merchant's batch includes an order whose delivery deadline just passed; a stranger's
    refundUndelivered of it lands first in the same block. The batch still delivers the others;
    the refunded order is reported (EscrowUnexpectedStatus, REFUNDED) and its unit stays unused,
    ready for another order."""
    listing = market.make_listing()
    stock = market.make_stock(listing, 5)
    late_id, _ = market.make_order(listing)
    market.clock.advance(50 * 60)
    ids, _ = _basket(market, listing, 2)
    market.clock.advance_past(_deadline(market, late_id))
    assert market.clock.now() < min(_deadline(market, i) for i in ids)
    late_unit = stock.take()
    items = [
        _item(market, ids[0], stock, stock.take()),
        _item(market, late_id, stock, late_unit),
        _item(market, ids[1], stock, stock.take()),
    ]
    merchant, stranger = market.client("merchant"), market.client("stranger")
    pool = Mempool(market.w3)
    before = credits(market)

    with pool.held():
        batch = pool.send(merchant, merchant.f.deliverMany(_structs(items)), tip_gwei=1)
        [(name, args)] = pool.pending_calls(merchant)
        assert name == "deliverMany"
        seen = [d["orderId"] for d in args["deliveries"]]
        assert late_id in seen
        front = pool.send(stranger, stranger.f.refundUndelivered(late_id), tip_gwei=90)
        pool.mine()

    front_receipt, batch_receipt = pool.receipt(front), pool.receipt(batch)
    assert front_receipt["status"] == 1 and batch_receipt["status"] == 1
    assert front_receipt["blockNumber"] == batch_receipt["blockNumber"]
    assert front_receipt["transactionIndex"] < batch_receipt["transactionIndex"]
    result = _mined(merchant, batch_receipt)
    assert _refused(merchant, result) == {
        late_id: ("EscrowUnexpectedStatus", {"orderId": late_id, "current": OrderStatus.REFUNDED})
    }
    assert [_status(market, i) for i in ids] == [OrderStatus.DELIVERED] * 2
    assert _status(market, late_id) == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + BOND}  # the late refund's rule
    # The refused item changed nothing: its unit is unused and its key unregistered ...
    assert not merchant.is_unit_used(stock.root, late_unit.index)
    assert merchant.registry_entry(late_unit.fingerprint) == ZERO32
    assert merchant.batch(stock.root).used == 2
    # ... so the unit still serves the next order.
    next_id, _ = market.make_order(listing)
    market.deliver(next_id, stock, late_unit)
    assert _status(market, next_id) == OrderStatus.DELIVERED


@pytest.fixture
def batch_world(market):
    """A merchant's listing with 8 units (units 6 and 7 hold the same key, unit 6 already
    delivered), a paid order whose delivery deadline just passed, three paid orders in time,
    and another merchant's paid order."""
    keys = [f"BATCH-KEY-{i:02d}-ABCDEFGHIJKL" for i in range(7)] + ["BATCH-KEY-06-ABCDEFGHIJKL"]
    listing = market.make_listing()
    stock = market.make_stock(listing, 8, keys=keys)
    other = market.make_listing(merchant="merchant2")
    other_stock = market.make_stock(other, 2, merchant="merchant2")
    done_id, _ = market.make_order(listing)
    market.deliver(done_id, stock, stock.units[6])
    late_id, _ = market.make_order(listing)
    market.clock.advance(50 * 60)
    ids, _ = _basket(market, listing, 3)
    other_id, _ = market.make_order(other, buyer="buyer2")
    market.clock.advance_past(_deadline(market, late_id))
    return dict(
        market=market,
        listing=listing,
        stock=stock,
        other=other,
        other_stock=other_stock,
        done_id=done_id,
        late_id=late_id,
        ids=ids,
        other_id=other_id,
    )


def _not_the_merchant(w):
    item = _item(w["market"], w["other_id"], w["other_stock"], w["other_stock"].units[0])
    return item, (
        "EscrowNotMerchant",
        {"listingId": w["other"], "caller": w["market"].address("merchant")},
    )


def _unknown_order(w):
    unknown = int(w["market"].new_order_key().address, 16)
    _, record, proof = _item(w["market"], w["ids"][2], w["stock"], w["stock"].units[2])
    return (unknown, record, proof), ("EscrowUnknownOrder", {"orderId": unknown})


def _deadline_passed(w):
    item = _item(w["market"], w["late_id"], w["stock"], w["stock"].units[2])
    return item, (
        "EscrowDeadlinePassed",
        {"orderId": w["late_id"], "deadline": _deadline(w["market"], w["late_id"])},
    )


def _invalid_proof(w):
    item = _item(w["market"], w["ids"][2], w["stock"], w["stock"].units[2], proof_of=3)
    return item, ("EscrowInvalidProof", {"root": w["stock"].root, "unitIndex": 2})


def _unit_used_earlier_in_the_batch(w):
    item = _item(w["market"], w["ids"][2], w["stock"], w["stock"].units[0])  # the first item's
    return item, ("EscrowUnitAlreadyUsed", {"root": w["stock"].root, "unitIndex": 0})


def _key_already_delivered(w):
    unit = w["stock"].units[7]  # the key unit 6 delivered to another order
    item = _item(w["market"], w["ids"][2], w["stock"], unit)
    return item, ("EscrowKeyAlreadyDelivered", {"fingerprint": unit.fingerprint})


REFUSALS = {
    "not-the-merchant": _not_the_merchant,
    "unknown-order": _unknown_order,
    "delivery-deadline-passed": _deadline_passed,
    "invalid-proof": _invalid_proof,
    "unit-already-used-in-the-batch": _unit_used_earlier_in_the_batch,
    "key-already-delivered": _key_already_delivered,
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_delivery_item_is_reported_and_changes_nothing(batch_world, case):
    w = batch_world
    market, stock, ids = w["market"], w["stock"], w["ids"]
    merchant = market.client("merchant")
    bad, (name, args) = REFUSALS[case](w)
    bad_id, bad_record, _ = bad
    unit_root, unit_index = bad_record.root, bad_record.unit_index
    used_before = merchant.is_unit_used(unit_root, unit_index)
    entry_before = merchant.registry_entry(bad_record.fingerprint)
    status_before = _status(market, bad_id)
    good = [
        _item(market, ids[0], stock, stock.units[0]),
        _item(market, ids[1], stock, stock.units[1]),
    ]
    items = [good[0], bad, good[1]]
    assert _count(merchant, merchant.f.deliverMany(_structs(items))) == 2

    result = merchant.deliver_many(items)

    refused = _refused(merchant, result)
    assert list(refused) == [bad_id]
    got_name, got_args = refused[bad_id]
    assert got_name == name
    for key, value in args.items():
        got = got_args[key]
        assert (got.lower() == value.lower()) if isinstance(value, str) else got == value, key
    assert [e.args["orderId"] for e in result.events if e.name == "KeyDelivered"] == ids[:2]
    # The refused item changed nothing: its order, its unit, the registry.
    assert _status(market, bad_id) == status_before
    if case == "unit-already-used-in-the-batch":  # the unit and key are the first item's
        assert merchant.delivery_of(bad_record.fingerprint) == good[0][1].record_hash(ids[0], 0)
    else:
        assert merchant.is_unit_used(unit_root, unit_index) == used_before
        assert merchant.registry_entry(bad_record.fingerprint) == entry_before
    if case == "key-already-delivered":  # still the earlier delivery of unit 6
        assert merchant.delivery_of(bad_record.fingerprint) == _record_hash_of(market, w["done_id"])
    assert merchant.batch(stock.root).used == 3  # unit 6 before, the two good items now
    assert market.client("merchant2").batch(w["other_stock"].root).used == 0
    # The reason is exactly what the single call reverts with, on the state after the batch.
    single = _single_revert(merchant.deliver, bad_id, bad_record, bad[2])
    assert _reasons(result)[bad_id] == bytes.fromhex(single.removeprefix("0x"))


def test_a_batch_whose_every_item_is_refused_succeeds_and_delivers_nothing(batch_world):
    w = batch_world
    merchant = w["market"].client("merchant")
    items = [_deadline_passed(w)[0], _not_the_merchant(w)[0]]
    assert _count(merchant, merchant.f.deliverMany(_structs(items))) == 0
    result = merchant.deliver_many(items)
    assert set(merchant.refusals(result)) == {w["late_id"], w["other_id"]}
    assert not [e for e in result.events if e.name == "KeyDelivered"]


# ------------------------------------------------------------------ confirmMany


def _delivered(market, n: int = 3, buyer: str = "buyer", listing: int | None = None):
    listing = listing or market.make_listing()
    stock = market.make_stock(listing, n)
    ids, keys = _basket(market, listing, n, buyer=buyer)
    market.client("merchant").deliver_many([_item(market, i, stock, stock.take()) for i in ids])
    return listing, ids


def test_confirm_many_skips_orders_that_are_not_the_callers_or_already_confirmed(market):
    listing, (a, b, done) = _delivered(market, 3)
    _, (theirs,) = _delivered(market, 1, buyer="buyer2", listing=listing)
    buyer = market.client("buyer")
    buyer.confirm(done)
    unknown = int(market.new_order_key().address, 16)
    assert _count(buyer, buyer.f.confirmMany([a, theirs, done, unknown, b])) == 2
    before = credits(market)

    result = buyer.confirm_many([a, theirs, done, unknown, b])

    assert _refused(buyer, result) == {
        theirs: ("EscrowNotBuyer", {"orderId": theirs, "caller": market.address("buyer").lower()}),
        done: ("EscrowUnexpectedStatus", {"orderId": done, "current": OrderStatus.COMPLETED}),
        unknown: ("EscrowUnknownOrder", {"orderId": unknown}),
    }
    assert [_status(market, i) for i in (a, b, done, theirs)] == [
        OrderStatus.COMPLETED,
        OrderStatus.COMPLETED,
        OrderStatus.COMPLETED,
        OrderStatus.DELIVERED,
    ]
    assert credited_since(market, before) == {"merchant": 2 * EARNED, "treasury": 2 * fee_of(PRICE)}


def test_withdrawing_a_dispute_through_confirm_many_returns_the_dispute_bond(market):
    _, (disputed, plain) = _delivered(market, 2)
    buyer = market.client("buyer")
    buyer.dispute(disputed, DisputeReason.KEY_INVALID)
    before = credits(market)

    result = buyer.confirm_many([disputed, plain])

    assert buyer.refusals(result) == {}
    assert single_event(result, "DisputeWithdrawn").args == {"orderId": disputed}
    assert credited_since(market, before) == {
        "buyer": DISPUTE_BOND,
        "merchant": 2 * EARNED,
        "treasury": 2 * fee_of(PRICE),
    }
    assert _status(market, disputed) == _status(market, plain) == OrderStatus.COMPLETED


# ------------------------------------------------------------------ settleMany


def test_a_settle_front_run_by_a_stranger_cannot_fail_the_keepers_batch(market):
    listing, (a, b, c) = _delivered(market, 3)
    market.clock.advance(12 * HOUR)
    _, (fresh,) = _delivered(market, 1, listing=listing)  # its confirm window runs 12 h longer
    market.clock.advance_past(max(_deadline(market, i) for i in (a, b, c)))
    assert market.clock.now() <= _deadline(market, fresh)
    keeper, rival = market.client("stranger"), market.client("buyer2")
    pool = Mempool(market.w3)
    before = credits(market)

    with pool.held():
        batch = pool.send(keeper, keeper.f.settleMany([a, b, c, fresh]), tip_gwei=1)
        [(name, args)] = pool.pending_calls(keeper)
        assert name == "settleMany" and args["orderIds"][1] == b
        front = pool.send(rival, rival.f.settle(b), tip_gwei=90)
        pool.mine()

    front_receipt, batch_receipt = pool.receipt(front), pool.receipt(batch)
    assert front_receipt["status"] == 1 and batch_receipt["status"] == 1
    assert front_receipt["blockNumber"] == batch_receipt["blockNumber"]
    assert front_receipt["transactionIndex"] < batch_receipt["transactionIndex"]
    result = _mined(keeper, batch_receipt)
    assert _refused(keeper, result) == {
        b: ("EscrowUnexpectedStatus", {"orderId": b, "current": OrderStatus.COMPLETED}),
        fresh: (
            "EscrowDeadlineNotReached",
            {"orderId": fresh, "deadline": _deadline(market, fresh)},
        ),
    }
    assert [e.args["orderId"] for e in result.events if e.name == "OrderCompleted"] == [a, c]
    assert [_status(market, i) for i in (a, b, c, fresh)] == [OrderStatus.COMPLETED] * 3 + [
        OrderStatus.DELIVERED
    ]
    # Each settled order paid the merchant once, whoever settled it.
    assert credited_since(market, before) == {"merchant": 3 * EARNED, "treasury": 3 * fee_of(PRICE)}


def test_settle_many_refuses_orders_not_yet_due_and_settles_them_later(market):
    _, ids = _delivered(market, 2)
    keeper = market.client("stranger")
    assert _count(keeper, keeper.f.settleMany(ids)) == 0
    result = keeper.settle_many(ids)
    assert _refused(keeper, result) == {
        i: ("EscrowDeadlineNotReached", {"orderId": i, "deadline": _deadline(market, i)})
        for i in ids
    }
    market.clock.advance_past(max(_deadline(market, i) for i in ids))
    before = credits(market)
    assert keeper.refusals(keeper.settle_many(ids)) == {}
    assert credited_since(market, before) == {"merchant": 2 * EARNED, "treasury": 2 * fee_of(PRICE)}


def test_settle_many_sent_in_the_second_of_the_deadline_settles_what_is_due_when_mined(market):
    """The keeper sends settleMany while the latest block is stamped exactly at the orders'
    confirm deadline; the block that mines it is one second later, when they are due. Expected:
    they settle. The estimate (at the latest block's time) refuses them cheaply, so the SDK's
    gas limit leaves room for every item to settle (EscrowClient.settle_many)."""
    _, ids = _delivered(market, 3)
    deadline = _deadline(market, ids[0])
    exact = ExactClock(market)  # every block one second after the previous one
    exact.start()
    try:
        exact.advance(deadline - exact.now())  # the latest block is stamped `deadline`
        result = market.client("stranger").settle_many(ids)  # mined at deadline + 1
    finally:
        exact.stop()
    assert market.client("stranger").refusals(result) == {}
    assert [_status(market, i) for i in ids] == [OrderStatus.COMPLETED] * 3


# ------------------------------------------------------------------ empty lists, single calls


@pytest.mark.parametrize("call", ["deliver_many", "confirm_many", "settle_many"])
def test_an_empty_batch_is_refused(market, call):
    with reverts("EscrowEmptyList"):
        getattr(market.client("merchant"), call)([])


def test_the_single_order_calls_still_revert_with_the_named_errors(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    refunded, _ = market.make_order(listing)
    market.client("merchant").refund(refunded)
    record = market.sealed_record(refunded, stock, stock.units[0])
    with reverts("EscrowUnexpectedStatus", orderId=refunded, current=OrderStatus.REFUNDED):
        market.client("merchant").deliver(refunded, record, stock.tree.proof(0))

    delivered, _ = market.make_order(listing)
    market.deliver(delivered, stock, stock.units[1])
    with reverts(
        "EscrowDeadlineNotReached", orderId=delivered, deadline=_deadline(market, delivered)
    ):
        market.client("stranger").settle(delivered)
    with reverts("EscrowNotBuyer", orderId=delivered, caller=market.address("stranger")):
        market.client("stranger").confirm(delivered)
    # A late refund is still a late refund, with the unit's bond.
    late, _ = market.make_order(listing)
    market.clock.advance_past(_deadline(market, late))
    refund = market.client("stranger").refund_undelivered(late)
    assert single_event(refund, "OrderRefunded").args["cause"] == RefundCause.NOT_DELIVERED
