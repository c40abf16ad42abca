"""Derived reputation tables (indexer/projections/models.py): orders and their timelines,
deliveries, stock batches, listings and alerts, merchants, buyers, suppliers, court cases,
arbitrators, platform figures and the projection state. All rebuildable from raw_logs.

Revision ID: 0002_reputation
Revises: 0001_core
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from indexer.types import Uint256

revision: str = "0002_reputation"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "arbitration_cases",
        sa.Column("arbitrator", sa.String(length=42), nullable=False),
        sa.Column("dispute_id", Uint256(), nullable=False),
        sa.Column("order_id", sa.String(length=42), nullable=False),
        sa.Column("listing_id", sa.BigInteger(), nullable=False),
        sa.Column("merchant", sa.String(length=42), nullable=False),
        sa.Column("buyer", sa.String(length=42), nullable=False),
        sa.Column("requester", sa.String(length=42), nullable=False),
        sa.Column("requested_block", sa.BigInteger(), nullable=False),
        sa.Column("requested_time", sa.BigInteger(), nullable=False),
        sa.Column("requested_tx", sa.String(length=66), nullable=False),
        sa.Column("timeout_at", sa.BigInteger(), nullable=False),
        sa.Column("ruling", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("resolved_block", sa.BigInteger(), nullable=True),
        sa.Column("resolved_time", sa.BigInteger(), nullable=True),
        sa.Column("time_to_ruling_s", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("arbitrator", "dispute_id", name=op.f("pk_arbitration_cases")),
    )
    op.create_index(
        op.f("ix_arbitration_cases_order_id"), "arbitration_cases", ["order_id"], unique=False
    )
    op.create_table(
        "arbitrators",
        sa.Column("arbitrator", sa.String(length=42), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("ruled", sa.Integer(), nullable=False),
        sa.Column("refund_rulings", sa.Integer(), nullable=False),
        sa.Column("pay_rulings", sa.Integer(), nullable=False),
        sa.Column("split_rulings", sa.Integer(), nullable=False),
        sa.Column("timed_out", sa.Integer(), nullable=False),
        sa.Column("ended_by_proof", sa.Integer(), nullable=False),
        sa.Column("ruling_median_s", sa.BigInteger(), nullable=True),
        sa.Column("ruling_avg_s", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("arbitrator", name=op.f("pk_arbitrators")),
    )
    op.create_table(
        "buyers",
        sa.Column("buyer", sa.String(length=42), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("split", sa.Integer(), nullable=False),
        sa.Column("disputes_opened", sa.Integer(), nullable=False),
        sa.Column("disputed_orders", sa.Integer(), nullable=False),
        sa.Column("disputes_lost", sa.Integer(), nullable=False),
        sa.Column("refunds_won", sa.Integer(), nullable=False),
        sa.Column("misdeliveries_proven", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("buyer", name=op.f("pk_buyers")),
    )
    op.create_table(
        "listing_alerts",
        sa.Column("listing_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("since_day", sa.Date(), nullable=False),
        sa.Column("until_day", sa.Date(), nullable=True),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("disputed", sa.Integer(), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),
        sa.Column("baseline_delivered", sa.Integer(), nullable=False),
        sa.Column("baseline_disputed", sa.Integer(), nullable=False),
        sa.Column("baseline_bps", sa.Integer(), nullable=False),
        sa.Column("peak_rate_bps", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("listing_id", "kind", "since_day", name=op.f("pk_listing_alerts")),
    )
    op.create_table(
        "listings",
        sa.Column("listing_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("merchant", sa.String(length=42), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("price", Uint256(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bond_per_unit", Uint256(), nullable=False),
        sa.Column("dispute_bond", Uint256(), nullable=False),
        sa.Column("delivery_window", sa.Integer(), nullable=False),
        sa.Column("confirm_window", sa.Integer(), nullable=False),
        sa.Column("response_window", sa.Integer(), nullable=False),
        sa.Column("appeal_window", sa.Integer(), nullable=False),
        sa.Column("max_replacements", sa.Integer(), nullable=False),
        sa.Column("verifier", sa.String(length=42), nullable=False),
        sa.Column("description_hash", sa.String(length=66), nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("units_committed", sa.Integer(), nullable=False),
        sa.Column("units_revoked", sa.Integer(), nullable=False),
        sa.Column("units_delivered", sa.Integer(), nullable=False),
        sa.Column("stock_available", sa.Integer(), nullable=False),
        sa.Column("sales", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("settled", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("split", sa.Integer(), nullable=False),
        sa.Column("disputed", sa.Integer(), nullable=False),
        sa.Column("sales_7d", sa.Integer(), nullable=False),
        sa.Column("settled_7d", sa.Integer(), nullable=False),
        sa.Column("completed_7d", sa.Integer(), nullable=False),
        sa.Column("success_7d_bps", sa.Integer(), nullable=True),
        sa.Column("sales_30d", sa.Integer(), nullable=False),
        sa.Column("settled_30d", sa.Integer(), nullable=False),
        sa.Column("completed_30d", sa.Integer(), nullable=False),
        sa.Column("success_30d_bps", sa.Integer(), nullable=True),
        sa.Column("latency_samples_30d", sa.Integer(), nullable=False),
        sa.Column("latency_p50_s", sa.BigInteger(), nullable=True),
        sa.Column("latency_p95_s", sa.BigInteger(), nullable=True),
        sa.Column("delivered_7d", sa.Integer(), nullable=False),
        sa.Column("disputed_7d", sa.Integer(), nullable=False),
        sa.Column("after_sales_7d_bps", sa.Integer(), nullable=True),
        sa.Column("baseline_delivered", sa.Integer(), nullable=False),
        sa.Column("baseline_disputed", sa.Integer(), nullable=False),
        sa.Column("baseline_after_sales_bps", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_listings")),
    )
    op.create_index(op.f("ix_listings_merchant"), "listings", ["merchant"], unique=False)
    op.create_table(
        "merchants",
        sa.Column("merchant", sa.String(length=42), nullable=False),
        sa.Column("listings", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("settled", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("refunded", sa.Integer(), nullable=False),
        sa.Column("split", sa.Integer(), nullable=False),
        sa.Column("completion_bps", sa.Integer(), nullable=True),
        sa.Column("disputed", sa.Integer(), nullable=False),
        sa.Column("dispute_bps", sa.Integer(), nullable=True),
        sa.Column("faults_misdelivery", sa.Integer(), nullable=False),
        sa.Column("faults_late", sa.Integer(), nullable=False),
        sa.Column("faults_silent", sa.Integer(), nullable=False),
        sa.Column("faults_proven", sa.Integer(), nullable=False),
        sa.Column("l1_cases", sa.Integer(), nullable=False),
        sa.Column("l1_median_s", sa.BigInteger(), nullable=True),
        sa.Column("l2_cases", sa.Integer(), nullable=False),
        sa.Column("l2_median_s", sa.BigInteger(), nullable=True),
        sa.Column("l3_cases", sa.Integer(), nullable=False),
        sa.Column("l3_median_s", sa.BigInteger(), nullable=True),
        sa.Column("score_bps", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("merchant", name=op.f("pk_merchants")),
    )
    op.create_table(
        "order_deliveries",
        sa.Column("order_id", sa.String(length=42), nullable=False),
        sa.Column("delivery_no", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.BigInteger(), nullable=False),
        sa.Column("merchant", sa.String(length=42), nullable=False),
        sa.Column("supplier", sa.String(length=66), nullable=True),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("unit_index", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.Integer(), nullable=True),
        sa.Column("misdelivery_fault", sa.Integer(), nullable=True),
        sa.Column("replaced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "delivery_no", name=op.f("pk_order_deliveries")),
    )
    op.create_index(
        op.f("ix_order_deliveries_merchant_supplier"),
        "order_deliveries",
        ["merchant", "supplier"],
        unique=False,
    )
    op.create_table(
        "order_events",
        sa.Column("order_id", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=40), nullable=True),
        sa.Column("deadline", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint(
            "order_id", "block_number", "log_index", name=op.f("pk_order_events")
        ),
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(length=42), nullable=False),
        sa.Column("listing_id", sa.BigInteger(), nullable=False),
        sa.Column("merchant", sa.String(length=42), nullable=False),
        sa.Column("buyer", sa.String(length=42), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("price", Uint256(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=True),
        sa.Column("paid_block", sa.BigInteger(), nullable=False),
        sa.Column("paid_time", sa.BigInteger(), nullable=False),
        sa.Column("paid_tx", sa.String(length=66), nullable=False),
        sa.Column("delivery_deadline", sa.BigInteger(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("first_delivered_time", sa.BigInteger(), nullable=True),
        sa.Column("last_delivered_time", sa.BigInteger(), nullable=True),
        sa.Column("latency_s", sa.BigInteger(), nullable=True),
        sa.Column("root", sa.String(length=66), nullable=True),
        sa.Column("supplier", sa.String(length=66), nullable=True),
        sa.Column("disputes", sa.Integer(), nullable=False),
        sa.Column("first_disputed_time", sa.BigInteger(), nullable=True),
        sa.Column("last_disputed_time", sa.BigInteger(), nullable=True),
        sa.Column("dispute_reason", sa.String(length=24), nullable=True),
        sa.Column("dispute_withdrawn", sa.Boolean(), nullable=False),
        sa.Column("dispute_lost", sa.Boolean(), nullable=False),
        sa.Column("attestations", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.Integer(), nullable=True),
        sa.Column("misdelivery_fault", sa.Integer(), nullable=True),
        sa.Column("arbitrator", sa.String(length=42), nullable=True),
        sa.Column("dispute_id", Uint256(), nullable=True),
        sa.Column("ruling", sa.Integer(), nullable=True),
        sa.Column("resolved_block", sa.BigInteger(), nullable=True),
        sa.Column("resolved_time", sa.BigInteger(), nullable=True),
        sa.Column("resolved_tx", sa.String(length=66), nullable=True),
        sa.Column("cause", sa.String(length=24), nullable=True),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("case_opened_time", sa.BigInteger(), nullable=True),
        sa.Column("handling_s", sa.BigInteger(), nullable=True),
        sa.Column("buyer_amount", Uint256(), nullable=True),
        sa.Column("merchant_amount", Uint256(), nullable=True),
        sa.Column("fee", Uint256(), nullable=True),
        sa.Column("compensation", Uint256(), nullable=True),
        sa.Column("last_block", sa.BigInteger(), nullable=False),
        sa.Column("last_log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_buyer"), "orders", ["buyer"], unique=False)
    op.create_index(op.f("ix_orders_listing_id"), "orders", ["listing_id"], unique=False)
    op.create_index(
        op.f("ix_orders_merchant_tier_handling_s"),
        "orders",
        ["merchant", "tier", "handling_s"],
        unique=False,
    )
    op.create_index(op.f("ix_orders_status"), "orders", ["status"], unique=False)
    op.create_index(
        op.f("ix_orders_tier_handling_s"), "orders", ["tier", "handling_s"], unique=False
    )
    op.create_table(
        "platform_stats",
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_platform_stats")),
    )
    op.create_table(
        "projection_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_projection_state")),
    )
    op.create_table(
        "stock_batches",
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("listing_id", sa.BigInteger(), nullable=False),
        sa.Column("merchant", sa.String(length=42), nullable=False),
        sa.Column("supplier", sa.String(length=66), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("revoked", sa.Integer(), nullable=False),
        sa.Column("bond", Uint256(), nullable=False),
        sa.Column("committed_block", sa.BigInteger(), nullable=False),
        sa.Column("committed_time", sa.BigInteger(), nullable=False),
        sa.Column("committed_tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("root", name=op.f("pk_stock_batches")),
    )
    op.create_index(
        op.f("ix_stock_batches_listing_id"), "stock_batches", ["listing_id"], unique=False
    )
    op.create_index(
        op.f("ix_stock_batches_merchant_supplier"),
        "stock_batches",
        ["merchant", "supplier"],
        unique=False,
    )
    op.create_table(
        "suppliers",
        sa.Column("merchant", sa.String(length=42), nullable=False),
        sa.Column("supplier", sa.String(length=66), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("units_committed", sa.Integer(), nullable=False),
        sa.Column("units_revoked", sa.Integer(), nullable=False),
        sa.Column("units_delivered", sa.Integer(), nullable=False),
        sa.Column("disputes", sa.Integer(), nullable=False),
        sa.Column("bad_keys", sa.Integer(), nullable=False),
        sa.Column("misdeliveries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("merchant", "supplier", name=op.f("pk_suppliers")),
    )


def downgrade() -> None:
    op.drop_table("suppliers")
    op.drop_index(op.f("ix_stock_batches_merchant_supplier"), table_name="stock_batches")
    op.drop_index(op.f("ix_stock_batches_listing_id"), table_name="stock_batches")
    op.drop_table("stock_batches")
    op.drop_table("projection_state")
    op.drop_table("platform_stats")
    op.drop_index(op.f("ix_orders_tier_handling_s"), table_name="orders")
    op.drop_index(op.f("ix_orders_status"), table_name="orders")
    op.drop_index(op.f("ix_orders_merchant_tier_handling_s"), table_name="orders")
    op.drop_index(op.f("ix_orders_listing_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_buyer"), table_name="orders")
    op.drop_table("orders")
    op.drop_table("order_events")
    op.drop_index(op.f("ix_order_deliveries_merchant_supplier"), table_name="order_deliveries")
    op.drop_table("order_deliveries")
    op.drop_table("merchants")
    op.drop_index(op.f("ix_listings_merchant"), table_name="listings")
    op.drop_table("listings")
    op.drop_table("listing_alerts")
    op.drop_table("buyers")
    op.drop_table("arbitrators")
    op.drop_index(op.f("ix_arbitration_cases_order_id"), table_name="arbitration_cases")
    op.drop_table("arbitration_cases")
