"""Appeals of automatic decisions: a merchant contests a verifier's refund inside its appeal
window with `fairkey respond ORDER contest`, and the order becomes a court case like any other;
after the window the refund stands and the CLI says why."""

from __future__ import annotations

from arbitration.court_client import Period
from fairkey.chain.types import OrderStatus, order_ref
from tests.support.disputes import disputed_order, sign_verdict, submit


def _attested(market):
    deal = disputed_order(market)
    submit(deal, sign_verdict(deal))
    assert deal.order().status == OrderStatus.VERIFIER_REFUND_PENDING
    return deal


def test_a_merchant_contests_a_verifier_refund_and_the_court_takes_the_case(world, fk):
    world.add_jurors(3)
    deal = _attested(world.market)
    out = fk("merchant", "respond", order_ref(deal.order_id), "contest").output
    assert deal.order().status == OrderStatus.ARBITRATING
    case = world.court.case(world.court.case_count())
    assert case.period == Period.EVIDENCE
    assert case.buyer == world.market.address("buyer") and case.merchant == world.market.address(
        "merchant"
    )
    assert "court" in out.lower()


def test_after_the_appeal_window_the_verifier_refund_stands(world, fk):
    deal = _attested(world.market)
    world.market.clock.advance_past(deal.order().deadline)
    out = fk("merchant", "respond", order_ref(deal.order_id), "contest", code=1).output
    assert "Traceback" not in out and "deadline" in out.lower()
    assert deal.order().status == OrderStatus.VERIFIER_REFUND_PENDING
