"""The escrow's and the court's enum values by their Solidity names (contracts/types/
EscrowTypes.sol, contracts/arbitration/types/CourtTypes.sol), and the events each projection
reads. Derived tables store these names, never made-up labels; the names come from the one
mirror of each contract's enums (`fairkey.chain.types`, `arbitration.court_client`), never
listed again here."""

from __future__ import annotations

from enum import IntEnum

from arbitration.court_client import Choice, Period
from arbitration.court_logs import CASE_EVENTS
from fairkey.chain.types import (
    CompletionCause,
    DisputeReason,
    OrderStatus,
    RefundCause,
    Ruling,
    Verdict,
    solidity_name,
)


def _by_value(enum: type[IntEnum]) -> tuple[str, ...]:
    """The names of an enum numbered 0, 1, 2, … (a tuple indexed by the value)."""
    names = tuple(solidity_name(member) for member in enum)
    if [int(member) for member in enum] != list(range(len(names))):
        raise AssertionError(f"{enum.__name__} is not numbered 0, 1, 2, …")
    return names


ORDER_STATUS = _by_value(OrderStatus)
TERMINAL = tuple(solidity_name(status) for status in OrderStatus if status.terminal)
DISPUTE_REASON = _by_value(DisputeReason)
COMPLETION_CAUSE = _by_value(CompletionCause)
REFUND_CAUSE = _by_value(RefundCause)
VERDICT = {int(v): solidity_name(v) for v in Verdict}  # FairkeyEscrow.VERDICT_* (1..3)
BAD_VERDICTS = tuple(int(v) for v in Verdict if v.refunds)  # "bad key": INVALID, REDEEMED
VALID_VERDICT = int(Verdict.VALID)  # "a working key is a delivered key": back to Delivered
RULING = {int(r): solidity_name(r) for r in Ruling}  # Rulings in EscrowTypes.sol
# OrderSplit without a Ruling: resolveStalledArbitration after ARBITRATION_TIMEOUT.
ARBITRATION_TIMEOUT = "ArbitrationTimeout"

ORDER_EVENTS = (
    "OrderPaid",
    "KeyDelivered",
    "OrderDisputed",
    "DisputeWithdrawn",
    "VerifierAttested",
    "MisdeliveryProven",
    "DuplicateProven",
    "ArbitrationRequested",
    "OrderCompleted",
    "OrderRefunded",
    "OrderSplit",
)
LISTING_EVENTS = ("ListingCreated", "ListingPriceChanged", "ListingActiveChanged")
STOCK_EVENTS = ("StockCommitted", "StockRevoked")
RULING_EVENT = "Ruling"  # IArbitrable: carries (arbitrator, disputeId), not the order id
# After its N OrderPaid, in the same transaction: names its orders in `orderIds`, not `orderId`.
BASKET_EVENT = "BasketPaid"
# A batch call skipped an order: nothing changed for it (not part of its state or timeline).
REFUSAL_EVENT = "BatchItemRefused"


# ---------------------------------------------------------------------------- the court

PERIOD = _by_value(Period)  # Evidence, Commit, Reveal, Appeal, Executed
CHOICE = _by_value(Choice)  # Refuse, RefundBuyer, PayMerchant
EXECUTED = PERIOD[Period.EXECUTED]
# Court events about one case: each has the case id (`caseId`; DisputeCreation: `disputeId`).
CASE_OPENED = CASE_EVENTS[0]  # "CaseOpened"
DISPUTE_CREATION = "DisputeCreation"  # ERC-792, just before CaseOpened: names the arbitrable
# The court's own list (arbitration/court_logs.py, which the API's timeline reads too), plus the
# ERC-792 creation event and a juror leaving the pool, which the index also keeps per case.
COURT_CASE_EVENTS = (DISPUTE_CREATION, *CASE_EVENTS, "JurorLeftPool")
STAKE_EVENT = "StakeSet"
# A juror's own record: its stakes, leaving the pool, and its seats' payouts.
JUROR_EVENTS = (STAKE_EVENT, "JurorLeftPool", "SeatSettled")
# The escrow's side of a court case: (arbitrator, disputeId) is the court's (court, caseId).
ARBITRATION_REQUESTED = "ArbitrationRequested"


def name_of(names: tuple[str, ...] | dict[int, str], value: int) -> str:
    """The enum name of `value`, or its number when this build does not know it."""
    try:
        return names[value]
    except (IndexError, KeyError):
        return str(value)
