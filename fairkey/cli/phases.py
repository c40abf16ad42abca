"""What an open order's deadline ends, and who acts next, per state and side: one rule for
`order list` (rows of the index) and `order show --basket` (the chain)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable

from fairkey.chain.types import OrderStatus
from fairkey.units import relative

BUYER, MERCHANT = "buyer", "merchant"

# Per open state: what its deadline ends, who acts next as merchant and as buyer before it,
# and what anyone may run after it.
_PHASE = {
    OrderStatus.PAID: ("deliver by", "deliver", "wait for delivery", "refund-late"),
    OrderStatus.DELIVERED: ("confirm by", "wait for the buyer",
                            "order show, then confirm or dispute", "settle"),
    OrderStatus.DISPUTED: ("answer by", "respond refund|replace|contest",
                           "wait for the merchant (a listing verifier: verify)", "refund-late"),
    OrderStatus.VERIFIER_REFUND_PENDING: ("appeal by", "respond replace|contest, or let it refund",
                                          "wait: refunded after the appeal window", "refund-late"),
    OrderStatus.ARBITRATING: ("court by", "the court decides", "the court decides",
                              "split (the keeper does it)"),
}  # fmt: skip


def deadline_text(status: OrderStatus, deadline: int | None, now: int) -> str:
    """``deliver by 2025-01-01 12:00 UTC (in 1 h)``; "—" for a final order."""
    phase = _PHASE.get(status)
    if phase is None or deadline is None:
        return "—"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(deadline))
    rest = relative(deadline, now) if deadline >= now else "passed"
    return f"{phase[0]} {stamp} ({rest})"


def next_step(status: OrderStatus, deadline: int | None, role: str, now: int) -> str:
    """Who does what next, seen from `role`'s side; "anyone: …" once the deadline passed."""
    phase = _PHASE.get(status)
    if phase is None:
        return "—"
    if deadline is not None and now > deadline:
        return f"anyone: {phase[3]}"
    return phase[1] if role == MERCHANT else phase[2]


def status_summary(statuses: Iterable[OrderStatus]) -> str:
    """``3 delivered, 2 paid``: how many orders are in each state, furthest along first."""
    counts = Counter(statuses)
    return ", ".join(
        f"{counts[s]} {s.name.lower().replace('_', ' ')}"
        for s in reversed(OrderStatus)
        if counts[s]
    )
