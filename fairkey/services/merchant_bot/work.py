"""What the bot's pieces hand each other: the orders it tracks, the actions it plans, the
transactions that carry them, and what one step did."""

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
    # Its delivery went in a deliverMany that reverted as a whole (it never should: each item
    # is refused on its own): delivered in a transaction of its own from then on.
    alone: bool = False


@dataclass
class Action:
    """What one order needs this step. `call` = (escrow function name, arguments) of the
    order's own transaction: encoded with the precompiled codec for sending; a web3 function
    object is built only to explain a revert. First deliveries travel packed (pack.py)."""

    order_id: int
    kind: str  # deliver | replace | refund | contest
    call: tuple[str, tuple]
    why: str
    gas: int
    value: int = 0
    unit: AssignedUnit | None = None
    delivery_no: int = 0
    deadline: int = 0  # the order's current deadline (packing serves the earliest first)


@dataclass
class Tx:
    """One transaction of a step: one action (its own call), or several first deliveries in one
    `deliverMany` (`batch`). The sender sets `tx_hash`, or `error` when the node refused it."""

    actions: list[Action]
    call: tuple[str, tuple]
    gas: int
    value: int = 0
    data: bytes | None = None  # the calldata when already encoded (pack.py); else from `call`
    tx_hash: bytes | None = None
    error: str | None = None

    @classmethod
    def of(cls, action: Action) -> Tx:
        return cls([action], action.call, action.gas, action.value)

    @property
    def batch(self) -> bool:
        return self.call[0] == "deliverMany"

    @property
    def label(self) -> str:
        """For the log: `deliver`, or `deliverMany of 25`."""
        return f"deliverMany of {len(self.actions)}" if self.batch else self.actions[0].kind


@dataclass
class StepReport:
    """Counts of one step (saved in bot.json as `last_step`) and the alerts it raised."""

    delivered: int = 0
    replaced: int = 0
    refunded: int = 0
    contested: int = 0
    caught_up: int = 0  # already done on chain (earlier transaction, other tool)
    failed: int = 0
    dead_units: int = 0  # units the escrow refused for their own sake (marked dead in the vault)
    transactions: int = 0  # sent (a deliverMany counts once)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def worked(self) -> bool:
        """Sent something: the run loop steps again at once (more orders may be waiting)."""
        return bool(self.delivered or self.replaced or self.refunded or self.contested)
