"""One row per description document, keyed by its hash (several listings may share one)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.base import Base


class ListingDocument(Base):
    __tablename__ = "api_listing_documents"

    description_hash: Mapped[str] = mapped_column(String(66), primary_key=True)  # 0x + keccak
    document: Mapped[str] = mapped_column(Text)  # the canonical JSON (listing_meta.canonical)
    title_fold: Mapped[str] = mapped_column(String(480), index=True)  # casefolded, for search
    size: Mapped[int] = mapped_column(Integer)
    first_listing: Mapped[int] = mapped_column(BigInteger)  # the listing it was published for
    stored_at: Mapped[int] = mapped_column(BigInteger)
