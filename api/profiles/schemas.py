"""A merchant's and a supplier's record, now and day by day (enough for a chart)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MerchantFigures(BaseModel):
    """Over settled escrow orders only (indexer/projections/merchants.py)."""

    listings: int
    orders: int
    open: int
    settled: int
    completed: int
    refunded: int
    split: int
    completion_bps: int | None
    disputed: int
    dispute_bps: int | None
    faults_misdelivery: int
    faults_late: int
    faults_silent: int
    faults_proven: int
    l1_cases: int
    l1_median_s: int | None
    l2_cases: int
    l2_median_s: int | None
    l3_cases: int
    l3_median_s: int | None
    score_bps: int | None = Field(description="Wilson lower bound; None while nothing settled")


class MerchantDayOut(BaseModel):
    date: str = Field(description="UTC day, YYYY-MM-DD")
    sales: int = Field(description="Orders paid that day")
    settled: int = Field(description="Orders that ended that day")
    completed: int
    refunded: int
    split: int
    disputes: int = Field(description="Orders first disputed that day")
    success_bps: int | None = Field(description="Completed / settled of that day")
    score_bps: int | None = Field(description="The score at the end of the day (None: unscored)")


class MerchantProfile(BaseModel):
    merchant: str
    figures: MerchantFigures
    history: list[MerchantDayOut]
    head_time: int | None = Field(description="The chain time the figures refer to")


class SupplierFigures(BaseModel):
    batches: int
    units_committed: int
    units_revoked: int
    units_delivered: int
    disputes: int = Field(description="Deliveries disputed")
    bad_keys: int = Field(description="Deliveries a verifier attested invalid or redeemed")
    misdeliveries: int = Field(description="Deliveries proven not as committed")
    dispute_bps: int | None
    bad_key_bps: int | None


class SupplierMerchant(SupplierFigures):
    merchant: str


class SupplierDayOut(BaseModel):
    date: str
    delivered: int
    disputed: int
    bad_keys: int
    misdeliveries: int


class SupplierProfile(BaseModel):
    supplier: str = Field(description="The batch tag, bytes32 hex")
    name: str | None = Field(description="The tag as text, when it is text")
    figures: SupplierFigures = Field(description="Over every merchant using the tag")
    merchants: list[SupplierMerchant]
    history: list[SupplierDayOut] = Field(description="By day of delivery")
    head_time: int | None
