"""Orders as the API answers them: one order with its timeline, pages of orders, the actions a
party may take now, and the contest of a verifier refund."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas import TxRequest
from api.tokens import TokenOut

BYTES32 = r"^0x[0-9a-fA-F]{64}$"


class ContestIn(BaseModel):
    evidence_hash: str | None = Field(
        None,
        pattern=BYTES32,
        description="keccak256 of the merchant's evidence file (only the hash goes on chain); "
        "default none (zero)",
    )


class ContestOut(BaseModel):
    order_id: str = Field(description="The order (0x and 40 hex digits, EIP-55)")
    deadline: int = Field(description="Chain time the appeal window closes at: send it before")
    fee_wei: str = Field(description="The court's arbitration fee: the transaction's value")
    tx: TxRequest


class OrderSummary(BaseModel):
    """An order as the index has it now (indexer/projections/orders.py)."""

    order_id: str = Field(description="EIP-55")
    basket_id: str | None = Field(description="The basket it was paid in (its first order)")
    listing_id: int
    merchant: str
    buyer: str
    token: str
    price: str = Field(description="In the token's smallest unit (decimal)")
    status: str = Field(description="The escrow's state name: Paid, Delivered, Disputed, …")
    deadline: int | None = Field(description="End of the current phase (chain time)")
    paid_time: int
    deliveries: int
    dispute_reason: str | None
    cause: str | None = Field(description="How it ended (CompletionCause / RefundCause name)")
    tier: int | None = Field(description="After-sales tier that settled it: 1, 2, 3")
    resolved_time: int | None


class TimelineEntry(BaseModel):
    block_number: int
    log_index: int
    time: int
    tx_hash: str
    event: str = Field(description="The escrow event: OrderPaid, KeyDelivered, …")
    status: str = Field(description="The order's state right after it")
    detail: str | None = Field(description="Reason, cause, verdict or ruling it carried")
    deadline: int | None = Field(description="The phase deadline it set")


class CourtCaseRef(BaseModel):
    arbitrator: str
    case_id: str = Field(description="The arbitrator's dispute id (decimal)")


class OrderOut(OrderSummary):
    case: CourtCaseRef | None
    timeline: list[TimelineEntry]
    index_head_block: int | None = Field(description="The block the index has reached")


class OrderPage(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None


class ReasonTx(BaseModel):
    reason: str = Field(
        description="wrong-content, duplicate, key-invalid, not-as-described or other"
    )
    tx: TxRequest


class ActionOut(BaseModel):
    kind: str = Field(
        description="confirm, dispute, prove-misdelivery, verify, deliver, refund, replace, "
        "contest, contest-verdict, appeal, settle, refund-late, resolve-stalled, withdraw"
    )
    contract: str = Field(description="escrow or court")
    function: str | None = Field(description="What the wallet calls; None: off chain (verify)")
    until: int | None = Field(
        description="Last block time the contract takes it (send before); None: no deadline of "
        "its own"
    )
    needs: str | None = Field(
        description="What only your device has, so the API prepares no transaction: order-key "
        "(the per-order key from your wallet signature), vault (your plain keys), key (the "
        "decrypted key, for the verifier)"
    )
    value: str = Field(description="What it pays, in the token's smallest unit (decimal)")
    token: TokenOut | None = Field(description="The token `value` is in (None: nothing to pay)")
    tx: TxRequest | None = Field(description="The unsigned transaction, when it needs no secret")
    approve: TxRequest | None = Field(
        description="ERC-20 payments: approve exactly `value` first (never an unlimited allowance)"
    )
    reasons: list[ReasonTx] = Field(description="dispute: one transaction per reason")
    case_id: int | None = Field(description="appeal: the court case")
    verifier: str | None = Field(description="verify: the listing's verifier")
    verifier_url: str | None = Field(description="verify: where it takes keys (if configured)")
    note: str


class ActionsOut(BaseModel):
    order_id: str
    you: str
    role: str = Field(description="buyer, merchant or anyone")
    status: str = Field(description="The order's state on chain now")
    deadline: int
    chain_time: int
    actions: list[ActionOut]
