"""Who may open a notification stream: a signed-in session (bearer header or session cookie), or
a stream ticket bought with one. An EventSource sends cookies but no headers, so a page served
by the API (same origin) streams with its session cookie alone; a client holding a bearer token,
or a page on another origin, first asks `POST /notifications/ticket` and opens
`/notifications/stream?ticket=...`. A ticket opens streams until it expires (`ticket_ttl`: the
EventSource's own reconnects reuse its URL), never longer than its session, and nothing else.
An open stream re-checks its session now and then (`session_check_s`): a sign-out ends it."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select

from api.auth.models import SignInSession
from api.auth.service import _token_hash as token_hash  # one rule for hashing secrets
from api.db import Database
from api.notifications.models import StreamTicket


@dataclass(frozen=True)
class Grant:
    """A stream's right to read `address`'s notifications, while session `session_hash` holds."""

    address: str  # lowercase, as the index stores addresses
    session_hash: str
    expires_at: int  # the session's end


class TicketService:
    def __init__(self, db: Database, clock: Callable[[], float], ttl: int) -> None:
        self.db = db
        self.clock = clock
        self.ttl = ttl

    def _now(self) -> int:
        return int(self.clock())

    def _session(self, tx, session_hash: str, now: int) -> SignInSession | None:
        return tx.scalar(
            select(SignInSession).where(
                SignInSession.token_hash == session_hash,
                SignInSession.revoked_at.is_(None),
                SignInSession.expires_at > now,
            )
        )

    def grant_of_session(self, token: str) -> Grant | None:
        """The grant of a session token (bearer or cookie), None unless it is signed in."""
        now, hashed = self._now(), token_hash(token)
        with self.db.transaction() as tx:
            row = self._session(tx, hashed, now)
            return Grant(row.address.lower(), hashed, row.expires_at) if row else None

    def issue(self, grant: Grant) -> tuple[str, int]:
        """A new ticket for `grant`'s session: (ticket, expires_at)."""
        now = self._now()
        ticket = secrets.token_urlsafe(32)
        expires = min(now + self.ttl, grant.expires_at)
        with self.db.transaction() as tx:
            # Forget tickets nobody can use any more (bounded table without a sweeper).
            tx.execute(delete(StreamTicket).where(StreamTicket.expires_at < now))
            tx.add(
                StreamTicket(
                    ticket_hash=token_hash(ticket),
                    session_hash=grant.session_hash,
                    address=grant.address,
                    expires_at=expires,
                )
            )
        return ticket, expires

    def redeem(self, ticket: str) -> Grant | None:
        """The grant a ticket carries: None when unknown, expired, or its session ended."""
        now = self._now()
        with self.db.transaction() as tx:
            row = tx.get(StreamTicket, token_hash(ticket))
            if row is None or row.expires_at <= now:
                return None
            session = self._session(tx, row.session_hash, now)
            return Grant(row.address, row.session_hash, session.expires_at) if session else None

    def still_valid(self, grant: Grant) -> bool:
        """Whether the grant's session still holds (not signed out, not expired)."""
        now = self._now()
        if now >= grant.expires_at:
            return False
        with self.db.transaction() as tx:
            return self._session(tx, grant.session_hash, now) is not None
