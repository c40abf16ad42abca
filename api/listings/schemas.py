"""A listing as buyers read it before paying: terms, stock, figures, title and description."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.tokens import TokenOut
from fairkey.listing_meta import MAX_DESCRIPTION, MAX_TITLE, SCHEMA

LANG = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$"


class WindowsOut(BaseModel):
    delivery_s: int = Field(description="Payment to delivery")
    confirm_s: int = Field(description="Delivery to the end of the buyer's confirm window")
    response_s: int = Field(description="Dispute to the merchant's answer")
    appeal_s: int = Field(description="A verifier's refund can be appealed this long")


class ListingOut(BaseModel):
    listing_id: int
    merchant: str
    token: TokenOut
    price: str = Field(description="Price of one key, in the token's smallest unit (decimal)")
    active: bool = Field(description="Open to new orders")
    stock: int = Field(description="Committed, bonded keys on sale now")
    bond_per_unit: str = Field(description="Locked per key; compensates a proven fault")
    dispute_bond: str = Field(description="What a buyer deposits to dispute")
    windows: WindowsOut
    max_replacements: int
    verifier: str | None = Field(description="Who may attest a disputed key bad (None: none)")
    description_hash: str = Field(description="The document's keccak256, as on chain")
    created_time: int
    title: str | None = Field(description="From the stored document; None when none is stored")
    description: str | None
    lang: str | None
    metadata_verified: bool = Field(
        description="The stored document hashes to the listing's on-chain description hash"
    )
    sales: int
    sales_7d: int
    success_7d_bps: int | None = Field(
        description="Of the orders settled in 7 days, the share completed (None: none settled)"
    )
    success_30d_bps: int | None
    delivery_p50_s: int | None = Field(description="Payment to delivery, 30 days, median")
    delivery_p95_s: int | None = Field(description="…and 95th percentile")
    after_sales_7d_bps: int | None = Field(
        description="Of the keys delivered in 7 days, the share disputed"
    )
    merchant_score_bps: int | None = Field(
        description="The merchant's score (Wilson lower bound); None while unscored"
    )


class ListingPage(BaseModel):
    items: list[ListingOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; None: last")


class ListingDocumentIn(BaseModel):
    """The document whose canonical JSON hashes to the listing's description hash
    (fairkey/listing_meta.py)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Literal["fairkey.listing.v1"] = Field(alias="schema", description=SCHEMA)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(max_length=MAX_DESCRIPTION)
    lang: str | None = Field(None, pattern=LANG, description="BCP 47, e.g. en, zh-CN")


class ListingDocumentOut(BaseModel):
    listing_id: int
    description_hash: str
    stored: bool = Field(description="True: stored now; False: it was stored already")
    title: str
    description: str
    lang: str | None
