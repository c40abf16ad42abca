"""Rules driven by the clock (settle, refundUndelivered, delivery deadline) and merchant refunds.

Deadlines are inclusive: an action "before the deadline" is allowed while
block.timestamp <= deadline; an action "after the deadline" needs block.timestamp > deadline.
"""

from __future__ import annotations

from fairkey.chain.types import CompletionCause, OrderStatus, RefundCause
from tests.support.market import BOND, PRICE
from tests.support.rules import fee_of, reverts, send_at


def _delivered_order(market, units: int = 2) -> tuple[int, int]:
    """(listing id, order id) of an order whose key was delivered."""
    listing = market.make_listing()
    stock = market.make_stock(listing, units)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    return listing, order_id


def _deadline(market, order_id: int) -> int:
    return market.client("stranger").order(order_id).deadline


# ------------------------------------------------------------------ delivery deadline


def test_delivering_at_the_exact_delivery_deadline_is_accepted(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    deadline = _deadline(market, order_id)
    record = market.sealed_record(order_id, stock, stock.units[0])
    proof = stock.tree.proof(0)
    send_at(
        market.client("merchant"),
        lambda f: f.deliver(order_id, record.as_struct(), proof),
        deadline,
    )
    assert market.client("stranger").order(order_id).status == OrderStatus.DELIVERED


def test_delivering_one_second_after_the_delivery_deadline_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    deadline = _deadline(market, order_id)
    record = market.sealed_record(order_id, stock, stock.units[0])
    proof = stock.tree.proof(0)
    with reverts("EscrowDeadlinePassed", orderId=order_id, deadline=deadline):
        send_at(
            market.client("merchant"),
            lambda f: f.deliver(order_id, record.as_struct(), proof),
            deadline + 1,
        )
    assert market.client("stranger").order(order_id).status == OrderStatus.PAID


# ------------------------------------------------------------------ settle


def test_settling_before_the_confirm_deadline_is_refused(market):
    _, order_id = _delivered_order(market)
    deadline = _deadline(market, order_id)
    with reverts("EscrowDeadlineNotReached", orderId=order_id, deadline=deadline):
        market.client("stranger").settle(order_id)


def test_settling_at_the_exact_confirm_deadline_is_refused(market):
    _, order_id = _delivered_order(market)
    deadline = _deadline(market, order_id)
    with reverts("EscrowDeadlineNotReached", orderId=order_id, deadline=deadline):
        send_at(market.client("stranger"), lambda f: f.settle(order_id), deadline)
    assert market.client("stranger").order(order_id).status == OrderStatus.DELIVERED


def test_settling_one_second_after_the_confirm_deadline_is_accepted(market):
    _, order_id = _delivered_order(market)
    deadline = _deadline(market, order_id)
    send_at(market.client("stranger"), lambda f: f.settle(order_id), deadline + 1)
    assert market.client("stranger").order(order_id).status == OrderStatus.COMPLETED


def test_anyone_settles_after_the_confirm_window_and_the_merchant_is_paid(market):
    _, order_id = _delivered_order(market)
    market.clock.advance_past(_deadline(market, order_id))
    result = market.client("stranger").settle(order_id)
    assert result.event("OrderCompleted").args == {
        "orderId": order_id,
        "cause": CompletionCause.CONFIRM_WINDOW_PASSED,
        "merchantAmount": PRICE - fee_of(PRICE),
        "fee": fee_of(PRICE),
    }
    assert market.client("stranger").order(order_id).status == OrderStatus.COMPLETED
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND
    assert market.credit("treasury") == fee_of(PRICE)
    assert market.credit("buyer") == 0
    assert market.credit("stranger") == 0


def test_settling_an_undelivered_order_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.clock.advance_past(_deadline(market, order_id))
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.PAID):
        market.client("stranger").settle(order_id)


def test_settling_a_confirmed_order_is_refused(market):
    _, order_id = _delivered_order(market)
    market.client("buyer").confirm(order_id)
    market.clock.advance_past(_deadline(market, order_id))
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.COMPLETED):
        market.client("stranger").settle(order_id)
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND


# ------------------------------------------------------------------ refundUndelivered


def test_refunding_an_undelivered_order_before_its_deadline_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    deadline = _deadline(market, order_id)
    with reverts("EscrowDeadlineNotReached", orderId=order_id, deadline=deadline):
        market.client("stranger").refund_undelivered(order_id)


def test_refunding_an_undelivered_order_at_the_exact_deadline_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    deadline = _deadline(market, order_id)
    with reverts("EscrowDeadlineNotReached", orderId=order_id, deadline=deadline):
        send_at(market.client("stranger"), lambda f: f.refundUndelivered(order_id), deadline)
    assert market.client("stranger").order(order_id).status == OrderStatus.PAID


def test_refunding_an_undelivered_order_one_second_after_its_deadline_is_accepted(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    deadline = _deadline(market, order_id)
    send_at(market.client("stranger"), lambda f: f.refundUndelivered(order_id), deadline + 1)
    assert market.client("stranger").order(order_id).status == OrderStatus.REFUNDED


def test_buyer_is_refunded_with_the_unit_bond_when_delivery_is_late(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.clock.advance_past(_deadline(market, order_id))
    result = market.client("stranger").refund_undelivered(order_id)
    assert result.event("OrderRefunded").args == {
        "orderId": order_id,
        "cause": RefundCause.NOT_DELIVERED,
        "buyerAmount": PRICE + BOND,
        "compensation": BOND,
    }
    assert market.client("stranger").order(order_id).status == OrderStatus.REFUNDED
    assert market.credit("buyer") == PRICE + BOND
    assert market.credit("merchant") == 0
    assert market.credit("treasury") == 0
    assert market.credit("stranger") == 0
    # The bond went to the buyer: the reserved unit does not come back on sale.
    assert market.client("stranger").listing(listing).stock_available == 1


def test_a_delivered_order_cannot_be_refunded_as_undelivered(market):
    _, order_id = _delivered_order(market)
    market.clock.advance_past(_deadline(market, order_id))
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.DELIVERED):
        market.client("stranger").refund_undelivered(order_id)


def test_an_undelivered_order_is_refunded_only_once(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.clock.advance_past(_deadline(market, order_id))
    market.client("stranger").refund_undelivered(order_id)
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.REFUNDED):
        market.client("buyer").refund_undelivered(order_id)
    assert market.credit("buyer") == PRICE + BOND


def test_an_order_refunded_as_undelivered_cannot_be_delivered_later(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.clock.advance_past(_deadline(market, order_id))
    market.client("stranger").refund_undelivered(order_id)
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.REFUNDED):
        market.deliver(order_id, stock)


def test_refunding_an_unknown_order_is_refused(market):
    with reverts("EscrowUnknownOrder", orderId=777):
        market.client("stranger").refund_undelivered(777)


# ------------------------------------------------------------------ merchant refund


def test_a_merchant_refund_before_delivery_returns_the_price_and_puts_the_unit_back_on_sale(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    assert market.client("stranger").listing(listing).stock_available == 1
    result = market.client("merchant").refund(order_id)
    assert result.event("OrderRefunded").args == {
        "orderId": order_id,
        "cause": RefundCause.MERCHANT_REFUNDED,
        "buyerAmount": PRICE,
        "compensation": 0,
    }
    assert market.client("stranger").order(order_id).status == OrderStatus.REFUNDED
    assert market.credit("buyer") == PRICE
    assert market.credit("merchant") == 0
    assert market.credit("treasury") == 0
    assert market.client("stranger").listing(listing).stock_available == 2


def test_a_unit_freed_by_a_merchant_refund_is_sold_and_delivered_again(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    first, _ = market.make_order(listing)
    market.client("merchant").refund(first)
    second, _ = market.make_order(listing, buyer="buyer2")
    market.deliver(second, stock)
    market.client("buyer2").confirm(second)
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND
    assert market.credit("buyer") == PRICE


def test_a_unit_freed_by_a_merchant_refund_has_its_bond_released_on_revoke(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.client("merchant").refund(order_id)
    result = market.client("merchant").revoke_batch(stock.root)
    assert result.event("StockRevoked").args["bondReleased"] == 2 * BOND
    assert market.credit("merchant") == 2 * BOND


def test_a_merchant_refund_after_delivery_pays_the_buyer_the_unit_bond_as_a_proof_would(market):
    """Refunding an undisputed delivery is what a merchant does when it sees a misdelivery proof
    pending: the refund pays the unit's bond exactly as the proof would (issue 8)."""
    listing, order_id = _delivered_order(market)
    result = market.client("merchant").refund(order_id)
    assert result.event("OrderRefunded").args == {
        "orderId": order_id,
        "cause": RefundCause.MERCHANT_REFUNDED,
        "buyerAmount": PRICE + BOND,
        "compensation": BOND,
    }
    assert market.client("stranger").order(order_id).status == OrderStatus.REFUNDED
    assert market.credit("buyer") == PRICE + BOND
    assert market.credit("merchant") == 0
    assert market.credit("treasury") == 0
    # The delivered unit is spent: nothing comes back on sale.
    assert market.client("stranger").listing(listing).stock_available == 1


def test_a_stranger_cannot_refund(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    with reverts("EscrowNotMerchant", listingId=listing, caller=market.address("stranger")):
        market.client("stranger").refund(order_id)


def test_the_buyer_cannot_refund_themselves(market):
    listing, order_id = _delivered_order(market)
    with reverts("EscrowNotMerchant", listingId=listing, caller=market.address("buyer")):
        market.client("buyer").refund(order_id)


def test_a_completed_order_cannot_be_refunded(market):
    _, order_id = _delivered_order(market)
    market.client("buyer").confirm(order_id)
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.COMPLETED):
        market.client("merchant").refund(order_id)


def test_a_refunded_order_cannot_be_refunded_again(market):
    _, order_id = _delivered_order(market)
    market.client("merchant").refund(order_id)
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.REFUNDED):
        market.client("merchant").refund(order_id)
    assert market.credit("buyer") == PRICE + BOND  # a delivered order's refund carries the bond
    assert market.credit("merchant") == 0


def test_a_merchant_refund_after_the_delivery_deadline_still_compensates_the_buyer(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.clock.advance_past(_deadline(market, order_id))
    market.client("merchant").refund(order_id)
    assert market.credit("buyer") == PRICE + BOND
