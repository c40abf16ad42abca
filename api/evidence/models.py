"""Evidence metadata: one row per (case, content). The bytes live in the blob store
(storage.py) under their keccak256, once however many cases cite them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.base import ID, Base


class EvidenceFile(Base):
    __tablename__ = "api_evidence"
    __table_args__ = (UniqueConstraint("case_id", "content_hash"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigInteger, index=True)
    content_hash: Mapped[str] = mapped_column(String(66))  # 0x + keccak256, lower-case hex
    uploader: Mapped[str] = mapped_column(String(42))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
