"""L3 court: the merchant contests a dispute (or appeals a verifier verdict) by paying the
arbitration fee; the arbitrator's ruling refunds, pays or splits; a silent court is split after
ARBITRATION_TIMEOUT."""

from __future__ import annotations

import pytest

from fairkey.chain.types import (
    CompletionCause,
    OrderStatus,
    RefundCause,
    Ruling,
)
from tests.support.disputes import (
    ARBITRATION_FEE,
    ARBITRATION_TIMEOUT,
    MERCHANT_EVIDENCE,
    Deal,
    credited_since,
    credits,
    delivered_order,
    disputed_order,
    send_raw,
    sign_verdict,
    single_event,
    submit,
)
from tests.support.disputes import reverts as expect_revert
from tests.support.market import BOND, DISPUTE_BOND, PRICE

FEE = PRICE // 100


def _court(market):
    """The TestArbitrator, driven by the deployer (anyone may make it rule)."""
    return market.session.contract("TestArbitrator", market.arbitrator_address)


def _give_ruling(market, dispute_id: int, ruling: int):
    return market.session.send(_court(market).functions.giveRuling(dispute_id, ruling))


def _in_court(market, **terms) -> tuple[Deal, int]:
    """A disputed order the merchant contested; returns it with the court's dispute id."""
    deal = disputed_order(market, **terms)
    result = deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE)
    return deal, result.event("ArbitrationRequested").args["disputeId"]


def _contest_fn(deal: Deal, who: str = "merchant"):
    client = deal.client(who)
    return client, client.f.contest(deal.order_id, MERCHANT_EVIDENCE)


# ---------------------------------------------------------------------------- contest()


def test_the_merchant_contest_opens_a_court_case_and_pays_the_exact_fee(market):
    deal = disputed_order(market)
    court_before = market.eth_balance(market.arbitrator_address)
    before = credits(market)

    result = deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE)

    now = market.clock.now()
    event = single_event(result, "ArbitrationRequested").args
    dispute_id = event["disputeId"]
    assert event == {
        "orderId": deal.order_id,
        "arbitrator": market.arbitrator_address,
        "disputeId": dispute_id,
        "requester": market.address("merchant"),
        "evidenceHash": MERCHANT_EVIDENCE,
        "timeoutAt": now + ARBITRATION_TIMEOUT,
    }
    order = deal.order()
    assert order.status == OrderStatus.ARBITRATING
    assert order.deadline == now + ARBITRATION_TIMEOUT
    client = deal.client("stranger")
    assert client.session.call(client.f.cases(deal.order_id)) == [
        market.arbitrator_address,
        dispute_id,
    ]
    assert (
        client.session.call(client.f.orderOfDispute(market.arbitrator_address, dispute_id))
        == deal.order_id
    )
    assert market.eth_balance(market.arbitrator_address) - court_before == ARBITRATION_FEE
    assert credited_since(market, before) == {}


@pytest.mark.parametrize("paid", [0, ARBITRATION_FEE - 1])
def test_a_contest_with_too_little_fee_is_refused(market, paid):
    deal = disputed_order(market)
    client, fn = _contest_fn(deal)
    with expect_revert("EscrowArbitrationFee", required=ARBITRATION_FEE, provided=paid):
        send_raw(client, fn, paid)
    assert deal.order().status == OrderStatus.DISPUTED


def test_an_excess_contest_fee_is_credited_back_to_the_merchant_in_eth(market):
    deal = disputed_order(market)
    court_before = market.eth_balance(market.arbitrator_address)
    before = credits(market)
    client, fn = _contest_fn(deal)
    send_raw(client, fn, ARBITRATION_FEE + 12_345)
    assert credited_since(market, before) == {"merchant": 12_345}
    assert market.eth_balance(market.arbitrator_address) - court_before == ARBITRATION_FEE


def test_an_excess_contest_fee_on_a_token_listing_is_credited_in_eth_not_the_token(market):
    token = market.token_address
    erc20 = market.session.contract("TestToken", token)
    for role, amount in (("merchant", 10 * BOND), ("buyer", PRICE + DISPUTE_BOND)):
        market.session.send(erc20.functions.mint(market.address(role), amount))
    deal = disputed_order(market, stock_size=2, token=token)
    eth_before, token_before = credits(market), credits(market, token)
    client, fn = _contest_fn(deal)
    send_raw(client, fn, ARBITRATION_FEE + 7)
    assert credited_since(market, eth_before) == {"merchant": 7}
    assert credited_since(market, token_before, token) == {}


@pytest.mark.parametrize("caller", ["buyer", "stranger"])
def test_only_the_merchant_may_contest(market, caller):
    deal = disputed_order(market)
    with expect_revert("EscrowNotMerchant", listingId=deal.listing, caller=market.address(caller)):
        deal.client(caller).contest(deal.order_id, MERCHANT_EVIDENCE, fee=ARBITRATION_FEE)


def test_a_contest_after_the_response_deadline_is_refused(market):
    deal = disputed_order(market)
    deadline = deal.order().deadline
    market.clock.advance_past(deadline)
    with expect_revert("EscrowDeadlinePassed", orderId=deal.order_id, deadline=deadline):
        deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE)


def test_an_undisputed_delivery_cannot_be_contested(market):
    deal = delivered_order(market)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.DELIVERED):
        deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE, fee=ARBITRATION_FEE)


def test_a_case_cannot_be_opened_twice(market):
    deal, _ = _in_court(market)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.ARBITRATING):
        deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE)


def test_a_contest_without_a_court_is_refused(market):
    deal = disputed_order(market)
    owner = market.client("deployer")
    owner.session.send(owner.f.setArbitrator("0x" + "00" * 20))
    with expect_revert("EscrowNoArbitrator"):
        deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE, fee=ARBITRATION_FEE)


def test_a_contest_is_an_answer_so_the_silent_merchant_refund_no_longer_applies(market):
    deal, _ = _in_court(market)
    market.clock.advance(13 * 3600)  # past the old response deadline
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.ARBITRATING):
        deal.client("stranger").refund_unanswered(deal.order_id)


def test_neither_party_can_settle_alone_during_arbitration(market):
    deal, _ = _in_court(market)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.ARBITRATING):
        deal.client("merchant").refund(deal.order_id)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.ARBITRATING):
        deal.client("buyer").confirm(deal.order_id)


# ---------------------------------------------------------------------------- appeal of a verdict


def test_the_merchant_appeals_a_verifier_verdict_with_a_contest(market):
    deal = disputed_order(market)
    submit(deal, sign_verdict(deal))
    deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE)

    assert deal.order().status == OrderStatus.ARBITRATING
    market.clock.advance(3 * 3600)  # past the appeal deadline: no automatic refund any more
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.ARBITRATING):
        deal.client("stranger").execute_verifier_refund(deal.order_id)


def test_an_appeal_after_the_appeal_window_is_refused(market):
    deal = disputed_order(market)
    submit(deal, sign_verdict(deal))
    deadline = deal.order().deadline
    market.clock.advance_past(deadline)
    with expect_revert("EscrowDeadlinePassed", orderId=deal.order_id, deadline=deadline):
        deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE)


def test_a_court_that_overturns_the_verdict_pays_the_merchant(market):
    deal = disputed_order(market)
    submit(deal, sign_verdict(deal))
    result = deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE)
    before = credits(market)
    _give_ruling(
        market, result.event("ArbitrationRequested").args["disputeId"], Ruling.PAY_MERCHANT
    )
    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before) == {
        "merchant": PRICE - FEE + BOND + DISPUTE_BOND,
        "treasury": FEE,
    }


# ---------------------------------------------------------------------------- rulings


def test_ruling_1_refunds_the_buyer_price_and_dispute_bond_and_returns_the_unit_bond(market):
    deal, dispute_id = _in_court(market)
    before = credits(market)

    result = _give_ruling(market, dispute_id, Ruling.REFUND_BUYER)

    assert deal.order().status == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND, "merchant": BOND}
    assert single_event(result, "Ruling").args == {
        "arbitrator": market.arbitrator_address,
        "disputeId": dispute_id,
        "ruling": 1,
    }
    assert single_event(result, "OrderRefunded").args == {
        "orderId": deal.order_id,
        "cause": RefundCause.RULING,
        "buyerAmount": PRICE + DISPUTE_BOND,
        "compensation": 0,
    }


def test_ruling_2_pays_the_merchant_with_the_buyers_dispute_bond(market):
    deal, dispute_id = _in_court(market)
    before = credits(market)

    result = _give_ruling(market, dispute_id, Ruling.PAY_MERCHANT)

    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before) == {
        "merchant": PRICE - FEE + BOND + DISPUTE_BOND,
        "treasury": FEE,
    }
    assert single_event(result, "OrderCompleted").args == {
        "orderId": deal.order_id,
        "cause": CompletionCause.RULING,
        "merchantAmount": PRICE - FEE,
        "fee": FEE,
    }


def test_ruling_0_splits_an_odd_price_with_the_odd_wei_and_the_fee_on_the_merchant_side(market):
    price = 10**16 + 99
    buyer_half, merchant_half = 5 * 10**15 + 49, 5 * 10**15 + 50
    fee = merchant_half * 100 // 10_000  # 5e13 + 0.5, rounded down
    assert fee == 5 * 10**13
    deal, dispute_id = _in_court(market, price=price)
    before = credits(market)

    result = _give_ruling(market, dispute_id, Ruling.SPLIT)

    assert deal.order().status == OrderStatus.SPLIT
    assert credited_since(market, before) == {
        "buyer": buyer_half + DISPUTE_BOND,
        "merchant": merchant_half - fee + BOND,
        "treasury": fee,
    }
    assert sum(credited_since(market, before).values()) == price + DISPUTE_BOND + BOND
    assert single_event(result, "OrderSplit").args == {
        "orderId": deal.order_id,
        "buyerAmount": buyer_half + DISPUTE_BOND,
        "merchantAmount": merchant_half - fee,
        "fee": fee,
    }


def test_ruling_3_is_refused_as_an_invalid_ruling(market):
    deal, dispute_id = _in_court(market)
    with expect_revert("EscrowInvalidRuling", ruling=3):
        _give_ruling(market, dispute_id, 3)
    assert deal.order().status == OrderStatus.ARBITRATING


def test_rule_called_by_anyone_but_the_cases_arbitrator_is_refused(market):
    deal, dispute_id = _in_court(market)
    for caller in ("buyer", "merchant", "stranger"):
        client = deal.client(caller)
        with expect_revert(
            "EscrowUnknownDispute", arbitrator=market.address(caller), disputeId=dispute_id
        ):
            client.session.send(client.f.rule(dispute_id, Ruling.REFUND_BUYER))
    assert deal.order().status == OrderStatus.ARBITRATING


def test_a_second_ruling_is_refused(market):
    deal, dispute_id = _in_court(market)
    _give_ruling(market, dispute_id, Ruling.REFUND_BUYER)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.REFUNDED):
        _give_ruling(market, dispute_id, Ruling.PAY_MERCHANT)


def test_an_open_case_keeps_its_court_when_the_owner_changes_the_arbitrator(market):
    deal, dispute_id = _in_court(market)
    owner = market.client("deployer")
    new_court = market.session.deploy("TestArbitrator", 10**16)
    owner.session.send(owner.f.setArbitrator(new_court))
    before = credits(market)
    _give_ruling(market, dispute_id, Ruling.PAY_MERCHANT)
    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before)["merchant"] == PRICE - FEE + BOND + DISPUTE_BOND


# ---------------------------------------------------------------------------- stalled court


def test_a_stalled_case_cannot_be_split_before_the_timeout(market):
    deal, _ = _in_court(market)
    deadline = deal.order().deadline
    market.clock.advance(ARBITRATION_TIMEOUT - 3600)
    with expect_revert("EscrowDeadlineNotReached", orderId=deal.order_id, deadline=deadline):
        deal.client("stranger").resolve_stalled_arbitration(deal.order_id)


def test_a_stalled_case_is_split_by_anyone_after_the_timeout(market):
    deal, _ = _in_court(market)
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)

    result = deal.client("stranger").resolve_stalled_arbitration(deal.order_id)

    half = PRICE // 2
    fee = half // 100
    assert deal.order().status == OrderStatus.SPLIT
    assert credited_since(market, before) == {
        "buyer": half + DISPUTE_BOND,
        "merchant": half - fee + BOND,
        "treasury": fee,
    }
    assert single_event(result, "OrderSplit").args == {
        "orderId": deal.order_id,
        "buyerAmount": half + DISPUTE_BOND,
        "merchantAmount": half - fee,
        "fee": fee,
    }


def test_a_ruling_after_the_stalled_split_is_refused(market):
    deal, dispute_id = _in_court(market)
    market.clock.advance_past(deal.order().deadline)
    deal.client("stranger").resolve_stalled_arbitration(deal.order_id)
    with expect_revert("EscrowUnexpectedStatus", orderId=deal.order_id, current=OrderStatus.SPLIT):
        _give_ruling(market, dispute_id, Ruling.REFUND_BUYER)


def test_a_case_already_ruled_cannot_be_split_as_stalled(market):
    deal, dispute_id = _in_court(market)
    _give_ruling(market, dispute_id, Ruling.PAY_MERCHANT)
    market.clock.advance_past(deal.order().deadline)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.COMPLETED):
        deal.client("stranger").resolve_stalled_arbitration(deal.order_id)
