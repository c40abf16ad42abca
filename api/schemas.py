"""Answer models shared by several areas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TxRequest(BaseModel):
    """An unsigned transaction for the user's wallet to sign and send, as EIP-1193's
    `eth_sendTransaction` takes it (the API never signs for anyone)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="The account that must send it")
    to: str
    data: str = Field(description="ABI-encoded call, 0x hex")
    value: str = Field(description="wei, 0x hex quantity")
    chain_id: str = Field(alias="chainId", description="0x hex quantity")
