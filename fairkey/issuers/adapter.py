"""The issuer plugin interface: ask the card's issuer what it thinks of one key.

An adapter answers with one of four final answers, or raises `IssuerUnavailable` when the
issuer could not give one right now (a card shop must never take "the issuer is down" for
"the key is bad": only a real answer may ever refund a buyer).
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable


class IssuerAnswer(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    REDEEMED = "redeemed"
    REGION_LOCKED = "region_locked"


class UnavailableKind(enum.StrEnum):
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"  # 5xx, or the connection failed
    RATE_LIMITED = "rate_limited"  # 429 (Retry-After honoured)
    BAD_RESPONSE = "bad_response"  # 2xx, but no status the adapter's mapping knows


class IssuerUnavailable(Exception):
    """A temporary failure: no answer now; asking again later may give one."""

    def __init__(
        self, kind: UnavailableKind | str, retry_after: float | None = None, detail: str = ""
    ) -> None:
        self.kind = UnavailableKind(kind)
        self.retry_after = retry_after
        self.detail = detail
        wait = f", retry after {retry_after:g}s" if retry_after is not None else ""
        super().__init__(
            f"issuer unavailable ({self.kind.value}{wait}){': ' if detail else ''}{detail}"
        )


@runtime_checkable
class IssuerAdapter(Protocol):
    """One issuer's redeem-check API. `key` is the normalised key (UTF-8 bytes)."""

    def check(self, key: bytes) -> IssuerAnswer: ...
