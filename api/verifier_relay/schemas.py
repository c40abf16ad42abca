"""The relay's bodies: the verifier to seal to, the sealed key, and the verifier's decision, as
the verifier's service (fairkey/verifier/routes.py, service.py) has them."""

from __future__ import annotations

from pydantic import BaseModel, Field

HEX = r"^0x([0-9a-fA-F]{2})*$"


class VerifierOut(BaseModel):
    """The listing's verifier as it says itself (its GET /info), checked against the chain."""

    address: str = Field(description="The listing's verifier (EIP-55); its key's address")
    public_key: str = Field(description="secp256k1, compressed: seal the key to it")
    chain_id: int
    escrow: str
    envelope: str = Field(description="The envelope scheme it opens")


class EnvelopeIn(BaseModel):
    """fairkey/verifier/envelope.py's Envelope.to_json: only the verifier can open it."""

    version: int = Field(1, ge=1)
    ephemeral_pubkey: str = Field(pattern=HEX, max_length=2 + 2 * 65)
    nonce: str = Field(pattern=HEX, max_length=2 + 2 * 32)
    ciphertext: str = Field(pattern=HEX, max_length=2 + 2 * 1024, description="AES-GCM || tag")


class KeyCheckIn(BaseModel):
    envelope: EnvelopeIn


class KeyCheckOut(BaseModel):
    """The verifier's decision for the order's current delivery (VerifierService._decision)."""

    verifier: str = Field(description="Who decided: the listing's verifier (EIP-55)")
    order: str
    delivery_no: int
    fingerprint: str
    supplier: str
    answer: str = Field(description="The issuer's answer: valid, invalid, redeemed, "
                        "region_locked, or unavailable")  # fmt: skip
    outcome: str = Field(
        description="refund_pending, no_refund, region_locked or merchant_response"
    )
    message: str = Field(description="What it means for the buyer, in a sentence")
    attempts: int
    tx_hash: str | None = Field(description="The verdict's transaction, when one went on chain")
    checked_at: str
    repeated: bool = Field(description="Answered from an earlier check of the same delivery")
