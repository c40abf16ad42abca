"""The escrow's enum values by their Solidity names (contracts/types/EscrowTypes.sol), and the
events each projection reads. Derived tables store these names, never made-up labels."""

from __future__ import annotations

ORDER_STATUS = (
    "None",
    "Paid",
    "Delivered",
    "Disputed",
    "VerifierRefundPending",
    "Arbitrating",
    "Completed",
    "Refunded",
    "Split",
)
TERMINAL = ("Completed", "Refunded", "Split")
DISPUTE_REASON = ("None", "WrongContent", "Duplicate", "KeyInvalid", "NotAsDescribed", "Other")
COMPLETION_CAUSE = ("BuyerConfirmed", "ConfirmWindowPassed", "Ruling")
REFUND_CAUSE = (
    "MerchantRefunded",
    "NotDelivered",
    "Misdelivery",
    "MerchantSilent",
    "VerifierAttested",
    "Ruling",
    "Duplicate",  # displaced by an older batch's delivery of the same key (proveDuplicate)
)
VERDICT = {1: "Invalid", 2: "Redeemed"}  # FairkeyEscrow.VERDICT_INVALID / VERDICT_REDEEMED
RULING = {0: "Split", 1: "RefundBuyer", 2: "PayMerchant"}  # Rulings in EscrowTypes.sol
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


def name_of(names: tuple[str, ...] | dict[int, str], value: int) -> str:
    """The enum name of `value`, or its number when this build does not know it."""
    try:
        return names[value]
    except (IndexError, KeyError):
        return str(value)
