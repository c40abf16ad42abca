"""The platform's figures (indexer/projections/platform.py, tiers.py, alerts.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TierOut(BaseModel):
    tier: str = Field(description="L1 by rule, L2 by the merchant's answer, L3 by the court")
    cases: int
    share_bps: int | None = Field(description="Of all settled after-sales cases")
    median_s: int | None = Field(description="Handling time, case opened to resolved")
    p95_s: int | None
    avg_s: int | None


class AlertOut(BaseModel):
    listing_id: int
    kind: str
    since: str = Field(description="First UTC day the rule held (YYYY-MM-DD)")
    until: str | None = Field(description="First day it no longer held; None: it holds now")
    active: bool
    rate_bps: int = Field(description="The after-sales rate on its first day")
    baseline_bps: int
    peak_rate_bps: int
    delivered: int
    disputed: int


class PlatformOut(BaseModel):
    orders: int
    open: int
    settled: int
    completed: int
    refunded: int
    split: int
    cases: int = Field(description="Settled after-sales cases")
    tiers: list[TierOut]
    faults_supplier: int = Field(description="Keys a verifier attested bad at the issuer")
    faults_merchant: int = Field(description="Refunds for a proven merchant fault")
    supplier_fault_share_bps: int | None = Field(description="Suppliers' share of those faults")
    alerts: list[AlertOut] = Field(description="Newest first; `active` ones hold today")
    head_block: int | None
    head_time: int | None
