"""The verifier's storage: every decision (SQLite, one row per order and delivery), so that a
repeated check is answered from it and supplier quality can be scored (`suppliers`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from fairkey.issuers.adapter import IssuerAnswer

UNAVAILABLE = "unavailable"  # the answer recorded when the issuer gave none within the budget


class Base(DeclarativeBase):
    pass


class KeyCheck(Base):
    __tablename__ = "key_checks"
    __table_args__ = (UniqueConstraint("order_ref", "delivery_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_ref: Mapped[str] = mapped_column(String(42), index=True)  # ids are 160-bit
    delivery_no: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(66))
    supplier: Mapped[str] = mapped_column(String(64), index=True)
    answer: Mapped[str] = mapped_column(String(16))  # IssuerAnswer value or "unavailable"
    attempts: Mapped[int] = mapped_column(Integer)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DecisionStore:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, connect_args={"check_same_thread": False})
        Base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def at(cls, path: str | Path) -> DecisionStore:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{path}")

    def get(self, ref: str, delivery_no: int) -> KeyCheck | None:
        with self.sessions() as s:
            return s.scalar(
                select(KeyCheck).where(
                    KeyCheck.order_ref == ref, KeyCheck.delivery_no == delivery_no
                )
            )

    def save(self, row: KeyCheck) -> KeyCheck:
        with self.sessions() as s, s.begin():
            merged = s.merge(row)
        return merged

    def suppliers(self) -> list[dict[str, Any]]:
        with self.sessions() as s:
            rows = s.execute(
                select(KeyCheck.supplier, KeyCheck.answer, func.count()).group_by(
                    KeyCheck.supplier, KeyCheck.answer
                )
            ).all()
        table: dict[str, dict[str, Any]] = {}
        for supplier, answer, count in rows:
            entry = table.setdefault(
                supplier,
                {"supplier": supplier, "checks": 0}
                | {a.value: 0 for a in IssuerAnswer}
                | {UNAVAILABLE: 0},
            )
            entry["checks"] += count
            entry[answer] = entry.get(answer, 0) + count
        return [table[k] for k in sorted(table)]

    def close(self) -> None:
        self.engine.dispose()
