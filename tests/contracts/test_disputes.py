"""Dispute rules: opening a dispute (buyer, confirm window, reason, bond), ending it by the
buyer's confirmation or the merchant's refund, and the L1 refund when the merchant stays silent."""

from __future__ import annotations

import pytest

from fairkey.chain.types import (
    CompletionCause,
    DisputeReason,
    OrderStatus,
    RefundCause,
)
from tests.support.disputes import (
    EVIDENCE,
    credited_since,
    credits,
    delivered_order,
    dispute,
    disputed_order,
    send_raw,
    set_next_timestamp,
    single_event,
)
from tests.support.disputes import (
    reverts as expect_revert,
)
from tests.support.market import BOND, DISPUTE_BOND, PRICE

FEE = PRICE * 100 // 10_000


def _mint(market, role: str, amount: int) -> None:
    token = market.session.contract("TestToken", market.token_address)
    market.session.with_account(market.accounts[role]).send(
        token.functions.mint(market.address(role), amount)
    )


# ---------------------------------------------------------------------------- dispute()


def test_buyer_dispute_moves_the_order_to_disputed_with_a_response_deadline(market):
    deal = delivered_order(market)
    escrow_before = market.eth_balance(market.escrow_address)
    before = credits(market)

    result = dispute(deal, DisputeReason.NOT_AS_DESCRIBED, EVIDENCE)

    now = market.clock.now()
    order = deal.order()
    assert order.status == OrderStatus.DISPUTED
    assert order.reason == DisputeReason.NOT_AS_DESCRIBED
    assert order.deadline == now + 12 * 3600  # the listing's response window
    event = single_event(result, "OrderDisputed")
    assert event.args == {
        "orderId": deal.order_id,
        "reason": DisputeReason.NOT_AS_DESCRIBED,
        "evidenceHash": EVIDENCE,
        "responseDeadline": now + 12 * 3600,
    }
    assert market.eth_balance(market.escrow_address) - escrow_before == DISPUTE_BOND
    assert credited_since(market, before) == {}  # the bond is held, not credited to anyone


@pytest.mark.parametrize("caller", ["stranger", "merchant"])
def test_only_the_buyer_may_dispute(market, caller):
    deal = delivered_order(market)
    with expect_revert("EscrowNotBuyer", orderId=deal.order_id, caller=market.address(caller)):
        deal.client(caller).dispute(deal.order_id, DisputeReason.KEY_INVALID, EVIDENCE)
    assert deal.order().status == OrderStatus.DELIVERED


def test_dispute_after_the_confirm_window_is_refused_with_deadline_passed(market):
    deal = delivered_order(market)
    deadline = deal.order().deadline
    market.clock.advance_past(deadline)
    with expect_revert("EscrowDeadlinePassed", orderId=deal.order_id, deadline=deadline):
        dispute(deal)


def test_dispute_at_exactly_the_confirm_deadline_is_still_accepted(market):
    deal = delivered_order(market)
    deadline = deal.order().deadline
    set_next_timestamp(market, deadline)
    dispute(deal)
    assert deal.order().status == OrderStatus.DISPUTED


def test_dispute_without_a_reason_is_refused_with_no_dispute_reason(market):
    deal = delivered_order(market)
    with expect_revert("EscrowNoDisputeReason"):
        dispute(deal, DisputeReason.NONE)


@pytest.mark.parametrize("value", [0, DISPUTE_BOND - 1, DISPUTE_BOND + 1])
def test_dispute_with_a_wrong_bond_value_is_refused_with_wrong_payment(market, value):
    deal = delivered_order(market)
    buyer = deal.client("buyer")
    fn = buyer.f.dispute(deal.order_id, int(DisputeReason.KEY_INVALID), EVIDENCE)
    with expect_revert("EscrowWrongPayment", expected=DISPUTE_BOND, received=value):
        send_raw(buyer, fn, value)
    assert deal.order().status == OrderStatus.DELIVERED


def test_dispute_of_an_undelivered_order_is_refused_with_unexpected_status(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    with expect_revert("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.PAID):
        market.client("buyer").dispute(order_id, DisputeReason.KEY_INVALID, EVIDENCE)


def test_a_second_dispute_of_the_same_delivery_is_refused_with_unexpected_status(market):
    deal = disputed_order(market)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.DISPUTED):
        dispute(deal, DisputeReason.OTHER)


def test_erc20_dispute_pulls_the_bond_in_tokens_and_refuses_attached_eth(market):
    token = market.token_address
    _mint(market, "merchant", 10 * BOND)
    _mint(market, "buyer", PRICE + DISPUTE_BOND)
    deal = delivered_order(market, stock_size=2, token=token)
    buyer = deal.client("buyer")
    fn = buyer.f.dispute(deal.order_id, int(DisputeReason.KEY_INVALID), EVIDENCE)
    with expect_revert("EscrowWrongPayment", expected=0, received=DISPUTE_BOND):
        send_raw(buyer, fn, DISPUTE_BOND)

    dispute(deal)
    erc20 = market.session.contract("TestToken", token)
    assert erc20.functions.balanceOf(market.address("buyer")).call() == 0
    assert deal.order().status == OrderStatus.DISPUTED


# ---------------------------------------------------------------------------- ending a dispute


def test_buyer_confirm_during_a_dispute_pays_the_merchant_and_returns_the_dispute_bond(market):
    deal = disputed_order(market)
    before = credits(market)

    result = deal.client("buyer").confirm(deal.order_id)

    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before) == {
        "merchant": PRICE - FEE + BOND,
        "treasury": FEE,
        "buyer": DISPUTE_BOND,
    }
    assert single_event(result, "OrderCompleted").args == {
        "orderId": deal.order_id,
        "cause": CompletionCause.BUYER_CONFIRMED,
        "merchantAmount": PRICE - FEE,
        "fee": FEE,
    }


def test_only_the_buyer_can_end_a_dispute_by_confirming(market):
    deal = disputed_order(market)
    with expect_revert("EscrowNotBuyer", orderId=deal.order_id, caller=market.address("merchant")):
        deal.client("merchant").confirm(deal.order_id)
    assert deal.order().status == OrderStatus.DISPUTED


def test_merchant_refund_answering_a_dispute_returns_price_and_bond_to_the_buyer(market):
    deal = disputed_order(market)
    before = credits(market)

    result = deal.client("merchant").refund(deal.order_id)

    assert deal.order().status == OrderStatus.REFUNDED
    # No proven fault: the unit's bond goes back to the merchant.
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND, "merchant": BOND}
    assert single_event(result, "OrderRefunded").args == {
        "orderId": deal.order_id,
        "cause": RefundCause.MERCHANT_REFUNDED,
        "buyerAmount": PRICE + DISPUTE_BOND,
        "compensation": 0,
    }


# ---------------------------------------------------------------------------- refundUnanswered


def test_refund_unanswered_before_the_response_deadline_is_refused(market):
    deal = disputed_order(market)
    deadline = deal.order().deadline
    market.clock.advance(6 * 3600)
    with expect_revert("EscrowDeadlineNotReached", orderId=deal.order_id, deadline=deadline):
        deal.client("stranger").refund_unanswered(deal.order_id)


def test_refund_unanswered_at_exactly_the_response_deadline_is_refused(market):
    deal = disputed_order(market)
    deadline = deal.order().deadline
    set_next_timestamp(market, deadline)
    with expect_revert("EscrowDeadlineNotReached", deadline=deadline):
        deal.client("stranger").refund_unanswered(deal.order_id)


def test_refund_unanswered_after_the_response_deadline_refunds_price_dispute_bond_and_unit_bond(
    market,
):
    deal = disputed_order(market)
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)

    result = deal.client("stranger").refund_unanswered(deal.order_id)

    assert deal.order().status == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND + BOND}
    assert single_event(result, "OrderRefunded").args == {
        "orderId": deal.order_id,
        "cause": RefundCause.MERCHANT_SILENT,
        "buyerAmount": PRICE + DISPUTE_BOND + BOND,
        "compensation": BOND,
    }


def test_refund_unanswered_pays_back_the_price_the_order_paid_not_the_current_price(market):
    deal = disputed_order(market)
    deal.client("merchant").set_price(deal.listing, 3 * PRICE)
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)
    deal.client("stranger").refund_unanswered(deal.order_id)
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND + BOND}


def test_refund_unanswered_of_an_undisputed_order_is_refused_with_unexpected_status(market):
    deal = delivered_order(market)
    market.clock.advance_past(deal.order().deadline)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.DELIVERED):
        deal.client("stranger").refund_unanswered(deal.order_id)


def test_refund_unanswered_cannot_pay_twice(market):
    deal = disputed_order(market)
    market.clock.advance_past(deal.order().deadline)
    deal.client("stranger").refund_unanswered(deal.order_id)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.REFUNDED):
        deal.client("buyer").refund_unanswered(deal.order_id)


def test_erc20_refund_unanswered_credits_the_token_not_eth(market):
    token = market.token_address
    _mint(market, "merchant", 10 * BOND)
    _mint(market, "buyer", PRICE + DISPUTE_BOND)
    deal = disputed_order(market, stock_size=2, token=token)
    market.clock.advance_past(deal.order().deadline)
    eth_before, token_before = credits(market), credits(market, token)

    deal.client("stranger").refund_unanswered(deal.order_id)

    assert credited_since(market, token_before, token) == {"buyer": PRICE + DISPUTE_BOND + BOND}
    assert credited_since(market, eth_before) == {}
