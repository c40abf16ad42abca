"""Sign-in requests and answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

HEX_SIGNATURE = r"^0x[0-9a-fA-F]{130}$"


class NonceOut(BaseModel):
    nonce: str = Field(
        description="Put it in the message's Nonce field; usable once, until expires_at"
    )
    issued_at: int = Field(description="Unix seconds")
    expires_at: int = Field(description="Unix seconds")
    domain: str = Field(description="The domain the message must name")
    uri: str = Field(description="A URI the message may name (any URI of this origin is accepted)")
    chain_id: int = Field(description="The chain id the message must name")
    version: Literal["1"] = "1"


class VerifyIn(BaseModel):
    message: str = Field(
        min_length=1, max_length=4096, description="The EIP-4361 message, exactly as signed"
    )
    signature: str = Field(
        pattern=HEX_SIGNATURE, description="The wallet's personal_sign signature (65 bytes)"
    )
    session: Literal["cookie", "bearer"] = Field(
        "cookie",
        description="cookie: an HttpOnly session cookie is set (browsers); bearer: the token is "
        "returned for an `Authorization: Bearer` header (scripts, the CLI)",
    )


class SessionOut(BaseModel):
    address: str
    expires_at: int = Field(description="Unix seconds")
    token: str | None = Field(None, description="Only when `session` was `bearer`")
