"""eth_getLogs over any block range, on any node: public RPC providers refuse wide ranges or
large answers (10,000 results, 2,000 or even 500 blocks), which a local Anvil never does.

`fetch_in_ranges(fetch, first, last)` asks for the whole range at once and, when the node refuses
it as too big, halves the span until it is accepted, then walks on (growing the span again after
a few successes). Rate limits are waited out with backoff. Every block is read exactly once, in
order; a single block that is still refused raises. The error classification
(`chain/rpc_errors.py`) is the indexer's too, so the SDK, the services and the indexer read
providers alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from fairkey.chain.rpc_errors import RangeTooLarge, RateLimited, backoff_delay, classify

T = TypeVar("T")

GROW_AFTER = 4  # accepted spans in a row before the span doubles again
RATE_LIMIT_TRIES = 8


@dataclass
class AdaptiveSpan:
    """The eth_getLogs span a node currently accepts: narrowed on a refusal (to the node's own
    suggestion when it gives one, else half), doubled again after GROW_AFTER acceptances, never
    wider than `limit`. Shared by `fetch_in_ranges` and the indexer's reader."""

    span: int
    limit: int | None = None
    successes: int = 0

    def end(self, first: int, last: int) -> int:
        return min(last, first + self.span - 1)

    def refused(self, first: int, to: int, exc: RangeTooLarge) -> None:
        self.successes = 0
        self.span = _narrower(first, to, exc)

    def halve(self, first: int, to: int) -> None:
        """Accepted, but too much came back: ask for less next time."""
        self.successes = 0
        self.span = max(1, (to - first + 1) // 2)

    def accepted(self) -> None:
        self.successes += 1
        if self.successes >= GROW_AFTER and (self.limit is None or self.span < self.limit):
            self.span = self.span * 2 if self.limit is None else min(self.limit, self.span * 2)
            self.successes = 0


def _narrower(first: int, to: int, exc: RangeTooLarge) -> int:
    """The next range after a refusal of first..to: the node's hint when usable, else half."""
    if exc.suggested is not None:
        low, high = exc.suggested
        if low == first and first <= high < to:
            return high - first + 1
    return max(1, (to - first + 1) // 2)


def node_error(exc: Exception) -> Exception:
    """A web3 / HTTP failure of eth_getLogs as the indexer's RangeTooLarge, RateLimited or other."""
    code, message = None, str(exc)
    response = getattr(exc, "rpc_response", None)
    if isinstance(response, dict) and isinstance(response.get("error"), dict):
        code = response["error"].get("code")
        message = response["error"].get("message", message)
    http = getattr(exc, "response", None)
    if getattr(http, "status_code", None) is not None and http.status_code >= 400:
        code = http.status_code
    return classify("eth_getLogs", code, message)


def fetch_in_ranges(
    fetch: Callable[[int, int], list[T]],
    first: int,
    last: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[T]:
    """All of `fetch(a, b)` for consecutive spans covering first..last (inclusive)."""
    found: list[T] = []
    span = AdaptiveSpan(last - first + 1)
    start, tries = first, 0
    while start <= last:
        end = span.end(start, last)
        try:
            found.extend(fetch(start, end))
        except Exception as exc:  # noqa: BLE001 - classified below; anything else re-raised
            error = node_error(exc)
            if isinstance(error, RateLimited) and tries < RATE_LIMIT_TRIES:
                tries += 1
                sleep(error.retry_after or backoff_delay(tries))
                continue
            if isinstance(error, RangeTooLarge) and end > start:
                span.refused(start, end, error)
                continue
            raise
        start, tries = end + 1, 0
        span.accepted()
    return found
