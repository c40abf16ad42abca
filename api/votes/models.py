"""Votes received for relaying: one commit and one reveal per (case, round, seat), each marked
with the transaction that carried it once the relayer sent it, and with the court's reason when
the court refused it (`refused_reason`; added after the first release, so nullable: api/db.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.base import ID, Base

REASON_LENGTH = 500


class PendingCommit(Base):
    __tablename__ = "api_commits"
    __table_args__ = (UniqueConstraint("case_id", "round", "seat"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[int] = mapped_column(SmallInteger)
    seat: Mapped[int] = mapped_column(Integer)
    juror: Mapped[str] = mapped_column(String(42), index=True)
    commit_hash: Mapped[str] = mapped_column(String(66))
    deadline: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[str] = mapped_column(String(132))
    received_at: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    refused_reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH), nullable=True)


class PendingReveal(Base):
    __tablename__ = "api_reveals"
    __table_args__ = (UniqueConstraint("case_id", "round", "seat"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigInteger)
    round: Mapped[int] = mapped_column(SmallInteger)
    seat: Mapped[int] = mapped_column(Integer)
    juror: Mapped[str] = mapped_column(String(42), index=True)
    choice: Mapped[int] = mapped_column(SmallInteger)
    salt: Mapped[str] = mapped_column(String(66))
    received_at: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    refused_reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH), nullable=True)
