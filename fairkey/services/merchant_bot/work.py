"""What the bot's pieces hand each other: the orders it tracks, the transactions it plans, and
what one step did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairkey.vault import AssignedUnit

# Gas limits per transaction kind: fixed, so a burst needs no estimate per transaction (a
# delivery uses ~110-150k; a replacement a little more; the court call is estimated).
GAS = {"deliver": 400_000, "replace": 450_000, "refund": 200_000}


class AnswerFailed(Exception):
    """An answer could not be prepared (e.g. the court did not quote its fee)."""


@dataclass
class Tracked:
    """One order of the merchant's listings."""

    listing_id: int
    buyer_key: tuple[int, int]
    attempts: int = 0
    # While a dispute waits for its answer: the response deadline (None otherwise). Such an
    # order stays watched after failed attempts: its fallback answer must still come in time.
    answer_by: int | None = None
    waiting: str | None = None  # the last "waiting" log line (logged once, not every step)


@dataclass
class Action:
    """One transaction for one order. `call` = (escrow function name, arguments): encoded with
    the precompiled codec for sending; a web3 function object is built only to explain a revert."""

    order_id: int
    kind: str  # deliver | replace | refund | contest
    call: tuple[str, tuple]
    why: str
    gas: int
    value: int = 0
    unit: AssignedUnit | None = None
    delivery_no: int = 0
    tx_hash: bytes | None = None
    error: str | None = None


@dataclass
class StepReport:
    """Counts of one step (saved in bot.json as `last_step`) and the alerts it raised."""

    delivered: int = 0
    replaced: int = 0
    refunded: int = 0
    contested: int = 0
    caught_up: int = 0  # already done on chain (earlier transaction, other tool)
    failed: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def worked(self) -> bool:
        """Sent something: the run loop steps again at once (more orders may be waiting)."""
        return bool(self.delivered or self.replaced or self.refunded or self.contested)
