"""The one rule of what a party may do with an order now and until when
(`fairkey.flows.actions`), state by state, at the edges of each deadline. Pure: the chain's
Order and Listing as values; the same rule is checked against the real escrow in
tests/api/test_order_actions.py."""

from __future__ import annotations

import dataclasses

import pytest

from fairkey.chain.types import DisputeReason, Listing, Order, OrderStatus
from fairkey.flows.actions import (
    NO_MORE_APPEALS,
    AppealPeriod,
    Kind,
    OrderFacts,
    Role,
    Secret,
    Why,
    court_fee_needed,
    order_actions,
    refusal,
    role_of,
)

BUYER = "0x" + "b" * 40
MERCHANT = "0x" + "a" * 40
VERIFIER = "0x" + "9" * 40
ZERO = "0x" + "0" * 40
OID = 0x1234
DEADLINE = 1_000_000


def listing(**changes) -> Listing:
    base = Listing(
        merchant=MERCHANT, confirm_window=86_400, response_window=43_200, appeal_window=7_200,
        max_replacements=2, fee_bps=100, token=ZERO, bond_per_unit=5, price=100,
        price_version=0, stock_available=3, delivery_window=3_600, active=True, price_point=1,
        key_alphabet=0, verifier=VERIFIER, dispute_bond=7, description_hash=b"\0" * 32,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def order(status: OrderStatus, deliveries: int = 1, reason=DisputeReason.NONE) -> Order:
    return Order(BUYER, 1, status, DEADLINE, deliveries, reason, 0)


def kinds(status, role, now=DEADLINE - 10, **facts) -> set[Kind]:
    lst = facts.pop("listing", listing())
    o = facts.pop("order", order(status, 0 if status is OrderStatus.PAID else 1))
    return {a.kind for a in order_actions(OID, o, lst, role, now, **facts)}


def test_roles_come_from_the_order_and_its_listing():
    o, lst = order(OrderStatus.PAID), listing()
    assert role_of(o, lst, BUYER.upper().replace("0X", "0x")) is Role.BUYER
    assert role_of(o, lst, MERCHANT) is Role.MERCHANT
    assert role_of(o, lst, VERIFIER) is Role.ANYONE
    assert role_of(o, lst, None) is Role.ANYONE


def test_a_paid_order_is_the_merchants_to_deliver_until_its_deadline_then_anyones_to_refund():
    assert kinds(OrderStatus.PAID, Role.MERCHANT) == {Kind.DELIVER, Kind.REFUND}
    assert kinds(OrderStatus.PAID, Role.BUYER) == set()
    # At the deadline a transaction sent now lands after it: neither delivery nor late refund.
    assert kinds(OrderStatus.PAID, Role.MERCHANT, now=DEADLINE) == {Kind.REFUND}
    assert kinds(OrderStatus.PAID, Role.ANYONE, now=DEADLINE) == set()
    assert kinds(OrderStatus.PAID, Role.ANYONE, now=DEADLINE + 1) == {Kind.REFUND_LATE}


def test_a_delivery_is_confirmed_or_disputed_in_its_window_then_settled_by_anyone():
    assert kinds(OrderStatus.DELIVERED, Role.BUYER) == {
        Kind.CONFIRM, Kind.DISPUTE, Kind.PROVE_MISDELIVERY,
    }  # fmt: skip
    assert kinds(OrderStatus.DELIVERED, Role.MERCHANT) == {Kind.REFUND}
    late = DEADLINE + 1
    assert kinds(OrderStatus.DELIVERED, Role.BUYER, now=late) == {Kind.CONFIRM, Kind.SETTLE}
    assert kinds(OrderStatus.DELIVERED, Role.ANYONE, now=late) == {Kind.SETTLE}


def test_a_dispute_offers_every_reason_with_its_bond_until_the_confirm_deadline():
    [dispute] = [
        a
        for a in order_actions(OID, order(OrderStatus.DELIVERED), listing(), Role.BUYER, 5)
        if a.kind is Kind.DISPUTE
    ]
    assert dispute.until == DEADLINE and dispute.value == 7 and dispute.function == "dispute"
    assert set(dispute.reasons) == set(DisputeReason) - {DisputeReason.NONE}


def test_a_disputed_order_is_answered_by_the_merchant_and_verified_by_the_buyer():
    o = order(OrderStatus.DISPUTED, reason=DisputeReason.KEY_INVALID)
    merchant = kinds(OrderStatus.DISPUTED, Role.MERCHANT, order=o, court_fee=3)
    assert merchant == {Kind.REFUND, Kind.REPLACE, Kind.CONTEST}
    buyer = kinds(OrderStatus.DISPUTED, Role.BUYER, order=o)
    assert buyer == {Kind.CONFIRM, Kind.PROVE_MISDELIVERY, Kind.VERIFY}
    # Without a court there is no contest; without a verifier no verify.
    assert Kind.CONTEST not in kinds(OrderStatus.DISPUTED, Role.MERCHANT, order=o)
    no_verifier = listing(verifier=ZERO)
    assert Kind.VERIFY not in kinds(OrderStatus.DISPUTED, Role.BUYER, order=o, listing=no_verifier)
    # Silence past the response window: anyone refunds.
    late = kinds(OrderStatus.DISPUTED, Role.ANYONE, order=o, now=DEADLINE + 1)
    assert late == {Kind.REFUND_LATE}


def test_replacements_stop_when_exhausted_or_out_of_stock():
    o = order(OrderStatus.DISPUTED, deliveries=3)  # two replacements already sent
    facts = OrderFacts(OID, o, listing(), Role.MERCHANT, 0)
    assert refusal(Kind.REPLACE, facts).why is Why.NO_REPLACEMENT
    empty = OrderFacts(OID, order(OrderStatus.DISPUTED), listing(stock_available=0),
                       Role.MERCHANT, 0)  # fmt: skip
    assert refusal(Kind.REPLACE, empty).why is Why.NO_REPLACEMENT
    fine = OrderFacts(OID, order(OrderStatus.DISPUTED), listing(), Role.MERCHANT, 0)
    assert refusal(Kind.REPLACE, fine) is None


def test_a_verifier_refund_is_contested_only_by_the_merchant_inside_its_window():
    o = order(OrderStatus.VERIFIER_REFUND_PENDING)

    def why(role, now, fee=3):
        found = refusal(Kind.CONTEST_VERDICT, OrderFacts(OID, o, listing(), role, now, fee))
        return found and found.why

    assert why(Role.MERCHANT, DEADLINE - 1) is None
    assert why(Role.BUYER, DEADLINE - 1) is Why.ROLE
    assert why(Role.ANYONE, DEADLINE - 1) is Why.ROLE
    assert why(Role.MERCHANT, DEADLINE) is Why.DEADLINE
    assert why(Role.MERCHANT, DEADLINE - 1, fee=None) is Why.NO_COURT
    disputed = OrderFacts(OID, order(OrderStatus.DISPUTED), listing(), Role.MERCHANT, 0, 3)
    assert refusal(Kind.CONTEST_VERDICT, disputed).why is Why.STATUS
    after = kinds(OrderStatus.VERIFIER_REFUND_PENDING, Role.ANYONE, order=o, now=DEADLINE + 1)
    assert after == {Kind.REFUND_LATE}


def test_actions_that_need_a_secret_say_which():
    found = order_actions(OID, order(OrderStatus.DISPUTED), listing(), Role.BUYER, 0)
    secrets = {a.kind: a.secret for a in found}
    assert secrets[Kind.PROVE_MISDELIVERY] is Secret.ORDER_KEY
    assert secrets[Kind.VERIFY] is Secret.KEY
    assert secrets[Kind.CONFIRM] is None
    paid = order_actions(OID, order(OrderStatus.PAID, 0), listing(), Role.MERCHANT, 0)
    assert {a.kind: a.secret for a in paid}[Kind.DELIVER] is Secret.VAULT


@pytest.mark.parametrize(
    ("ruling", "funded_by", "role", "until"),
    [
        (2, None, Role.BUYER, 1_099),  # merchant won: the buyer appeals first, half the period
        (2, None, Role.MERCHANT, None),  # the winner waits for an appeal to defend
        (2, Role.BUYER, Role.MERCHANT, 1_199),  # then defends until the end
        (2, Role.BUYER, Role.BUYER, None),  # the appellant cannot also defend
        (0, None, Role.MERCHANT, 1_099),  # the court refused to rule: both sides lost
        (0, None, Role.BUYER, 1_099),
    ],
)
def test_appeals_follow_the_courts_loser_first_rule(ruling, funded_by, role, until):
    appeal = AppealPeriod(7, ruling, loser_end=1_100, end=1_200, cost=9, funded_by=funded_by)
    found = order_actions(
        OID, order(OrderStatus.ARBITRATING), listing(), role, 1_000, appeal=appeal
    )
    appeals = [a for a in found if a.kind is Kind.APPEAL]
    assert [a.until for a in appeals] == ([until] if until else [])
    if appeals:
        assert (appeals[0].contract, appeals[0].value, appeals[0].case_id) == ("court", 9, 7)


def test_no_appeal_after_the_last_round_or_once_the_period_closed():
    o = order(OrderStatus.ARBITRATING)
    last = AppealPeriod(7, 2, 1_100, 1_200, cost=NO_MORE_APPEALS)
    assert Kind.APPEAL not in kinds(None, Role.BUYER, order=o, now=1_000, appeal=last)
    period = AppealPeriod(7, 2, 1_100, 1_200, cost=9)
    assert Kind.APPEAL not in kinds(None, Role.BUYER, order=o, now=1_099, appeal=period)
    stalled = kinds(None, Role.ANYONE, order=o, now=DEADLINE + 1)
    assert stalled == {Kind.RESOLVE_STALLED}


def test_withdraw_is_offered_only_with_credit():
    final = order(OrderStatus.COMPLETED)
    assert kinds(None, Role.MERCHANT, order=final) == set()
    assert kinds(None, Role.MERCHANT, order=final, credit=1) == {Kind.WITHDRAW}


# ---------------------------------------------------------------------------- a VALID verdict


def _found_valid(reason=DisputeReason.NOT_AS_DESCRIBED) -> Order:
    """A disputed delivery the listing's verifier found valid: Delivered, reason kept."""
    return order(OrderStatus.DELIVERED, reason=reason)


def test_after_a_valid_verdict_the_buyer_may_take_it_to_the_court_until_its_deadline():
    o = _found_valid()
    facts = OrderFacts(OID, o, listing(), Role.BUYER, DEADLINE - 10, court_fee=3)
    [contest] = [
        a
        for a in order_actions(OID, o, listing(), Role.BUYER, DEADLINE - 10, court_fee=3)
        if a.kind is Kind.CONTEST_VERDICT
    ]
    assert contest.function == "contest" and contest.value == 3 and contest.until == DEADLINE
    assert "court" in contest.note
    assert kinds(OrderStatus.DELIVERED, Role.BUYER, order=o, court_fee=3) == {
        Kind.CONFIRM, Kind.PROVE_MISDELIVERY, Kind.CONTEST_VERDICT,
    }  # fmt: skip
    assert refusal(Kind.CONTEST_VERDICT, facts) is None
    # No court: no contest; the window closed: the verdict stands.
    no_court = dataclasses.replace(facts, court_fee=None)
    assert refusal(Kind.CONTEST_VERDICT, no_court).why is Why.NO_COURT
    closed = dataclasses.replace(facts, now=DEADLINE)
    assert refusal(Kind.CONTEST_VERDICT, closed).why is Why.DEADLINE
    assert "verifier's verdict" in refusal(Kind.CONTEST_VERDICT, closed).sentence


def test_a_delivery_found_valid_cannot_be_disputed_again_and_says_why():
    facts = OrderFacts(OID, _found_valid(), listing(), Role.BUYER, DEADLINE - 10)
    no = refusal(Kind.DISPUTE, facts)
    assert no.why is Why.VERDICT_STANDS
    assert "found the key" in no.sentence and "valid" in no.sentence
    assert no.deadline == DEADLINE


def test_only_the_buyer_contests_a_valid_verdict():
    o = _found_valid()
    for role in (Role.MERCHANT, Role.ANYONE):
        facts = OrderFacts(OID, o, listing(), role, DEADLINE - 10, court_fee=3)
        assert refusal(Kind.CONTEST_VERDICT, facts).why is Why.ROLE
    assert kinds(OrderStatus.DELIVERED, Role.MERCHANT, order=o, court_fee=3) == {Kind.REFUND}


def test_an_undisputed_delivery_offers_no_contest():
    facts = OrderFacts(OID, order(OrderStatus.DELIVERED), listing(), Role.BUYER, 5, court_fee=3)
    assert refusal(Kind.CONTEST_VERDICT, facts) is not None
    assert Kind.CONTEST_VERDICT not in kinds(OrderStatus.DELIVERED, Role.BUYER, court_fee=3)


def test_after_a_valid_verdicts_deadline_anyone_settles_and_the_merchant_gets_the_bond():
    o = _found_valid()
    late = DEADLINE + 1
    assert kinds(OrderStatus.DELIVERED, Role.ANYONE, order=o, now=late) == {Kind.SETTLE}
    [settle] = [
        a for a in order_actions(OID, o, listing(), Role.ANYONE, late) if a.kind is Kind.SETTLE
    ]
    assert "dispute bond" in settle.note
    [confirm] = [
        a
        for a in order_actions(OID, o, listing(), Role.BUYER, DEADLINE - 10)
        if a.kind is Kind.CONFIRM
    ]
    assert "dispute bond" in confirm.note and "comes back" not in confirm.note


def test_the_court_fee_is_read_for_whoever_may_contest():
    assert court_fee_needed(_found_valid(), Role.BUYER)
    assert not court_fee_needed(_found_valid(), Role.MERCHANT)
    assert not court_fee_needed(order(OrderStatus.DELIVERED), Role.BUYER)
    assert court_fee_needed(order(OrderStatus.DISPUTED), Role.MERCHANT)
    assert court_fee_needed(order(OrderStatus.VERIFIER_REFUND_PENDING), Role.MERCHANT)
    assert not court_fee_needed(order(OrderStatus.DISPUTED), Role.BUYER)
