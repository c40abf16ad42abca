"""What a party may do with an order now, and until when: the one rule behind `fairkey order
show`, the API's `GET /orders/{id}/actions` and its contest route (and so the dApp).

A pure function of the chain's `Order` and `Listing`, the caller's role and the chain's time
(the latest block's timestamp), plus what only other contracts or the ledger know: the court's
fee to contest (None: the escrow has no court), a court case's appeal period, and the caller's
withdrawable credit in the order's token. No I/O: the callers read (the CLI and the API through
`arbitration/action_facts.py`), this decides.

Timing follows the escrow (escrow/OrderBook.sol, escrow/Disputes.sol) and the court
(court/CourtCases.sol). A transaction sent now lands in a later block, so
- an action the escrow takes while `block.timestamp <= deadline` is offered while
  `now < deadline` (the SDK's `in_time`), and its `until` is that deadline;
- one the escrow takes once `block.timestamp > deadline` (the rules anyone may run) is offered
  from `now > deadline` on;
- the court takes an appeal while `block.timestamp < end`: offered while `now < end - 1`,
  `until` = `end - 1`.
`until` is None when the contract sets the action no deadline of its own (the order may still
move on meanwhile by someone else's transaction). Each action names the contract function the
wallet calls and whether it needs something only the caller's device holds (the buyer's
per-order key, the merchant's vault): those the API cannot prepare as an unsigned transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from fairkey.chain.types import DisputeReason, Listing, Order, OrderStatus, Ruling, order_ref
from fairkey.merchant.decisions import in_time, replacement_refused

NO_MORE_APPEALS = 2**256 - 1  # the court's appealCost once the last round ruled


class Role(enum.StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"
    ANYONE = "anyone"


class Kind(enum.StrEnum):
    """Every action, in the order they are offered."""

    CONFIRM = "confirm"
    DISPUTE = "dispute"
    PROVE_MISDELIVERY = "prove-misdelivery"
    VERIFY = "verify"  # send the key to the listing's verifier (off chain)
    DELIVER = "deliver"
    REFUND = "refund"
    REPLACE = "replace"
    CONTEST = "contest"  # answer a dispute: the court decides
    CONTEST_VERDICT = "contest-verdict"  # take a verifier's verdict to the court (the merchant
    # a refund verdict, the buyer a VALID one)
    APPEAL = "appeal"  # fund the next court round (the loser), or its defence (the winner)
    SETTLE = "settle"
    REFUND_LATE = "refund-late"
    RESOLVE_STALLED = "resolve-stalled"
    WITHDRAW = "withdraw"


class Secret(enum.StrEnum):
    """What the caller's own device must add (the API cannot build such a transaction)."""

    ORDER_KEY = "order-key"  # the buyer's per-order secret key (from a wallet signature)
    VAULT = "vault"  # the merchant's plain keys
    KEY = "key"  # the decrypted card key, sent encrypted to the verifier


class Why(enum.StrEnum):
    """Why an action is not open now."""

    ROLE = "role"  # not the caller's to do
    STATUS = "status"  # not in the order's state
    DEADLINE = "deadline"  # its window closed
    TOO_EARLY = "too-early"  # its deadline has not passed yet
    NO_COURT = "no-court"
    NO_VERIFIER = "no-verifier"
    NO_REPLACEMENT = "no-replacement"  # replacements exhausted, or no stock
    NO_APPEAL = "no-appeal"  # no appeal period, or no more rounds
    NO_CREDIT = "no-credit"
    VERDICT_STANDS = "verdict-stands"  # the verifier found the delivery valid: no second dispute


@dataclass(frozen=True)
class AppealPeriod:
    """A court case of the order in its appeal period, as the court says it (the caller reads
    it: `appealPeriod`, the current ruling, the next round's fee payer and defender)."""

    case_id: int
    ruling: int  # the round's ruling, numbered as `Ruling`: 0 refuse/split, 1 buyer, 2 merchant
    loser_end: int  # the loser funds the next round while block.timestamp < loser_end
    end: int  # then the winner may defend while block.timestamp < end
    cost: int  # appealCost: NO_MORE_APPEALS after the last round
    funded_by: Role | None = None  # who funded the next round (None: nobody yet)
    defended: bool = False


@dataclass(frozen=True)
class Action:
    kind: Kind
    function: str | None  # the contract function the wallet calls; None: off chain (verify)
    contract: str  # "escrow" or "court"
    until: int | None  # last block time the contract takes it; None: no deadline of its own
    secret: Secret | None = None
    value: int = 0  # what the call pays: msg.value for ETH, else an ERC-20 allowance
    reasons: tuple[DisputeReason, ...] = ()  # dispute: the reasons to choose from
    case_id: int | None = None  # appeal: the court case
    note: str = ""


@dataclass(frozen=True)
class Refusal:
    why: Why
    sentence: str
    deadline: int | None = None


@dataclass(frozen=True)
class OrderFacts:
    """Everything the rule reads, in one value."""

    order_id: int
    order: Order
    listing: Listing
    role: Role
    now: int
    court_fee: int | None = None  # the court's fee to contest; None: no court
    appeal: AppealPeriod | None = None
    credit: int = 0  # the caller's withdrawable credit in the listing's token


def reason_name(reason: DisputeReason) -> str:
    """A dispute reason as the CLI's `--reason` and the API spell it: ``key-invalid``."""
    return reason.name.lower().replace("_", "-")


def role_of(order: Order, listing: Listing, address: str | None) -> Role:
    """The caller's side of the order (the buyer first, should a merchant buy from itself)."""
    me = (address or "").lower()
    if me and me == order.buyer.lower():
        return Role.BUYER
    if me and me == listing.merchant.lower():
        return Role.MERCHANT
    return Role.ANYONE


def court_fee_needed(order: Order, role: Role) -> bool:
    """Whether `role` could be offered a contest of the order now, so the caller should read the
    court's fee for `order_actions` (the merchant a dispute or a refund verdict, the buyer a
    standing VALID verdict)."""
    if order.verdict_stands:
        return role is Role.BUYER
    contestable = (OrderStatus.DISPUTED, OrderStatus.VERIFIER_REFUND_PENDING)
    return role is Role.MERCHANT and order.status in contestable


def order_actions(
    order_id: int,
    order: Order,
    listing: Listing,
    role: Role,
    now: int,
    *,
    court_fee: int | None = None,
    appeal: AppealPeriod | None = None,
    credit: int = 0,
) -> list[Action]:
    """What `role` may do with the order now, in `Kind` order."""
    return open_actions(OrderFacts(order_id, order, listing, role, now, court_fee, appeal, credit))


def open_actions(facts: OrderFacts) -> list[Action]:
    """`order_actions` of facts in one value (as `arbitration/action_facts.py` reads them)."""
    found = (_RULES[kind](facts) for kind in Kind)
    return [a for a in found if isinstance(a, Action)]


def refusal(kind: Kind, facts: OrderFacts) -> Refusal | None:
    """Why `kind` is not open to `facts.role` now, or None when it is (see `order_actions`)."""
    answer = _RULES[kind](facts)
    return answer if isinstance(answer, Refusal) else None


def action(kind: Kind, facts: OrderFacts) -> Action | Refusal:
    """The action if it is open now, else why not."""
    return _RULES[kind](facts)


# ---------------------------------------------------------------------------- the rules

_Answer = Action | Refusal
_ON_CHAIN_DISPUTE = (
    DisputeReason.WRONG_CONTENT,
    DisputeReason.DUPLICATE,
    DisputeReason.KEY_INVALID,
    DisputeReason.NOT_AS_DESCRIBED,
    DisputeReason.OTHER,
)
_NAMES = {
    OrderStatus.PAID: "the delivery deadline",
    OrderStatus.DELIVERED: "the confirm window",
    OrderStatus.DISPUTED: "the merchant's response window",
    OrderStatus.VERIFIER_REFUND_PENDING: "the verifier refund's appeal window",
    OrderStatus.ARBITRATING: "the court's timeout",
}


def _who(f: OrderFacts, *roles: Role) -> Refusal | None:
    if f.role in roles:
        return None
    names = " or the ".join(r.value for r in roles)
    return Refusal(Why.ROLE, f"only the {names} of order {order_ref(f.order_id)} may")


def _status(f: OrderFacts, *allowed: OrderStatus) -> Refusal | None:
    if f.order.status in allowed:
        return None
    wanted = " or ".join(s.name for s in allowed)
    return Refusal(
        Why.STATUS, f"order {order_ref(f.order_id)} is {f.order.status.name}, not {wanted}"
    )


def _phase(f: OrderFacts) -> str:
    if f.order.verdict_stands:
        return "the window to contest the verifier's verdict"
    return _NAMES.get(f.order.status, "the deadline")


def _before(f: OrderFacts) -> Refusal | None:
    if in_time(f.order, f.now):
        return None
    return Refusal(
        Why.DEADLINE,
        f"{_phase(f)} of order {order_ref(f.order_id)} closed at {f.order.deadline} "
        f"(chain time {f.now})",
        f.order.deadline,
    )


def _after(f: OrderFacts) -> Refusal | None:
    if f.now > f.order.deadline:
        return None
    return Refusal(
        Why.TOO_EARLY,
        f"{_phase(f)} of order {order_ref(f.order_id)} is open until {f.order.deadline} "
        f"(chain time {f.now})",
        f.order.deadline,
    )


def _no_verdict(f: OrderFacts) -> Refusal | None:
    if not f.order.verdict_stands:
        return None
    return Refusal(
        Why.VERDICT_STANDS,
        f"the listing's verifier found the key of order {order_ref(f.order_id)} valid: it "
        "cannot be disputed again; the buyer may take the verdict to the court until "
        f"{f.order.deadline}",
        f.order.deadline,
    )


def _first(*checks: Callable[[], Refusal | None]) -> Refusal | None:
    for check in checks:
        found = check()
        if found is not None:
            return found
    return None


def _confirm(f: OrderFacts) -> _Answer:
    held = (OrderStatus.DELIVERED, OrderStatus.DISPUTED, OrderStatus.VERIFIER_REFUND_PENDING)
    no = _first(lambda: _who(f, Role.BUYER), lambda: _status(f, *held))
    if no:
        return no
    note = "the key works: the merchant is paid"
    if f.order.verdict_stands:
        note += ", with your dispute bond (the verifier found the key valid)"
    elif f.order.status is not OrderStatus.DELIVERED:
        note += "; withdraws your dispute (its bond comes back)"
    return Action(Kind.CONFIRM, "confirm", "escrow", None, note=note)


def _dispute(f: OrderFacts) -> _Answer:
    no = _first(
        lambda: _who(f, Role.BUYER),
        lambda: _status(f, OrderStatus.DELIVERED),
        lambda: _no_verdict(f),
        lambda: _before(f),
    )
    if no:
        return no
    return Action(
        Kind.DISPUTE,
        "dispute",
        "escrow",
        f.order.deadline,
        value=f.listing.dispute_bond,
        reasons=_ON_CHAIN_DISPUTE,
        note="pays the listing's dispute bond, returned unless a ruling goes against you",
    )


def _prove(f: OrderFacts) -> _Answer:
    open_states = (
        OrderStatus.DELIVERED,
        OrderStatus.DISPUTED,
        OrderStatus.VERIFIER_REFUND_PENDING,
        OrderStatus.ARBITRATING,
    )
    no = _first(lambda: _who(f, Role.BUYER), lambda: _status(f, *open_states))
    if no:
        return no
    delivered = f.order.status is OrderStatus.DELIVERED
    if delivered and (late := _before(f)):
        return late
    return Action(
        Kind.PROVE_MISDELIVERY,
        "proveMisdelivery",
        "escrow",
        f.order.deadline if delivered else None,
        secret=Secret.ORDER_KEY,
        note="when the delivered key fails its check: refund + the unit's bond, in one transaction",
    )


def _verify(f: OrderFacts) -> _Answer:
    no = _first(
        lambda: _who(f, Role.BUYER),
        lambda: _status(f, OrderStatus.DISPUTED),
        lambda: _has_verifier(f),
        lambda: _before(f),
    )
    if no:
        return no
    return Action(
        Kind.VERIFY,
        None,
        "escrow",
        f.order.deadline,
        secret=Secret.KEY,
        note=f"the listing's verifier {f.listing.verifier} asks the issuer; a bad key is "
        "refunded after the appeal window",
    )


def _has_verifier(f: OrderFacts) -> Refusal | None:
    if int(f.listing.verifier, 16):
        return None
    return Refusal(Why.NO_VERIFIER, f"listing {f.order.listing_id} names no verifier")


def _deliver(f: OrderFacts) -> _Answer:
    no = _first(
        lambda: _who(f, Role.MERCHANT),
        lambda: _status(f, OrderStatus.PAID),
        lambda: _before(f),
    )
    if no:
        return no
    return Action(Kind.DELIVER, "deliver", "escrow", f.order.deadline, secret=Secret.VAULT)


def _refund(f: OrderFacts) -> _Answer:
    refundable = (
        OrderStatus.PAID,
        OrderStatus.DELIVERED,
        OrderStatus.DISPUTED,
        OrderStatus.VERIFIER_REFUND_PENDING,
    )
    no = _first(lambda: _who(f, Role.MERCHANT), lambda: _status(f, *refundable))
    if no:
        return no
    late = f.now > f.order.deadline
    notes = {
        OrderStatus.PAID: "late: refund + the unit's bond"
        if late
        else "no key to deliver: the unit goes back on sale",
        OrderStatus.DELIVERED: "the buyer gets the price and the unit's bond"
        + (" (and the dispute bond back)" if f.order.verdict_stands else ""),
        OrderStatus.DISPUTED: "no answer in time: refund + the unit's bond"
        if late
        else "answers the dispute: the buyer gets the price back",
        OrderStatus.VERIFIER_REFUND_PENDING: "accepts the verifier's verdict now",
    }
    return Action(Kind.REFUND, "refund", "escrow", None, note=notes[f.order.status])


def _replace(f: OrderFacts) -> _Answer:
    no = _first(
        lambda: _who(f, Role.MERCHANT),
        lambda: _status(f, OrderStatus.DISPUTED, OrderStatus.VERIFIER_REFUND_PENDING),
        lambda: _before(f),
        lambda: _replaceable(f),
    )
    if no:
        return no
    left = f.listing.max_replacements - (f.order.deliveries - 1)
    return Action(
        Kind.REPLACE,
        "replace",
        "escrow",
        f.order.deadline,
        secret=Secret.VAULT,
        note=f"a new key from stock ({left} replacement(s) left)",
    )


def _replaceable(f: OrderFacts) -> Refusal | None:
    why = replacement_refused(f.order, f.listing)
    return None if why is None else Refusal(Why.NO_REPLACEMENT, why)


def _contest_in(
    f: OrderFacts,
    kind: Kind,
    status: OrderStatus,
    role: Role = Role.MERCHANT,
    note: str = "the court decides; value = the court's fee",
) -> _Answer:
    no = _first(
        lambda: _who(f, role),
        lambda: _status(f, status),
        lambda: _before(f),
        lambda: None if f.court_fee is not None else Refusal(Why.NO_COURT, "no court"),
    )
    if no:
        return no
    return Action(kind, "contest", "escrow", f.order.deadline, value=f.court_fee or 0, note=note)


def _contest(f: OrderFacts) -> _Answer:
    return _contest_in(f, Kind.CONTEST, OrderStatus.DISPUTED)


def _contest_verdict(f: OrderFacts) -> _Answer:
    """The merchant appeals a refund verdict; the buyer takes a VALID verdict to the court."""
    if f.order.verdict_stands:
        return _contest_in(
            f,
            Kind.CONTEST_VERDICT,
            OrderStatus.DELIVERED,
            Role.BUYER,
            note="take the verifier's verdict to the court; value = the court's fee (else the "
            "merchant is paid, with your dispute bond, after the deadline)",
        )
    return _contest_in(f, Kind.CONTEST_VERDICT, OrderStatus.VERIFIER_REFUND_PENDING)


def _appeal(f: OrderFacts) -> _Answer:
    no = _first(
        lambda: _who(f, Role.BUYER, Role.MERCHANT),
        lambda: _status(f, OrderStatus.ARBITRATING),
    )
    if no:
        return no
    a = f.appeal
    if a is None or a.cost == NO_MORE_APPEALS:
        what = "no more rounds" if a is not None else "its court case is not in its appeal period"
        return Refusal(Why.NO_APPEAL, f"order {order_ref(f.order_id)}: {what}")
    winner = {Ruling.REFUND_BUYER: Role.BUYER, Ruling.PAY_MERCHANT: Role.MERCHANT}.get(a.ruling)
    if a.funded_by is None:
        if winner is f.role:
            return Refusal(Why.ROLE, "the round's loser appeals first; you may defend after")
        last, note = a.loser_end - 1, "fund the next round (2n+1 jurors)"
    else:
        if a.defended or a.funded_by is f.role:
            return Refusal(Why.NO_APPEAL, f"case {a.case_id}: the next round is funded")
        last, note = a.end - 1, "fund your defence of the ruling (refunded if you win again)"
    if f.now >= last:
        return Refusal(Why.DEADLINE, f"case {a.case_id}: the appeal period closed", last)
    return Action(Kind.APPEAL, "appeal", "court", last, value=a.cost, case_id=a.case_id, note=note)


def _settle(f: OrderFacts) -> _Answer:
    no = _first(lambda: _status(f, OrderStatus.DELIVERED), lambda: _after(f))
    note = "no dispute in time: the merchant is paid"
    if f.order.verdict_stands:
        note = "the verifier found the key valid: the merchant is paid, with the dispute bond"
    return no or Action(Kind.SETTLE, "settle", "escrow", None, note=note)


_LATE_REFUNDS = {
    OrderStatus.PAID: ("refundUndelivered", "no key in time: refund + the unit's bond"),
    OrderStatus.DISPUTED: ("refundUnanswered", "no answer in time: refund + the unit's bond"),
    OrderStatus.VERIFIER_REFUND_PENDING: ("executeVerifierRefund", "the verifier's refund"),
}


def _refund_late(f: OrderFacts) -> _Answer:
    no = _first(lambda: _status(f, *_LATE_REFUNDS), lambda: _after(f))
    if no:
        return no
    function, note = _LATE_REFUNDS[f.order.status]
    return Action(Kind.REFUND_LATE, function, "escrow", None, note=note)


def _resolve_stalled(f: OrderFacts) -> _Answer:
    no = _first(lambda: _status(f, OrderStatus.ARBITRATING), lambda: _after(f))
    return no or Action(
        Kind.RESOLVE_STALLED,
        "resolveStalledArbitration",
        "escrow",
        None,
        note="the court never ruled: the price is split",
    )


def _withdraw(f: OrderFacts) -> _Answer:
    if f.credit <= 0:
        return Refusal(Why.NO_CREDIT, "nothing to withdraw in this token")
    return Action(
        Kind.WITHDRAW, "withdraw", "escrow", None, note="your credit in the listing's token"
    )


_RULES: dict[Kind, Callable[[OrderFacts], _Answer]] = {
    Kind.CONFIRM: _confirm,
    Kind.DISPUTE: _dispute,
    Kind.PROVE_MISDELIVERY: _prove,
    Kind.VERIFY: _verify,
    Kind.DELIVER: _deliver,
    Kind.REFUND: _refund,
    Kind.REPLACE: _replace,
    Kind.CONTEST: _contest,
    Kind.CONTEST_VERDICT: _contest_verdict,
    Kind.APPEAL: _appeal,
    Kind.SETTLE: _settle,
    Kind.REFUND_LATE: _refund_late,
    Kind.RESOLVE_STALLED: _resolve_stalled,
    Kind.WITHDRAW: _withdraw,
}
