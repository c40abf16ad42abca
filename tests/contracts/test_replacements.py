"""L2 merchant answer by replacement: a new unit from stock answers a dispute (or a verifier
verdict inside its appeal window); the dispute bond returns to the buyer and a new confirm window
opens."""

from __future__ import annotations

from fairkey.chain.types import DisputeReason, OrderStatus, RefundCause
from fairkey.crypto.records import FAULT_COMMITMENT
from fairkey.flows.buyer import open_delivery
from tests.support.disputes import (
    Deal,
    credited_since,
    credits,
    delivered_order,
    dispute,
    disputed_order,
    sign_verdict,
    single_event,
    submit,
    wrong_content_record,
)
from tests.support.disputes import reverts as expect_revert
from tests.support.market import BOND, DISPUTE_BOND, PRICE

CONFIRM_WINDOW = 24 * 3600  # tests.support.market default terms
FEE = PRICE // 100


def _replacement_record(deal: Deal):
    unit = deal.stock.take()
    return unit, deal.market.sealed_record(deal.order_id, deal.stock, unit)


def _replace(deal: Deal, merchant: str = "merchant"):
    """Replaces the deal's key with the next unit of its stock; returns the TxResult."""
    unit, record = _replacement_record(deal)
    result = deal.client(merchant).replace(deal.order_id, record, deal.stock.tree.proof(unit.index))
    deal.record = record
    return result


def _stock_available(deal: Deal) -> int:
    return deal.client("stranger").listing(deal.listing).stock_available


# ---------------------------------------------------------------------------- acts


def test_replacing_a_disputed_key_redelivers_returns_the_dispute_bond_and_releases_a_bond(market):
    deal = disputed_order(market)
    first_fingerprint = deal.record.fingerprint
    available = _stock_available(deal)
    before = credits(market)

    result = _replace(deal)

    now = market.clock.now()
    order = deal.order()
    assert order.status == OrderStatus.DELIVERED
    assert order.deadline == now + CONFIRM_WINDOW
    assert order.deliveries == 2
    assert order.reason == DisputeReason.NONE
    assert _stock_available(deal) == available - 1
    assert credited_since(market, before) == {"buyer": DISPUTE_BOND, "merchant": BOND}
    event = single_event(result, "KeyDelivered").args
    assert event["deliveryNo"] == 1
    assert event["fingerprint"] == deal.record.fingerprint != first_fingerprint
    assert event["confirmDeadline"] == now + CONFIRM_WINDOW
    client = deal.client("stranger")
    assert client.delivery_of(deal.record.fingerprint) == deal.record.record_hash(deal.order_id, 1)
    assert client.delivery_of(first_fingerprint) != b"\0" * 32  # the first key stays registered


def test_the_buyer_opens_the_replacement_key(market):
    deal = disputed_order(market)
    _replace(deal)
    opened = open_delivery(deal.client("buyer"), deal.order_id, deal.key)
    assert opened.delivery_no == 1
    assert opened.check.ok is True
    assert opened.key_text == deal.stock.units[1].key.decode()


def test_the_merchant_replaces_during_the_verifier_appeal_window_instead_of_refunding(market):
    deal = disputed_order(market)
    submit(deal, sign_verdict(deal))
    before = credits(market)

    _replace(deal)

    assert deal.order().status == OrderStatus.DELIVERED
    assert deal.order().deliveries == 2
    assert credited_since(market, before) == {"buyer": DISPUTE_BOND, "merchant": BOND}
    market.clock.advance(3 * 3600)  # past the old appeal deadline
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.DELIVERED):
        deal.client("stranger").execute_verifier_refund(deal.order_id)


def test_a_replaced_order_settles_and_every_bond_comes_home(market):
    deal = disputed_order(market, stock_size=3)
    before = credits(market)
    _replace(deal)
    market.clock.advance_past(deal.order().deadline)
    deal.client("stranger").settle(deal.order_id)
    deal.client("merchant").revoke_batch(deal.stock.root)  # the one unsold unit

    assert credited_since(market, before) == {
        "merchant": BOND + (PRICE - FEE + BOND) + BOND,  # replacement, settlement, revocation
        "buyer": DISPUTE_BOND,
        "treasury": FEE,
    }
    # Everything the escrow holds is owed to someone: 3 bonds + price + dispute bond came in.
    assert market.eth_balance(market.escrow_address) == sum(credits(market).values())
    assert market.eth_balance(market.escrow_address) == 3 * BOND + PRICE + DISPUTE_BOND


def test_a_wrong_replacement_key_is_proven_with_the_new_record(market):
    deal = disputed_order(market)
    committed, bad = wrong_content_record(market, deal.order_id, deal.stock)
    deal.client("merchant").replace(deal.order_id, bad, deal.stock.tree.proof(committed.index))
    before = credits(market)

    result = deal.client("buyer").prove_misdelivery(deal.order_id, deal.key.secret, bad)

    assert deal.order().status == OrderStatus.REFUNDED
    # The dispute bond already went back at replacement.
    assert credited_since(market, before) == {"buyer": PRICE + BOND}
    assert single_event(result, "MisdeliveryProven").args["fault"] == FAULT_COMMITMENT
    assert single_event(result, "OrderRefunded").args["cause"] == RefundCause.MISDELIVERY


def test_a_replaced_faulty_key_can_no_longer_be_proven_with_its_old_record(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    order_id, key = market.make_order(listing)
    committed, bad = wrong_content_record(market, order_id, stock)
    market.client("merchant").deliver(order_id, bad, stock.tree.proof(committed.index))
    deal = Deal(market, listing, stock, order_id, key, bad)
    dispute(deal, DisputeReason.WRONG_CONTENT)
    _replace(deal)  # a good key this time

    with expect_revert("EscrowRecordMismatch", orderId=order_id):
        deal.client("buyer").prove_misdelivery(order_id, key.secret, bad)


def test_a_replacement_may_be_disputed_again(market):
    deal = disputed_order(market)
    _replace(deal)
    before = credits(market)
    dispute(deal, DisputeReason.KEY_INVALID)
    assert deal.order().status == OrderStatus.DISPUTED
    market.clock.advance_past(deal.order().deadline)
    deal.client("stranger").refund_unanswered(deal.order_id)
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND + BOND}


# ---------------------------------------------------------------------------- refusals


def test_only_the_merchant_may_replace(market):
    deal = disputed_order(market)
    unit, record = _replacement_record(deal)
    for caller in ("buyer", "stranger"):
        with expect_revert(
            "EscrowNotMerchant", listingId=deal.listing, caller=market.address(caller)
        ):
            deal.client(caller).replace(deal.order_id, record, deal.stock.tree.proof(unit.index))
    assert deal.order().status == OrderStatus.DISPUTED


def test_an_undisputed_delivery_cannot_be_replaced(market):
    deal = delivered_order(market)
    unit, record = _replacement_record(deal)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.DELIVERED):
        deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(unit.index))


def test_an_order_in_court_cannot_be_replaced(market):
    deal = disputed_order(market)
    deal.client("merchant").contest(deal.order_id)
    unit, record = _replacement_record(deal)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.ARBITRATING):
        deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(unit.index))


def test_a_replacement_after_the_response_deadline_is_refused(market):
    deal = disputed_order(market)
    deadline = deal.order().deadline
    market.clock.advance_past(deadline)
    unit, record = _replacement_record(deal)
    with expect_revert("EscrowDeadlinePassed", orderId=deal.order_id, deadline=deadline):
        deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(unit.index))


def test_a_replacement_after_the_appeal_deadline_is_refused(market):
    deal = disputed_order(market)
    submit(deal, sign_verdict(deal))
    deadline = deal.order().deadline
    market.clock.advance_past(deadline)
    unit, record = _replacement_record(deal)
    with expect_revert("EscrowDeadlinePassed", orderId=deal.order_id, deadline=deadline):
        deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(unit.index))


def test_a_second_replacement_is_refused_when_the_listing_allows_one(market):
    deal = disputed_order(market, max_replacements=1)
    _replace(deal)
    dispute(deal)
    unit, record = _replacement_record(deal)
    with expect_revert("EscrowReplacementsExhausted", orderId=deal.order_id, max=1):
        deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(unit.index))
    assert deal.order().deliveries == 2


def test_no_replacement_when_the_listing_allows_none(market):
    deal = disputed_order(market, max_replacements=0)
    unit, record = _replacement_record(deal)
    with expect_revert("EscrowReplacementsExhausted", orderId=deal.order_id, max=0):
        deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(unit.index))


def test_a_unit_reserved_for_another_order_cannot_serve_as_replacement(market):
    deal = disputed_order(market, stock_size=2)
    market.make_order(deal.listing, buyer="buyer2")  # reserves the last unit
    assert _stock_available(deal) == 0
    unit, record = _replacement_record(deal)
    with expect_revert("EscrowOutOfStock", listingId=deal.listing):
        deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(unit.index))


def test_the_same_key_cannot_come_back_as_its_own_replacement(market):
    deal = disputed_order(market)
    again = market.make_stock(deal.listing, 1, keys=[deal.stock.units[0].key.decode()])
    unit = again.take()
    record = market.sealed_record(deal.order_id, again, unit)
    with expect_revert("EscrowKeyAlreadyDelivered", fingerprint=deal.record.fingerprint):
        deal.client("merchant").replace(deal.order_id, record, again.tree.proof(unit.index))
