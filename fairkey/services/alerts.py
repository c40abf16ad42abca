"""Merchant alerts: low stock per listing, a jump in a listing's dispute rate, failed actions.

Every alert is one log line (WARNING) and one JSON line appended to ``<home>/alerts.jsonl``.
A condition that persists is reported once, again only after it cleared (no alert storm).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairkey.figures import DisputeRateJump
from fairkey.merchant.policy import AlertPolicy

log = logging.getLogger("fairkey.alerts")


class AlertSink:
    """Writes alerts to the log and to a JSON-lines file (None: log only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._active: set[tuple[str, Any]] = set()

    def emit(self, kind: str, message: str, **details: Any) -> dict[str, Any]:
        record = {"time": int(time.time()), "kind": kind, "message": message, **details}
        log.warning("ALERT %s: %s", kind, message)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        return record

    def condition(self, kind: str, subject: Any, active: bool, message: str, **details: Any):
        """Alert when (kind, subject) becomes active; forget it when it clears."""
        key = (kind, subject)
        if not active:
            self._active.discard(key)
            return None
        if key in self._active:
            return None
        self._active.add(key)
        return self.emit(kind, message, **details)


def read_alerts(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@dataclass
class DisputeRate:
    """The dispute history of one listing's orders, in payment order."""

    orders: list[int] = field(default_factory=list)
    disputed: set[int] = field(default_factory=set)

    def counts(self, window: int) -> tuple[int, int, int, int]:
        """(disputed, orders) of the last `window` orders, then of the ones before them."""
        recent, older = self.orders[-window:], self.orders[:-window]
        return (
            sum(o in self.disputed for o in recent),
            len(recent),
            sum(o in self.disputed for o in older),
            len(older),
        )


def dispute_rate_jumped(rate: DisputeRate, policy: AlertPolicy) -> tuple[float, float] | None:
    """(recent, older) when the dispute rate of the last `dispute-window` orders jumped against
    the orders before them: the SDK's one rule (`fairkey.figures.DisputeRateJump`), with the
    policy's `dispute-rate-min` and `dispute-rate-jump` and at least `dispute-window` orders on
    each side (e.g. 2 % -> 15 %)."""
    rule = DisputeRateJump.of(
        policy.dispute_window, policy.dispute_rate_min, policy.dispute_rate_jump
    )
    disputed, orders, older_disputed, older_orders = rate.counts(policy.dispute_window)
    if not rule.holds(disputed, orders, older_disputed, older_orders):
        return None
    return disputed / orders, older_disputed / older_orders


def check_low_stock(
    sink: AlertSink, listing_id: int, on_chain: int, in_vault: int, threshold: int
) -> dict[str, Any] | None:
    low = min(on_chain, in_vault) < threshold
    return sink.condition(
        "low-stock",
        listing_id,
        low,
        f"listing {listing_id}: low stock ({on_chain} on chain, {in_vault} unsold in the vault;"
        f" threshold {threshold})",
        listing=listing_id,
        on_chain=on_chain,
        vault_unsold=in_vault,
        threshold=threshold,
    )


def check_dispute_rate(
    sink: AlertSink, listing_id: int, rate: DisputeRate, policy: AlertPolicy
) -> dict[str, Any] | None:
    jumped = dispute_rate_jumped(rate, policy)
    return sink.condition(
        "dispute-rate",
        listing_id,
        jumped is not None,
        f"listing {listing_id}: dispute rate of the last {policy.dispute_window} orders jumped "
        f"to {jumped[0]:.0%} (was {jumped[1]:.0%})"
        if jumped
        else "",
        listing=listing_id,
        recent_rate=jumped[0] if jumped else None,
        older_rate=jumped[1] if jumped else None,
        window=policy.dispute_window,
    )
