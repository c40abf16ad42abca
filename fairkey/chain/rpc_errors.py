"""What a node's error means for the caller: ask for less (a narrower eth_getLogs range), wait
and retry (rate limits), take the nonce again (a transaction refused for its nonce), or treat it
as a plain failure. Providers word these differently; the phrases below are the ones Infura,
Alchemy, QuickNode, public RPCs, geth/erigon and Anvil use. The one classification for the whole
project: the JSON-RPC client (`chain/jsonrpc.py`), the sender (`chain/sender.py`), the SDK's log
reader (`chain/log_ranges.py`) and the indexer; nothing else matches a node's message as text.
"""

from __future__ import annotations

import random
import re
from typing import Any

# Phrases providers use when they throttle (checked first: "too many requests" is not a range).
_RATE_LIMIT = (
    "rate limit",
    "rate-limit",
    "ratelimit",
    "rate limited",
    "too many requests",
    "requests per second",
    "request rate",
    "exceeded the quota",
    "quota exceeded",
    "compute units",
    "capacity",
    "throttl",
    "backoff",
)
# Phrases for "ask for less": too many results, too wide a range, response or query too big/slow.
_TOO_MUCH = (
    "range",
    "too many",
    "limit",
    "exceed",
    "too large",
    "too big",
    "response size",
    "max results",
    "more than",
    "timeout",
    "timed out",
    "took too long",
)
# eth_sendRawTransaction: the nonce is taken (another sender of the account, a lost count).
_NONCE_TOO_LOW = ("nonce too low", "nonce is too low")
# eth_sendRawTransaction: this very transaction is already in the pool (sent before).
_ALREADY_KNOWN = ("already known", "known transaction", "already imported")
# Infura/Alchemy style hint: "... Try with this block range [0x1a, 0x2b]."
_HINT = re.compile(r"\[\s*(0x[0-9a-fA-F]+)\s*,\s*(0x[0-9a-fA-F]+)\s*\]")


class RpcError(Exception):
    """The node answered with an error (or not at all). Transient unless a subclass says more."""

    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class RangeTooLarge(RpcError):
    """eth_getLogs refused the query as too big (results, range, size or time): split it."""

    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message, code, data)
        hint = _HINT.search(message)
        self.suggested: tuple[int, int] | None = (
            (int(hint.group(1), 16), int(hint.group(2), 16)) if hint else None
        )


class RateLimited(RpcError):
    """The node throttles us: wait (Retry-After when given) and try again."""

    def __init__(self, message: str, code: int | None = None, retry_after: float | None = None):
        super().__init__(message, code)
        self.retry_after = retry_after


class NodeUnavailable(RpcError):
    """No answer: connection refused or reset, or a timeout on a call that is not eth_getLogs."""


class BatchTooLarge(RpcError):
    """The node refused a JSON-RPC batch as a whole (too big, or batches not as it wants them):
    send fewer calls per batch."""


class NonceTooLow(RpcError):
    """eth_sendRawTransaction refused the transaction's nonce as used: take it from the node
    again and sign once more."""


class AlreadyKnown(RpcError):
    """eth_sendRawTransaction: the node already has this transaction; it counts as sent."""


def classify(method: str, code: int | None, message: str, data: Any = None) -> RpcError:
    """The error class for a JSON-RPC error object (or an HTTP failure described the same way)."""
    if method == "batch" and (code == 413 or "batch" in message.lower()):
        return BatchTooLarge(message, code, data)  # whatever else it says: send fewer at once
    text = f"{message} {data if isinstance(data, str) else ''}".lower()
    if code == 429 or any(p in text for p in _RATE_LIMIT):
        return RateLimited(message, code)
    if method == "eth_sendRawTransaction":
        if any(p in text for p in _NONCE_TOO_LOW):
            return NonceTooLow(message, code, data)
        if any(p in text for p in _ALREADY_KNOWN):
            return AlreadyKnown(message, code, data)
    if method == "eth_getLogs" and (
        code in (-32005, 413, 504) or any(p in text for p in _TOO_MUCH)
    ):
        return RangeTooLarge(message, code, data)
    return RpcError(message, code, data)


def backoff_delay(attempt: int, base: float = 0.05, cap: float = 5.0) -> float:
    """Exponential backoff with full jitter: attempt 1 waits up to `base`, doubling to `cap`."""
    return random.uniform(0.5, 1.0) * min(cap, base * 2 ** (attempt - 1))
