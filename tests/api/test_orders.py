"""A merchant contests a verifier's refund through the API: inside the refund's appeal window
the order's merchant gets `contest(orderId, evidenceHash)` to sign (value: the court's fee) and
the order becomes a court case; anyone else gets 403, and an order with no verifier refund, a
closed window or an escrow without a court gets 409. Real Anvil, the real court."""

from __future__ import annotations

import pytest

from api.problems import PROBLEM_BASE
from arbitration.court_client import Period
from fairkey.chain.types import OrderStatus, order_ref
from tests.api.conftest import wallet_send
from tests.support.disputes import (
    MERCHANT_EVIDENCE,
    delivered_order,
    disputed_order,
    reverts,
    set_next_timestamp,
    sign_verdict,
    submit,
)


def _problem(answer, status, kind):
    assert answer.status_code == status, answer.text
    assert answer.json()["type"] == PROBLEM_BASE + kind, answer.json()
    return answer.json()


def _contest(client, order_id: int, **body):
    return client.post(f"/orders/{order_ref(order_id)}/contest", json=body or None)


@pytest.fixture
def verdict(world):
    """A disputed order the listing's verifier signed "invalid": refunded after the window."""
    world.add_jurors(3)
    deal = disputed_order(world.market)
    submit(deal, sign_verdict(deal))
    assert deal.order().status == OrderStatus.VERIFIER_REFUND_PENDING
    return deal


def test_the_merchant_signs_a_contest_and_the_verifier_refund_goes_to_court(api, world, verdict):
    merchant = world.market.accounts["merchant"]
    answer = _contest(api.sign_in(merchant), verdict.order_id,
                      evidence_hash="0x" + MERCHANT_EVIDENCE.hex())  # fmt: skip
    assert answer.status_code == 200, answer.text
    out = answer.json()
    fee = world.market.client("merchant").arbitration_cost(verdict.order_id)
    assert (out["order_id"], out["deadline"], out["fee_wei"]) == (
        order_ref(verdict.order_id),
        verdict.order().deadline,
        str(fee),
    )
    assert out["tx"]["to"] == world.market.escrow_address and int(out["tx"]["value"], 16) == fee

    requested = wallet_send(world, merchant, out["tx"]).event("ArbitrationRequested").args
    assert requested["evidenceHash"] == MERCHANT_EVIDENCE
    assert verdict.order().status == OrderStatus.ARBITRATING
    case = world.court.case(requested["disputeId"])
    assert case.period == Period.EVIDENCE and case.merchant == merchant.address
    _problem(_contest(api.sign_in(merchant), verdict.order_id), 409, "no-verifier-refund")


def test_only_the_orders_merchant_may_contest(api, world, verdict):
    for role in ("buyer", "merchant2", "stranger"):
        client = api.sign_in(world.market.accounts[role])
        _problem(_contest(client, verdict.order_id), 403, "not-the-party")
    _problem(_contest(api.client(), verdict.order_id), 401, "not-signed-in")
    assert verdict.order().status == OrderStatus.VERIFIER_REFUND_PENDING


def test_once_the_appeal_window_closes_the_verifier_refund_stands(api, world, verdict):
    """From the deadline on the API refuses (a transaction sent then lands after it on a chain
    whose block times grow: the SDK's `in_time`); past it the escrow refuses too."""
    clock, deadline = world.market.clock, verdict.order().deadline
    merchant = api.sign_in(world.market.accounts["merchant"])
    set_next_timestamp(world.market, deadline)  # exactly: advance() may gain a wall-clock second
    world.market.w3.provider.make_request("evm_mine", [])
    assert clock.now() == deadline
    problem = _problem(_contest(merchant, verdict.order_id), 409, "appeal-window-closed")
    assert problem["deadline"] == deadline
    clock.advance_past(deadline)
    _problem(_contest(merchant, verdict.order_id), 409, "appeal-window-closed")
    with reverts("EscrowDeadlinePassed"):
        world.market.client("merchant").contest(verdict.order_id)


def test_only_a_verifier_refund_is_contested_here(api, world):
    merchant = api.sign_in(world.market.accounts["merchant"])
    disputed = disputed_order(world.market)  # the merchant's own answer: `respond`, not here
    delivered = delivered_order(world.market)
    for deal, status in ((disputed, "DISPUTED"), (delivered, "DELIVERED")):
        problem = _problem(_contest(merchant, deal.order_id), 409, "no-verifier-refund")
        assert problem["order_status"] == status
    _problem(merchant.post(f"/orders/0x{'ab' * 20}/contest"), 404, "no-such-order")
    mixed = "0x" + "aB" * 20  # not its EIP-55 checksum: a typo, never another order
    _problem(merchant.post(f"/orders/{mixed}/contest"), 422, "invalid-order-id")


def test_an_escrow_without_a_court_takes_no_contest(api, world, verdict):
    owner = world.market.client("deployer")
    owner.session.send(owner.f.setArbitrator("0x" + "00" * 20))
    merchant = api.sign_in(world.market.accounts["merchant"])
    problem = _problem(_contest(merchant, verdict.order_id), 409, "escrow-refuses")
    assert problem["error"] == "EscrowNoArbitrator"


def test_after_a_valid_verdict_the_buyer_and_only_the_buyer_takes_it_to_court(api, world):
    """A verifier's "valid" (verdict 3) puts the order back to Delivered with the verdict
    standing: the buyer, not the merchant, may contest it, paying the court's fee."""
    world.add_jurors(3)
    deal = disputed_order(world.market)
    submit(deal, sign_verdict(deal, 3))
    assert deal.order().status == OrderStatus.DELIVERED and deal.order().verdict_stands
    _problem(_contest(api.sign_in(world.market.accounts["merchant"]), deal.order_id), 403,
             "not-the-party")  # fmt: skip
    buyer = world.market.accounts["buyer"]
    answer = _contest(api.sign_in(buyer), deal.order_id)
    assert answer.status_code == 200, answer.text
    fee = world.market.client("buyer").arbitration_cost(deal.order_id)
    assert answer.json()["fee_wei"] == str(fee)
    wallet_send(world, buyer, answer.json()["tx"])
    assert deal.order().status == OrderStatus.ARBITRATING
