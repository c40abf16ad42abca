"""What a merchant does with an order: pure functions of the order, the chain's clock, the policy
and what was read (the verifier's answer, whether the escrow has a court). No chain, no vault:
the callers read, these decide, the callers act (and log)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import DisputeReason, Listing, Order, OrderStatus
from fairkey.merchant.policy import DisputeAnswer, MerchantPolicy, VerdictAnswer

# The escrow refuses the unit itself: retrying the same unit can never succeed.
DEAD_UNIT_ERRORS = frozenset(
    {"EscrowKeyAlreadyDelivered", "EscrowUnitAlreadyUsed", "EscrowBatchRevoked"}
)


def unit_is_dead(exc: ContractRevert) -> bool:
    """The delivery reverted because of the unit (delivered elsewhere, used, batch revoked)."""
    return exc.name in DEAD_UNIT_ERRORS


# ---------------------------------------------------------------------------- deadlines


def in_time(order: Order, now: int) -> bool:
    """A transaction sent now can still land before the order's current deadline (the delivery
    deadline while PAID, the response deadline while DISPUTED, the appeal deadline after a
    verdict): the escrow takes it while the block's timestamp is at most the deadline, and the
    next block is later than the latest (`now`)."""
    return now < order.deadline


# ---------------------------------------------------------------------------- disputes


def has_verifier(listing: Listing) -> bool:
    """The listing names a key verifier (its verdicts decide disputes by rule)."""
    return int(listing.verifier, 16) != 0


def verifier_matters(policy: MerchantPolicy, reason: DisputeReason, verifier: bool = False) -> bool:
    """Whether the verifier's "valid" can change the answer (only a dispute the policy waits on:
    worth reading the verifier for; `verifier`: the listing names one)."""
    return policy.answer(reason, verifier=verifier) is DisputeAnswer.wait


@dataclass(frozen=True)
class DisputeDecision:
    answer: DisputeAnswer  # wait: nothing to send now
    why: str  # for the log: the reason, the verifier's "valid", the fallback
    answer_at: int  # when a waiting dispute gets the fallback answer
    due: bool  # that time has come: no time left to retry a contest
    fallback: bool  # the answer is the fallback (the policy's own answer was to wait)


def dispute_decision(
    policy: MerchantPolicy,
    order: Order,
    *,
    now: int,
    window: int,
    verifier_valid: bool,
    court: bool,
    attempts: int = 0,
    verifier: bool = False,
) -> DisputeDecision:
    """What to do now about a dispute inside its response window (`window`: the listing's;
    `verifier`: the listing names a verifier, whose verdict a dispute then waits for).

    The policy's answer (MerchantPolicy.dispute_answer). After failed attempts (`attempts`): a
    retry, until `max-attempts`, then wait for the fallback — and once the fallback is due, a
    refund, so that the window never lapses."""
    answer = policy.dispute_answer(
        order.reason,
        now=now,
        deadline=order.deadline,
        window=window,
        verifier_valid=verifier_valid,
        court=court,
        verifier=verifier,
    )
    answer_at = policy.answer_at(order.deadline, window)
    due = now >= answer_at
    why = f"dispute {order.reason.name}" + (
        ": the verifier signed 'valid'" if verifier_valid else ""
    )
    if verifier and not verifier_valid and policy.wait_for_verdict:
        why += ": waiting for the verifier's verdict"
    if answer is not DisputeAnswer.wait and attempts:
        if not due and attempts >= policy.max_attempts:
            answer = DisputeAnswer.wait  # gave up for now; the fallback comes in time
        elif due:
            answer = DisputeAnswer.refund  # the answer failed: never let the window lapse
    if answer is DisputeAnswer.wait:
        return DisputeDecision(answer, why, answer_at, due, fallback=False)
    fallback = (
        due
        and policy.first_answer(
            order.reason, verifier_valid=verifier_valid, court=court, verifier=verifier
        )
        is DisputeAnswer.wait
    )
    if fallback:
        why += f": fallback, {policy.answer_before} before the response deadline"
    return DisputeDecision(answer, why, answer_at, due, fallback)


@dataclass(frozen=True)
class VerdictDecision:
    answer: VerdictAnswer  # accept: nothing to send (the refund executes after the appeal window)
    no_court: bool  # the policy contests, but the escrow has no court to appeal to


def verdict_decision(
    policy: MerchantPolicy, order: Order, *, now: int, court: bool
) -> VerdictDecision:
    """The answer to a verifier's verdict (VERIFIER_REFUND_PENDING): the policy's `on-verdict`;
    a contest without a court, or any answer once the appeal window passed, is an accept."""
    answer = policy.on_verdict
    no_court = answer is VerdictAnswer.contest and not court
    if no_court or not in_time(order, now):
        answer = VerdictAnswer.accept
    return VerdictDecision(answer, no_court)


def replacement_refused(order: Order, listing: Listing) -> str | None:
    """Why the escrow would refuse a replacement key for this order (None: it takes one)."""
    if order.deliveries > listing.max_replacements:
        return "replacements exhausted"
    if listing.stock_available == 0:
        return "no stock on chain for a replacement"
    return None


# ---------------------------------------------------------------------------- after sending


def already_done(kind: str, order: Order, *, delivery_no: int = 0) -> bool:
    """A `kind` transaction (deliver | replace | refund | contest) reverted: is its effect on
    chain anyway (an earlier transaction, sent before a crash, landed first)?"""
    if kind == "deliver":
        return order.deliveries >= 1
    if kind == "replace":
        return order.deliveries > delivery_no
    if kind == "refund":
        return order.status.terminal
    return order.status in (OrderStatus.ARBITRATING,) or order.status.terminal


class Refusal(enum.Enum):
    """What a delivery the escrow refused inside a batch (BatchItemRefused) means."""

    DONE = "done"  # the order has its delivery already (an earlier transaction): vault follows
    CLOSED = "closed"  # the order ended without one (refunded first): its unit is back on sale
    DEAD_UNIT = "dead unit"  # the unit itself is refused: marked dead, another unit next step
    FAILED = "failed"  # anything else (the deadline passed, …): a failed attempt, as a revert


def delivery_refused(exc: ContractRevert, order: Order) -> Refusal:
    """Why deliverMany skipped this order (`exc`: the error `deliver` would have reverted with;
    `order`: as the chain has it now). The order's state decides first: a refusal because it
    was delivered or refunded a moment before is no failure."""
    if already_done("deliver", order):
        return Refusal.DONE
    if order.status.terminal:
        return Refusal.CLOSED
    if unit_is_dead(exc):
        return Refusal.DEAD_UNIT
    return Refusal.FAILED


class AfterFailure(enum.Enum):
    RETRY = "retry"  # in the next step
    GIVE_UP = "give up"  # until the next event or restart (reported)
    KEEP_ANSWERING = "keep answering"  # a dispute's answer: until its deadline (reported once)
    KEEP_QUIET = "keep answering, reported"


def after_failure(attempts: int, max_attempts: int, *, answering_dispute: bool) -> AfterFailure:
    """What follows the `attempts`-th failure of an order's transaction. A dispute's answer is
    never given up: its fallback must still come in time."""
    if attempts < max_attempts:
        return AfterFailure.RETRY
    if not answering_dispute:
        return AfterFailure.GIVE_UP
    return AfterFailure.KEEP_ANSWERING if attempts == max_attempts else AfterFailure.KEEP_QUIET
