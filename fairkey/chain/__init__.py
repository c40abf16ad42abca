"""Chain access: compiled artifacts, a local Anvil, deployments and the escrow client."""

from fairkey.chain.artifacts import Artifacts, load_artifacts
from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import (
    Batch,
    CompletionCause,
    DeliveryRecord,
    DisputeReason,
    Listing,
    ListingTerms,
    Order,
    OrderStatus,
    RefundCause,
)

__all__ = [
    "Artifacts",
    "Batch",
    "CompletionCause",
    "ContractRevert",
    "DeliveryRecord",
    "DisputeReason",
    "Listing",
    "ListingTerms",
    "Order",
    "OrderStatus",
    "RefundCause",
    "load_artifacts",
]
