"""The merchant's decisions (fairkey/merchant/decisions.py) as pure functions: no chain, no vault.
The bot acting on them on a real chain is in tests/services/test_merchant_bot.py and
tests/services/test_dispute_answers.py."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import ETH, DisputeReason, Listing, Order, OrderStatus
from fairkey.merchant import decisions
from fairkey.merchant.decisions import AfterFailure
from fairkey.merchant.policy import DisputeAnswer, MerchantPolicy, VerdictAnswer

HOUR = 3600
WINDOW = 12 * HOUR
DEADLINE = 100 * HOUR
ANSWER_AT = DEADLINE - 3 * HOUR  # default answer-before: 25 % of the 12 h window
EARLY = DEADLINE - 10 * HOUR

ORDER = Order(
    buyer=ETH,
    listing_id=1,
    status=OrderStatus.DISPUTED,
    deadline=DEADLINE,
    deliveries=1,
    reason=DisputeReason.KEY_INVALID,
    price_version=0,
)
# A listing with only the fields the decisions read (the others zero).
LISTING = replace(
    Listing(*[0] * len(fields(Listing))),
    response_window=WINDOW,
    max_replacements=1,
    stock_available=3,
)


def dispute(policy=None, *, now=EARLY, reason=DisputeReason.KEY_INVALID, **kw):
    kw = {"verifier_valid": False, "court": True} | kw
    order = replace(ORDER, reason=reason)
    return decisions.dispute_decision(
        policy or MerchantPolicy(), order, now=now, window=WINDOW, **kw
    )


# ---------------------------------------------------------------------------- deadlines


def test_an_answer_is_in_time_until_the_block_before_the_deadline():
    paid = replace(ORDER, status=OrderStatus.PAID, deliveries=0)
    assert decisions.in_time(paid, DEADLINE - 1)
    # The next block is later than `now`: the escrow would refuse a delivery sent now.
    assert not decisions.in_time(paid, DEADLINE)
    assert not decisions.in_time(paid, DEADLINE + 1)


@pytest.mark.parametrize(
    ("name", "dead"),
    [
        ("EscrowKeyAlreadyDelivered", True),
        ("EscrowUnitAlreadyUsed", True),
        ("EscrowBatchRevoked", True),
        ("EscrowDeadlinePassed", False),
        ("EscrowUnexpectedStatus", False),
    ],
)
def test_a_unit_is_dead_only_when_the_escrow_refuses_the_unit_itself(name, dead):
    assert decisions.unit_is_dead(ContractRevert(name, {})) is dead


# ---------------------------------------------------------------------------- disputes


def test_the_policys_answer_with_its_reason():
    decided = dispute()
    assert decided.answer is DisputeAnswer.replace  # key-invalid: replace by default
    assert decided.why == "dispute KEY_INVALID"
    assert decided.answer_at == ANSWER_AT and not decided.due and not decided.fallback


def test_a_waiting_dispute_gets_the_fallback_when_it_is_due_and_says_so():
    policy = MerchantPolicy.from_toml('[disputes]\nkey-invalid = "wait"\n')
    assert dispute(policy).answer is DisputeAnswer.wait
    decided = dispute(policy, now=ANSWER_AT)
    assert decided.answer is DisputeAnswer.contest and decided.due and decided.fallback
    assert decided.why == "dispute KEY_INVALID: fallback, 25% before the response deadline"
    # Without a court the fallback contest is a refund.
    assert dispute(policy, now=ANSWER_AT, court=False).answer is DisputeAnswer.refund


def test_the_verifiers_valid_counts_only_for_a_dispute_the_policy_waits_on():
    waits = MerchantPolicy.from_toml('[disputes]\nkey-invalid = "wait"\n')
    assert decisions.verifier_matters(waits, DisputeReason.KEY_INVALID)
    assert not decisions.verifier_matters(MerchantPolicy(), DisputeReason.KEY_INVALID)
    decided = dispute(waits, verifier_valid=True)
    assert decided.answer is DisputeAnswer.contest  # verifier.on-valid
    assert decided.why == "dispute KEY_INVALID: the verifier signed 'valid'"
    assert not decided.fallback


def test_failed_answers_are_retried_then_wait_for_the_fallback_which_is_a_refund():
    policy = MerchantPolicy()  # max-attempts 3
    assert dispute(policy, attempts=2).answer is DisputeAnswer.replace  # retried
    assert dispute(policy, attempts=3).answer is DisputeAnswer.wait  # gave up for now
    late = dispute(policy, attempts=3, now=ANSWER_AT)
    assert late.answer is DisputeAnswer.refund and late.due  # never let the window lapse
    assert dispute(policy, attempts=1, now=ANSWER_AT).answer is DisputeAnswer.refund


def test_a_contest_without_a_court_waits_then_refunds():
    contest = DisputeReason.NOT_AS_DESCRIBED  # contested by default
    assert dispute(reason=contest).answer is DisputeAnswer.contest
    assert dispute(reason=contest, court=False).answer is DisputeAnswer.wait
    decided = dispute(reason=contest, court=False, now=ANSWER_AT)
    assert decided.answer is DisputeAnswer.refund and decided.fallback


# ---------------------------------------------------------------------------- verdicts


def test_a_verdict_is_answered_by_the_policy_until_the_appeal_window_passed():
    pending = replace(ORDER, status=OrderStatus.VERIFIER_REFUND_PENDING)
    policy = MerchantPolicy()  # on-verdict: replace
    early = decisions.verdict_decision(policy, pending, now=EARLY, court=True)
    assert early == decisions.VerdictDecision(VerdictAnswer.replace, no_court=False)
    late = decisions.verdict_decision(policy, pending, now=DEADLINE, court=True)
    assert late.answer is VerdictAnswer.accept


def test_a_verdict_to_contest_without_a_court_is_accepted():
    pending = replace(ORDER, status=OrderStatus.VERIFIER_REFUND_PENDING)
    policy = MerchantPolicy.from_toml('[verifier]\non-verdict = "contest"\n')
    assert decisions.verdict_decision(policy, pending, now=EARLY, court=True).answer is (
        VerdictAnswer.contest
    )
    assert decisions.verdict_decision(
        policy, pending, now=EARLY, court=False
    ) == decisions.VerdictDecision(VerdictAnswer.accept, no_court=True)


def test_a_replacement_needs_one_left_and_stock_on_chain():
    assert decisions.replacement_refused(ORDER, LISTING) is None
    exhausted = replace(ORDER, deliveries=2)  # the first key and one replacement
    assert decisions.replacement_refused(exhausted, LISTING) == "replacements exhausted"
    empty = replace(LISTING, stock_available=0)
    assert decisions.replacement_refused(ORDER, empty) == "no stock on chain for a replacement"


# ---------------------------------------------------------------------------- after sending


@pytest.mark.parametrize(
    ("kind", "status", "deliveries", "delivery_no", "done"),
    [
        ("deliver", OrderStatus.PAID, 0, 0, False),
        ("deliver", OrderStatus.DELIVERED, 1, 0, True),
        ("replace", OrderStatus.DISPUTED, 1, 1, False),
        ("replace", OrderStatus.DELIVERED, 2, 1, True),
        ("refund", OrderStatus.DISPUTED, 1, 0, False),
        ("refund", OrderStatus.REFUNDED, 1, 0, True),
        ("contest", OrderStatus.DISPUTED, 1, 0, False),
        ("contest", OrderStatus.ARBITRATING, 1, 0, True),
        ("contest", OrderStatus.SPLIT, 1, 0, True),
    ],
)
def test_a_reverted_transaction_counts_as_done_when_its_effect_is_on_chain(
    kind, status, deliveries, delivery_no, done
):
    order = replace(ORDER, status=status, deliveries=deliveries)
    assert decisions.already_done(kind, order, delivery_no=delivery_no) is done


def test_failures_are_retried_then_given_up_except_a_disputes_answer():
    after = decisions.after_failure
    assert after(2, 3, answering_dispute=False) is AfterFailure.RETRY
    assert after(3, 3, answering_dispute=False) is AfterFailure.GIVE_UP
    assert after(3, 3, answering_dispute=True) is AfterFailure.KEEP_ANSWERING  # reported once
    assert after(4, 3, answering_dispute=True) is AfterFailure.KEEP_QUIET


def test_on_a_verifier_listing_a_dispute_waits_for_the_verdict_and_says_so():
    policy = MerchantPolicy()
    assert decisions.verifier_matters(policy, DisputeReason.NOT_AS_DESCRIBED, verifier=True)
    decided = dispute(policy, verifier=True)
    assert decided.answer is DisputeAnswer.wait
    assert decided.why == "dispute KEY_INVALID: waiting for the verifier's verdict"
    late = dispute(policy, verifier=True, now=ANSWER_AT)
    assert late.answer is DisputeAnswer.contest and late.fallback
