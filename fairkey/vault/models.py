"""SQLAlchemy models of the merchant's key vault (one SQLite file per merchant)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Bumped when the table layout changes; a vault written by another layout is refused on open.
SCHEMA_VERSION = 2  # 2: batches.merchant (leaves bind the merchant)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite keeps no time zone: store UTC, hand back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class UnitState(enum.StrEnum):
    """Life cycle of one card key in the vault."""

    unsold = "unsold"
    assigned = "assigned"  # chosen for an order, delivery transaction may or may not be sent
    delivered = "delivered"
    revoked = "revoked"
    # The escrow refuses the unit itself (its bit is used, its key is in the fingerprint registry
    # from an older batch, its batch is exhausted): never deliverable, never on sale again.
    dead = "dead"


class BatchState(enum.StrEnum):
    draft = "draft"  # imported locally, not (yet) posted on chain
    committed = "committed"
    # Revoke asked, but the chain kept some units on sale: the units paid orders still rely on
    # (`revokeBatch` releases at most the listing's stockAvailable). Those stay deliverable, and
    # a key of an order refunded before delivery goes back on sale, as on chain; `stock revoke`
    # again withdraws the rest once nothing relies on them.
    revoking = "revoking"
    revoked = "revoked"

    @property
    def deliverable(self) -> bool:
        """Committed on chain, and units of it may still be delivered."""
        return self in (BatchState.committed, BatchState.revoking)


def _enum_column(cls: type[enum.Enum]) -> Enum:
    # Stored as plain strings (no CHECK/native type) so a raw look at the file stays readable.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    pass


class VaultMeta(Base):
    """Single row: what is needed to re-derive the encryption key from the passphrase."""

    __tablename__ = "vault_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schema_version: Mapped[int] = mapped_column(Integer)
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_n: Mapped[int] = mapped_column(Integer)
    kdf_r: Mapped[int] = mapped_column(Integer)
    kdf_p: Mapped[int] = mapped_column(Integer)
    key_check: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Batch(Base):
    """One imported stock file; on chain it becomes (listingId, root, count)."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int | None] = mapped_column(Integer, index=True)
    supplier: Mapped[str] = mapped_column(String(200))
    # The account whose tree this is: leaves bind the merchant (docs/protocol.md, "leaf").
    merchant: Mapped[str | None] = mapped_column(String(42))
    root: Mapped[str | None] = mapped_column(String(64), unique=True)
    count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    committed_tx: Mapped[str | None] = mapped_column(String(66))
    state: Mapped[BatchState] = mapped_column(_enum_column(BatchState), default=BatchState.draft)

    units: Mapped[list[Unit]] = relationship(back_populates="batch", order_by="Unit.index")


class Unit(Base):
    """One card key, encrypted at rest; commitment and fingerprint are public data."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("batch_id", "unit_index", name="uq_units_batch_index"),
        # Picking "lowest unsold unit of a batch" must not scan the table.
        Index("ix_units_batch_state_index", "batch_id", "state", "unit_index"),
        # One unit per (order, delivery number), enforced by the database itself so even a
        # buggy second process cannot hand one delivery two keys.
        Index(
            "uq_units_order_delivery",
            "order_id",
            "delivery_no",
            unique=True,
            sqlite_where=text("order_id IS NOT NULL"),
        ),
        Index("ix_units_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    # "index" is an SQL keyword; keep the Python name, use a plain column name.
    index: Mapped[int] = mapped_column("unit_index", Integer)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    commitment: Mapped[str] = mapped_column(String(64))
    # nonce (12 bytes) || AES-256-GCM ciphertext+tag of the plaintext P = salt || key
    encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[UnitState] = mapped_column(_enum_column(UnitState), default=UnitState.unsold)
    # Order ids are 160-bit (the per-order key's address): 40 lowercase hex digits, no 0x.
    order_id: Mapped[str | None] = mapped_column(String(40))
    # 0 = the order's first key, 1.. = replacements (the escrow's deliveryNo).
    delivery_no: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="units")
