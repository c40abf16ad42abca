"""An order action's request and answer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas import TxRequest

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
