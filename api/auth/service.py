"""Sign-in and sessions: nonces handed out and spent once, sessions created for the signing
address and revoked on sign-out. One transaction per operation (api/db.py)."""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from api.auth.models import SignInNonce, SignInSession
from api.auth.siwe_check import SignInRefused, SignInRules, check_message
from api.db import Database

_ALPHANUMERIC = string.ascii_letters + string.digits
NONCE_LENGTH = 24  # EIP-4361: at least 8 alphanumerics; 24 of 62 is ~143 bits


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Nonce:
    nonce: str
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class SignedIn:
    address: str
    token: str
    expires_at: int


@dataclass(frozen=True)
class CurrentSession:
    address: str
    expires_at: int


class AuthService:
    def __init__(
        self,
        db: Database,
        rules: SignInRules,
        *,
        nonce_ttl: int,
        session_ttl: int,
        clock: Callable[[], float],
    ) -> None:
        self.db = db
        self.rules = rules
        self.nonce_ttl = nonce_ttl
        self.session_ttl = session_ttl
        self.clock = clock

    def _now(self) -> int:
        return int(self.clock())

    def issue_nonce(self) -> Nonce:
        now = self._now()
        value = "".join(secrets.choice(_ALPHANUMERIC) for _ in range(NONCE_LENGTH))
        with self.db.transaction() as tx:
            # Forget what can no longer be used (bounded table without a sweeper process).
            tx.execute(delete(SignInNonce).where(SignInNonce.expires_at < now - self.nonce_ttl))
            tx.add(SignInNonce(nonce=value, issued_at=now, expires_at=now + self.nonce_ttl))
        return Nonce(value, now, now + self.nonce_ttl)

    def sign_in(self, message: str, signature: str) -> SignedIn:
        """Checks the message (siwe_check.py), then spends its nonce: a nonce we never issued,
        one already spent or one past its time refuses (SignInRefused)."""
        now = self._now()
        checked = check_message(message, signature, self.rules, datetime.fromtimestamp(now, UTC))
        token = secrets.token_urlsafe(32)
        expires = now + self.session_ttl
        if checked.expiration_time is not None:
            expires = min(expires, int(checked.expiration_time._datetime.timestamp()))
        with self.db.transaction() as tx:
            spent = tx.execute(
                update(SignInNonce)
                .where(SignInNonce.nonce == checked.nonce, SignInNonce.used_at.is_(None))
                .where(SignInNonce.expires_at > now)
                .values(used_at=now)
            ).rowcount
            if spent != 1:
                row = tx.get(SignInNonce, checked.nonce)
                if row is None:
                    raise SignInRefused("siwe-unknown-nonce", "this server never issued that nonce")
                if row.used_at is not None:
                    raise SignInRefused(
                        "siwe-nonce-used", "that nonce was already used: ask for a new one"
                    )
                raise SignInRefused("siwe-nonce-expired", "that nonce expired: ask for a new one")
            tx.add(
                SignInSession(
                    token_hash=_token_hash(token),
                    address=checked.address,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return SignedIn(checked.address, token, expires)

    def session_of(self, token: str) -> CurrentSession | None:
        now = self._now()
        with self.db.transaction() as tx:
            row = tx.scalar(
                select(SignInSession).where(
                    SignInSession.token_hash == _token_hash(token),
                    SignInSession.revoked_at.is_(None),
                    SignInSession.expires_at > now,
                )
            )
            return CurrentSession(row.address, row.expires_at) if row else None

    def sign_out(self, token: str) -> bool:
        now = self._now()
        with self.db.transaction() as tx:
            revoked = tx.execute(
                update(SignInSession)
                .where(
                    SignInSession.token_hash == _token_hash(token),
                    SignInSession.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            ).rowcount
            # Sessions long expired or revoked are of no use to anyone.
            tx.execute(
                delete(SignInSession).where(SignInSession.expires_at < now - self.session_ttl)
            )
        return revoked == 1
