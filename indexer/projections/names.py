"""The escrow's enum values by their Solidity names (contracts/types/EscrowTypes.sol), and the
events each projection reads. Derived tables store these names, never made-up labels; the names
come from the SDK's one mirror of the enums (`fairkey.chain.types`), never listed again here."""

from __future__ import annotations

from enum import IntEnum

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
VERDICT = {int(v): solidity_name(v) for v in Verdict}  # FairkeyEscrow.VERDICT_INVALID / _REDEEMED
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


def name_of(names: tuple[str, ...] | dict[int, str], value: int) -> str:
    """The enum name of `value`, or its number when this build does not know it."""
    try:
        return names[value]
    except (IndexError, KeyError):
        return str(value)
