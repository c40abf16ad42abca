"""Stream tickets (times are Unix seconds of the server's clock)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from api.base import Base


class StreamTicket(Base):
    """A short-lived ticket that opens notification streams for one session's address: for an
    EventSource, which cannot send an Authorization header. Only its SHA-256 is stored, and the
    session's (a signed-out session's tickets open nothing)."""

    __tablename__ = "api_stream_tickets"

    ticket_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(42))
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
