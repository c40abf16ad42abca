"""Core tables: raw_logs (the canonical escrow log), blocks (recent hashes), index_cursor.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "raw_logs",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("name", sa.String(40), nullable=True),
        sa.Column("order_id", sa.String(42), nullable=True),
        sa.Column("listing_id", sa.BigInteger(), nullable=True),
        sa.Column("args", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_logs")),
        sa.UniqueConstraint("chain_id", "block_hash", "log_index", name="uq_raw_logs_block_log"),
    )
    op.create_index(
        "ix_raw_logs_position", "raw_logs", ["chain_id", "address", "block_number", "log_index"]
    )
    op.create_index(op.f("ix_raw_logs_name"), "raw_logs", ["name"])
    op.create_index(op.f("ix_raw_logs_order_id"), "raw_logs", ["order_id"])
    op.create_index(op.f("ix_raw_logs_listing_id"), "raw_logs", ["listing_id"])
    op.create_index(
        "ix_raw_logs_listing_name",
        "raw_logs",
        ["listing_id", "name", "block_number", "log_index"],
    )

    op.create_table(
        "blocks",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(66), nullable=False),
        sa.Column("parent_hash", sa.String(66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "number", name=op.f("pk_blocks")),
    )

    op.create_table(
        "index_cursor",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("start_block", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=True),
        sa.Column("block_time", sa.BigInteger(), nullable=True),
        sa.Column("finalized_block", sa.BigInteger(), nullable=False),
        sa.Column("reorgs", sa.Integer(), nullable=False),
        sa.Column("last_reorg_ancestor", sa.BigInteger(), nullable=True),
        sa.Column("last_reorg_depth", sa.Integer(), nullable=True),
        sa.Column("last_reorg_at", sa.BigInteger(), nullable=True),
        sa.Column("halted", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("chain_id", "address", name=op.f("pk_index_cursor")),
    )


def downgrade() -> None:
    op.drop_table("index_cursor")
    op.drop_table("blocks")
    op.drop_index("ix_raw_logs_listing_name", table_name="raw_logs")
    op.drop_index(op.f("ix_raw_logs_listing_id"), table_name="raw_logs")
    op.drop_index(op.f("ix_raw_logs_order_id"), table_name="raw_logs")
    op.drop_index(op.f("ix_raw_logs_name"), table_name="raw_logs")
    op.drop_index("ix_raw_logs_position", table_name="raw_logs")
    op.drop_table("raw_logs")
