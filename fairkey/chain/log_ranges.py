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
from typing import TypeVar

from fairkey.chain.rpc_errors import RangeTooLarge, RateLimited, backoff_delay, classify

T = TypeVar("T")

GROW_AFTER = 4  # accepted spans in a row before the span doubles again
RATE_LIMIT_TRIES = 8


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
    span, streak, tries = last - first + 1, 0, 0
    start = first
    while start <= last:
        end = min(last, start + span - 1)
        try:
            found.extend(fetch(start, end))
        except Exception as exc:  # noqa: BLE001 - classified below; anything else re-raised
            error = node_error(exc)
            if isinstance(error, RateLimited) and tries < RATE_LIMIT_TRIES:
                tries += 1
                sleep(error.retry_after or backoff_delay(tries))
                continue
            if isinstance(error, RangeTooLarge) and end > start:
                span, streak = max(1, (end - start + 1) // 2), 0
                continue
            raise
        start, tries, streak = end + 1, 0, streak + 1
        if streak >= GROW_AFTER:
            span, streak = span * 2, 0
    return found
