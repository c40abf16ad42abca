"""Core tables: the canonical log of the escrow and its courts (`raw_logs`), recent block hashes
for reorg detection (`blocks`) and where indexing stands (`index_cursor`). Derived tables live in
`projections/`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from indexer.base import Base

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
_ID = BigInteger().with_variant(Integer, "sqlite")


class RawLog(Base):
    """One row per canonical log of the escrow and of every court it named (`sources.py`);
    orphaned rows are deleted on a reorg.

    Canonical order is (block_number, log_index). `args` is the decoded event as JSON (see
    `decode.py` for the exact format); `order_id` is the orderId as a 0x address, `listing_id`
    the listingId, `case_id` a court event's caseId and `juror` its juror, when the event has them.
    """

    __tablename__ = "raw_logs"
    __table_args__ = (
        UniqueConstraint("chain_id", "block_hash", "log_index", name="uq_raw_logs_block_log"),
        Index("ix_raw_logs_position", "chain_id", "address", "block_number", "log_index"),
        # A listing's latest event of one kind (its current price) without scanning its rows.
        Index("ix_raw_logs_listing_name", "listing_id", "name", "block_number", "log_index"),
        # A court case's events, a juror's stakes and seats.
        Index("ix_raw_logs_address_case_id", "address", "case_id"),
        Index("ix_raw_logs_address_juror", "address", "juror"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))
    block_time: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))
    tx_index: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(42))
    topics: Mapped[str] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(40), index=True)
    order_id: Mapped[str | None] = mapped_column(String(42), index=True)
    listing_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger)
    juror: Mapped[str | None] = mapped_column(String(42))
    args: Mapped[str] = mapped_column(Text)


class Block(Base):
    """Hashes of the blocks not yet final (and the final anchor): what a reorg is checked
    against. Rows below the finalized block are pruned."""

    __tablename__ = "blocks"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(String(66))
    parent_hash: Mapped[str] = mapped_column(String(66))
    timestamp: Mapped[int] = mapped_column(BigInteger)


class IndexCursor(Base):
    """How far one escrow is indexed, committed in the same transaction as the data."""

    __tablename__ = "index_cursor"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    start_block: Mapped[int] = mapped_column(BigInteger)
    block_number: Mapped[int] = mapped_column(BigInteger)  # last indexed block (start - 1: none)
    block_hash: Mapped[str | None] = mapped_column(String(66))
    block_time: Mapped[int | None] = mapped_column(BigInteger)
    finalized_block: Mapped[int] = mapped_column(BigInteger)  # highest block taken as final
    reorgs: Mapped[int] = mapped_column(Integer, default=0)
    last_reorg_ancestor: Mapped[int | None] = mapped_column(BigInteger)
    last_reorg_depth: Mapped[int | None] = mapped_column(Integer)
    last_reorg_at: Mapped[int | None] = mapped_column(BigInteger)  # wall clock, unix seconds
    halted: Mapped[str | None] = mapped_column(Text)  # why the indexer refuses to go on
    updated_at: Mapped[int | None] = mapped_column(BigInteger)  # wall clock, unix seconds
