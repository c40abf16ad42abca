"""The derived tables: SQLAlchemy models on the indexer's one `Base`.

Every row is a pure function of the canonical `raw_logs` and the indexed head, keyed by natural
keys (no surrogate ids), so a live table and a fresh `rebuild` compare equal row for row.
Conventions: addresses are 0x + 40 lowercase hex (String(42)), bytes32 values 0x + 64 hex
(String(66)), token amounts `Uint256`, times unix seconds of the block, rates basis points
(integers, rounded down). Status, cause and reason columns hold the Solidity enum names
(`contracts/types/EscrowTypes.sol`).

The court's own tables (cases, rounds, votes, evidence, timelines, jurors) are in
court_models.py, keyed by (court, case_id): the `arbitration_cases` key (arbitrator, dispute_id)
of the escrow's cases there.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from indexer.base import Base
from indexer.types import Uint256

ADDRESS = String(42)
BYTES32 = String(66)
NAME = String(24)


class ProjectionState(Base):
    """What the derived figures refer to: the head they were computed at and the UTC day the
    7-/30-day windows end on (a new day recomputes every listing's windows)."""

    __tablename__ = "projection_state"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class StockBatch(Base):
    """One committed batch (StockCommitted), with the units later revoked (StockRevoked)."""

    __tablename__ = "stock_batches"
    root: Mapped[str] = mapped_column(BYTES32, primary_key=True)
    listing_id: Mapped[int] = mapped_column(BigInteger, index=True)
    merchant: Mapped[str] = mapped_column(ADDRESS)
    supplier: Mapped[str] = mapped_column(BYTES32)
    units: Mapped[int] = mapped_column(Integer)
    revoked: Mapped[int] = mapped_column(Integer)
    bond: Mapped[int] = mapped_column(Uint256)
    committed_block: Mapped[int] = mapped_column(BigInteger)
    committed_time: Mapped[int] = mapped_column(BigInteger)
    committed_tx: Mapped[str] = mapped_column(BYTES32)

    __table_args__ = (Index(None, "merchant", "supplier"),)


class OrderRow(Base):
    """One order as the chain says it is now, with the facts of its history."""

    __tablename__ = "orders"
    order_id: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    listing_id: Mapped[int] = mapped_column(BigInteger, index=True)
    merchant: Mapped[str] = mapped_column(ADDRESS)
    buyer: Mapped[str] = mapped_column(ADDRESS, index=True)
    token: Mapped[str] = mapped_column(ADDRESS)
    price: Mapped[int] = mapped_column(Uint256)
    status: Mapped[str] = mapped_column(NAME, index=True)
    deadline: Mapped[int | None] = mapped_column(BigInteger)  # end of the current phase
    paid_block: Mapped[int] = mapped_column(BigInteger)
    paid_time: Mapped[int] = mapped_column(BigInteger)
    paid_tx: Mapped[str] = mapped_column(BYTES32)
    # The basket (payBasket) it was paid in: its first order's id; NULL for a single `pay`.
    basket_id: Mapped[str | None] = mapped_column(ADDRESS, index=True)
    delivery_deadline: Mapped[int] = mapped_column(BigInteger)
    deliveries: Mapped[int] = mapped_column(Integer)
    first_delivered_time: Mapped[int | None] = mapped_column(BigInteger)
    last_delivered_time: Mapped[int | None] = mapped_column(BigInteger)
    latency_s: Mapped[int | None] = mapped_column(BigInteger)  # paid -> first key delivered
    root: Mapped[str | None] = mapped_column(BYTES32)  # batch of the current delivery
    supplier: Mapped[str | None] = mapped_column(BYTES32)  # its supplier tag
    disputes: Mapped[int] = mapped_column(Integer)
    first_disputed_time: Mapped[int | None] = mapped_column(BigInteger)
    last_disputed_time: Mapped[int | None] = mapped_column(BigInteger)
    dispute_reason: Mapped[str | None] = mapped_column(NAME)  # of the latest dispute
    dispute_withdrawn: Mapped[bool] = mapped_column(Boolean)
    # withdrawn, ruled for the merchant, or paid after a VALID verdict stood
    dispute_lost: Mapped[bool] = mapped_column(Boolean)
    attestations: Mapped[int] = mapped_column(Integer)  # verifier verdicts "bad key" (1, 2)
    # latest verdict (1 invalid, 2 redeemed, 3 valid: only an escrow with Verdicts.VALID emits 3)
    verdict: Mapped[int | None] = mapped_column(Integer)
    misdelivery_fault: Mapped[int | None] = mapped_column(Integer)
    arbitrator: Mapped[str | None] = mapped_column(ADDRESS)
    dispute_id: Mapped[int | None] = mapped_column(Uint256)
    ruling: Mapped[int | None] = mapped_column(Integer)
    resolved_block: Mapped[int | None] = mapped_column(BigInteger)
    resolved_time: Mapped[int | None] = mapped_column(BigInteger)
    resolved_tx: Mapped[str | None] = mapped_column(BYTES32)
    cause: Mapped[str | None] = mapped_column(NAME)  # CompletionCause / RefundCause / split kind
    tier: Mapped[int | None] = mapped_column(Integer)  # 1, 2, 3; NULL: no after-sales case
    case_opened_time: Mapped[int | None] = mapped_column(BigInteger)
    handling_s: Mapped[int | None] = mapped_column(BigInteger)
    buyer_amount: Mapped[int | None] = mapped_column(Uint256)
    merchant_amount: Mapped[int | None] = mapped_column(Uint256)
    fee: Mapped[int | None] = mapped_column(Uint256)
    compensation: Mapped[int | None] = mapped_column(Uint256)
    last_block: Mapped[int] = mapped_column(BigInteger)
    last_log_index: Mapped[int] = mapped_column(Integer)

    # Medians of handling time by merchant and tier, and platform-wide by tier, are read off
    # these indexes (ORDER BY ... OFFSET), never fetched.
    __table_args__ = (
        Index(None, "merchant", "tier", "handling_s"),
        Index(None, "tier", "handling_s"),
    )


class OrderEvent(Base):
    """The order's timeline: every event about it, with the status the chain had right after."""

    __tablename__ = "order_events"
    order_id: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_time: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(BYTES32)
    event: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(NAME)
    detail: Mapped[str | None] = mapped_column(String(40))  # reason, cause, verdict, ruling, ...
    deadline: Mapped[int | None] = mapped_column(BigInteger)  # the phase deadline it set


class OrderDelivery(Base):
    """One delivered unit (first key or replacement), with what happened while it was current."""

    __tablename__ = "order_deliveries"
    order_id: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    delivery_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(BigInteger)
    merchant: Mapped[str] = mapped_column(ADDRESS)
    supplier: Mapped[str | None] = mapped_column(BYTES32)
    root: Mapped[str] = mapped_column(BYTES32)
    unit_index: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[str] = mapped_column(BYTES32)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_time: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(BYTES32)
    disputed: Mapped[bool] = mapped_column(Boolean)
    verdict: Mapped[int | None] = mapped_column(Integer)  # 1 invalid, 2 redeemed, 3 valid
    misdelivery_fault: Mapped[int | None] = mapped_column(Integer)
    replaced: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index(None, "merchant", "supplier"),)


class BatchRefusal(Base):
    """An order a batch call (deliverMany, confirmMany, settleMany) skipped, with the custom
    error the single call would have reverted with (see projections/refusals.py)."""

    __tablename__ = "batch_refusals"
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(ADDRESS, index=True)
    merchant: Mapped[str | None] = mapped_column(ADDRESS, index=True)  # NULL: order not indexed
    error: Mapped[str] = mapped_column(String(64))  # e.g. EscrowUnexpectedStatus
    block_time: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(BYTES32)


class ListingRow(Base):
    """A listing's terms and figures. `*_7d`/`*_30d` windows: see projections/listings.py."""

    __tablename__ = "listings"
    listing_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    merchant: Mapped[str] = mapped_column(ADDRESS, index=True)
    token: Mapped[str] = mapped_column(ADDRESS)
    price: Mapped[int] = mapped_column(Uint256)
    active: Mapped[bool] = mapped_column(Boolean)
    bond_per_unit: Mapped[int] = mapped_column(Uint256)
    dispute_bond: Mapped[int] = mapped_column(Uint256)
    delivery_window: Mapped[int] = mapped_column(Integer)
    confirm_window: Mapped[int] = mapped_column(Integer)
    response_window: Mapped[int] = mapped_column(Integer)
    appeal_window: Mapped[int] = mapped_column(Integer)
    max_replacements: Mapped[int] = mapped_column(Integer)
    verifier: Mapped[str] = mapped_column(ADDRESS)
    description_hash: Mapped[str] = mapped_column(BYTES32)
    created_block: Mapped[int] = mapped_column(BigInteger)
    created_time: Mapped[int] = mapped_column(BigInteger)
    batches: Mapped[int] = mapped_column(Integer)
    units_committed: Mapped[int] = mapped_column(Integer)
    units_revoked: Mapped[int] = mapped_column(Integer)
    units_delivered: Mapped[int] = mapped_column(Integer)
    stock_available: Mapped[int] = mapped_column(Integer)
    sales: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    settled: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    refunded: Mapped[int] = mapped_column(Integer)
    split: Mapped[int] = mapped_column(Integer)
    disputed: Mapped[int] = mapped_column(Integer)
    sales_7d: Mapped[int] = mapped_column(Integer)
    settled_7d: Mapped[int] = mapped_column(Integer)
    completed_7d: Mapped[int] = mapped_column(Integer)
    success_7d_bps: Mapped[int | None] = mapped_column(Integer)
    sales_30d: Mapped[int] = mapped_column(Integer)
    settled_30d: Mapped[int] = mapped_column(Integer)
    completed_30d: Mapped[int] = mapped_column(Integer)
    success_30d_bps: Mapped[int | None] = mapped_column(Integer)
    latency_samples_30d: Mapped[int] = mapped_column(Integer)
    latency_p50_s: Mapped[int | None] = mapped_column(BigInteger)
    latency_p95_s: Mapped[int | None] = mapped_column(BigInteger)
    delivered_7d: Mapped[int] = mapped_column(Integer)
    disputed_7d: Mapped[int] = mapped_column(Integer)
    after_sales_7d_bps: Mapped[int | None] = mapped_column(Integer)
    baseline_delivered: Mapped[int] = mapped_column(Integer)
    baseline_disputed: Mapped[int] = mapped_column(Integer)
    baseline_after_sales_bps: Mapped[int | None] = mapped_column(Integer)


class ListingAlert(Base):
    """An episode of a listing's after-sales rate jumping (rule: projections/alerts.py)."""

    __tablename__ = "listing_alerts"
    listing_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(NAME, primary_key=True)
    since_day: Mapped[date] = mapped_column(Date, primary_key=True)
    until_day: Mapped[date | None] = mapped_column(Date)  # first day it no longer held; NULL: on
    delivered: Mapped[int] = mapped_column(Integer)  # the figures on since_day
    disputed: Mapped[int] = mapped_column(Integer)
    rate_bps: Mapped[int] = mapped_column(Integer)
    baseline_delivered: Mapped[int] = mapped_column(Integer)
    baseline_disputed: Mapped[int] = mapped_column(Integer)
    baseline_bps: Mapped[int] = mapped_column(Integer)
    peak_rate_bps: Mapped[int] = mapped_column(Integer)


class MerchantRow(Base):
    """A merchant's record over settled escrow orders (see projections/merchants.py)."""

    __tablename__ = "merchants"
    merchant: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    listings: Mapped[int] = mapped_column(Integer)
    orders: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    settled: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    refunded: Mapped[int] = mapped_column(Integer)
    split: Mapped[int] = mapped_column(Integer)
    completion_bps: Mapped[int | None] = mapped_column(Integer)
    disputed: Mapped[int] = mapped_column(Integer)
    dispute_bps: Mapped[int | None] = mapped_column(Integer)
    faults_misdelivery: Mapped[int] = mapped_column(Integer)
    faults_late: Mapped[int] = mapped_column(Integer)
    faults_silent: Mapped[int] = mapped_column(Integer)
    faults_proven: Mapped[int] = mapped_column(Integer)
    l1_cases: Mapped[int] = mapped_column(Integer)
    l1_median_s: Mapped[int | None] = mapped_column(BigInteger)
    l2_cases: Mapped[int] = mapped_column(Integer)
    l2_median_s: Mapped[int | None] = mapped_column(BigInteger)
    l3_cases: Mapped[int] = mapped_column(Integer)
    l3_median_s: Mapped[int | None] = mapped_column(BigInteger)
    score_bps: Mapped[int] = mapped_column(Integer)  # Wilson lower bound of completed/settled


class BuyerRow(Base):
    """A buyer's record as merchants see it (disputes lost are a fraud signal)."""

    __tablename__ = "buyers"
    buyer: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    refunded: Mapped[int] = mapped_column(Integer)
    split: Mapped[int] = mapped_column(Integer)
    disputes_opened: Mapped[int] = mapped_column(Integer)
    disputed_orders: Mapped[int] = mapped_column(Integer)
    disputes_lost: Mapped[int] = mapped_column(Integer)
    refunds_won: Mapped[int] = mapped_column(Integer)
    misdeliveries_proven: Mapped[int] = mapped_column(Integer)


class SupplierRow(Base):
    """Units from one supplier tag of one merchant, and what went wrong with them."""

    __tablename__ = "suppliers"
    merchant: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    supplier: Mapped[str] = mapped_column(BYTES32, primary_key=True)
    batches: Mapped[int] = mapped_column(Integer)
    units_committed: Mapped[int] = mapped_column(Integer)
    units_revoked: Mapped[int] = mapped_column(Integer)
    units_delivered: Mapped[int] = mapped_column(Integer)
    disputes: Mapped[int] = mapped_column(Integer)  # deliveries disputed
    bad_keys: Mapped[int] = mapped_column(Integer)  # deliveries a verifier attested bad
    misdeliveries: Mapped[int] = mapped_column(Integer)  # deliveries proven not as committed


class ArbitrationCase(Base):
    """A court case opened by ArbitrationRequested, and how it ended."""

    __tablename__ = "arbitration_cases"
    arbitrator: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(Uint256, primary_key=True)
    order_id: Mapped[str] = mapped_column(ADDRESS, index=True)
    listing_id: Mapped[int] = mapped_column(BigInteger)
    merchant: Mapped[str] = mapped_column(ADDRESS)
    buyer: Mapped[str] = mapped_column(ADDRESS)
    requester: Mapped[str] = mapped_column(ADDRESS)
    requested_block: Mapped[int] = mapped_column(BigInteger)
    requested_time: Mapped[int] = mapped_column(BigInteger)
    requested_tx: Mapped[str] = mapped_column(BYTES32)
    timeout_at: Mapped[int] = mapped_column(BigInteger)
    ruling: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(NAME)  # Ruling | ArbitrationTimeout | Misdelivery
    resolved_block: Mapped[int | None] = mapped_column(BigInteger)
    resolved_time: Mapped[int | None] = mapped_column(BigInteger)
    time_to_ruling_s: Mapped[int | None] = mapped_column(BigInteger)


class ArbitratorRow(Base):
    """Per arbitrator contract: the escrow's cases there, rulings and time to ruling (from the
    escrow's events), and for a court its own figures (from the court's events, arbitrators.py).
    The court columns are 0 (coherence NULL) for an arbitrator that is not a Court."""

    __tablename__ = "arbitrators"
    arbitrator: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)
    open: Mapped[int] = mapped_column(Integer)
    ruled: Mapped[int] = mapped_column(Integer)
    refund_rulings: Mapped[int] = mapped_column(Integer)
    pay_rulings: Mapped[int] = mapped_column(Integer)
    split_rulings: Mapped[int] = mapped_column(Integer)
    timed_out: Mapped[int] = mapped_column(Integer)
    ended_by_proof: Mapped[int] = mapped_column(Integer)
    ruling_median_s: Mapped[int | None] = mapped_column(BigInteger)
    ruling_avg_s: Mapped[int | None] = mapped_column(BigInteger)
    court_cases: Mapped[int] = mapped_column(Integer, server_default="0")  # any arbitrable's
    executions_refused: Mapped[int] = mapped_column(Integer, server_default="0")
    appeals: Mapped[int] = mapped_column(Integer, server_default="0")  # rounds after the first
    aborted_rounds: Mapped[int] = mapped_column(Integer, server_default="0")
    jurors: Mapped[int] = mapped_column(Integer, server_default="0")  # in the pool now
    jurors_seated: Mapped[int] = mapped_column(Integer, server_default="0")  # ever drawn
    seats_judged: Mapped[int] = mapped_column(Integer, server_default="0")
    seats_coherent: Mapped[int] = mapped_column(Integer, server_default="0")
    coherence_bps: Mapped[int | None] = mapped_column(Integer)


class PlatformStat(Base):
    """Platform dashboard figures as name -> integer (see projections/platform.py)."""

    __tablename__ = "platform_stats"
    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[int | None] = mapped_column(BigInteger)


DERIVED_MODELS = [
    ProjectionState,
    StockBatch,
    OrderRow,
    OrderEvent,
    OrderDelivery,
    BatchRefusal,
    ListingRow,
    ListingAlert,
    MerchantRow,
    BuyerRow,
    SupplierRow,
    ArbitrationCase,
    ArbitratorRow,
    PlatformStat,
]
