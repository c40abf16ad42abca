"""Baskets and batch refusals: `orders.basket_id` (the payBasket an order was paid in, NULL for a
single pay) and `batch_refusals` (the orders deliverMany / confirmMany / settleMany skipped).

Existing rows get basket_id NULL, which is right for every index that has no BasketPaid rows in
raw_logs yet (the escrow's batch calls arrived with this revision). An index that an older
indexer ran against an escrow with batch calls needs one `fairkey index reindex`.

Revision ID: 0003_baskets
Revises: 0002_reputation
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_baskets"
down_revision: str | None = "0002_reputation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("basket_id", sa.String(length=42), nullable=True))
        batch.create_index(batch.f("ix_orders_basket_id"), ["basket_id"], unique=False)
    op.create_table(
        "batch_refusals",
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=42), nullable=False),
        sa.Column("merchant", sa.String(length=42), nullable=True),
        sa.Column("error", sa.String(length=64), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index", name=op.f("pk_batch_refusals")),
    )
    op.create_index(
        op.f("ix_batch_refusals_order_id"), "batch_refusals", ["order_id"], unique=False
    )
    op.create_index(
        op.f("ix_batch_refusals_merchant"), "batch_refusals", ["merchant"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_batch_refusals_merchant"), table_name="batch_refusals")
    op.drop_index(op.f("ix_batch_refusals_order_id"), table_name="batch_refusals")
    op.drop_table("batch_refusals")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index(batch.f("ix_orders_basket_id"))
        batch.drop_column("basket_id")
