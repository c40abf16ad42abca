"""The keeper: fires every permissionless deadline rule within one block of its deadline.

It follows the escrow's events from the deployment block, keeps the open orders (status and
current deadline, read from `order(id)` whenever an event touches the order) and, each step, sends
the rule of every open order whose deadline is before the latest block's timestamp:

| status | rule |
|---|---|
| PAID | refundUndelivered |
| DELIVERED | settle |
| DISPUTED | refundUnanswered |
| VERIFIER_REFUND_PENDING | executeVerifierRefund |
| ARBITRATING | resolveStalledArbitration (30 days without a ruling) |

and, at once (no deadline), `proveDuplicate` for every open order whose delivery an older
batch's delivery of the same key displaced (a `KeyDisplaced` event): the key was sold twice and
the buyer is owed price + the unit's bond.

No local state: a restarted keeper rebuilds its view from the events. Several keepers may run
at once; the contract lets only one of them fire a rule, the others' calls revert, which is logged
as "already handled" once the order's new state confirms it. A failure that is not a lost race
leaves the order open, so the next step retries it. The signing account only pays gas.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from eth_utils import event_abi_to_log_topic

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.log_ranges import fetch_in_ranges
from fairkey.chain.session import TxResult
from fairkey.chain.types import DeliveryRecord, OrderStatus, order_ref

log = logging.getLogger("fairkey.keeper")

# Events after which an order's status or deadline may have changed.
TRACKED_EVENTS = (
    "OrderPaid",
    "KeyDelivered",
    "OrderDisputed",
    "DisputeWithdrawn",
    "VerifierAttested",
    "ArbitrationRequested",
    "MisdeliveryProven",
    "OrderCompleted",
    "OrderRefunded",
    "OrderSplit",
    "KeyDisplaced",
)

# The rule to fire when an order in this status is past its deadline (method of EscrowClient).
RULES: dict[OrderStatus, str] = {
    OrderStatus.PAID: "refund_undelivered",
    OrderStatus.DELIVERED: "settle",
    OrderStatus.DISPUTED: "refund_unanswered",
    OrderStatus.VERIFIER_REFUND_PENDING: "execute_verifier_refund",
    OrderStatus.ARBITRATING: "resolve_stalled_arbitration",
}

LOG_CHUNK = 5_000  # blocks per eth_getLogs request while catching up
MAX_PARALLEL_RULES = 16  # rule transactions in flight at once


@dataclass(frozen=True)
class OpenOrder:
    status: OrderStatus
    deadline: int


@dataclass(frozen=True)
class Action:
    """What the keeper did about one order in one step."""

    order_id: int
    rule: str
    outcome: str  # "done" | "already handled" | "failed"
    tx_hash: str | None = None
    error: str | None = None


class KeeperService:
    """`step()` = `sync()` (read new blocks' events) + `act()` (fire the due rules)."""

    def __init__(self, client: EscrowClient, from_block: int = 0) -> None:
        if client.session.account is None:
            raise ValueError("the keeper needs an account to send transactions (gas only)")
        self.client = client
        self.cursor = from_block  # next block whose events are not read yet
        self.open: dict[int, OpenOrder] = {}
        self.head_number = -1
        self.head_time = 0
        # Orders whose delivery was displaced (KeyDisplaced): the record to prove it with.
        self.displaced: dict[int, DeliveryRecord] = {}
        abi = client.contract.abi
        self._topics = [
            "0x" + event_abi_to_log_topic(item).hex()
            for item in abi
            if item.get("type") == "event" and item["name"] in TRACKED_EVENTS
        ]

    # ------------------------------------------------------------------ the loop's step

    def step(self) -> list[Action]:
        self.sync()
        return self.act()

    def sync(self) -> None:
        """Read the events of every block up to the latest one; refresh the orders they touch."""
        head = self.client.session.w3.eth.get_block("latest")
        number, timestamp = head["number"], head["timestamp"]
        while self.cursor <= number:
            to_block = min(number, self.cursor + LOG_CHUNK - 1)
            for order_id in sorted(self._orders_touched(self.cursor, to_block)):
                self.refresh(order_id)
            self.cursor = to_block + 1  # only once the range is done: a failure re-reads it
        self.head_number, self.head_time = number, timestamp

    def act(self) -> list[Action]:
        """Prove every displaced delivery, then fire the rule of every open order whose deadline
        is before the latest block's time."""
        proofs = [self._prove_duplicate(order_id) for order_id in sorted(self.displaced)]
        due = [
            (order_id, o)
            for order_id, o in sorted(self.open.items(), key=lambda item: item[1].deadline)
            if o.deadline < self.head_time
        ]
        if not due:
            return proofs
        # Concurrently: orders paid in one burst come due together, and one transaction after
        # another (each waiting for its receipt) would put the last one many blocks late.
        # ChainSession.send serialises only nonce-and-send, so they share the next block.
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_RULES, len(due))) as pool:
            return proofs + list(pool.map(lambda item: self._fire(*item), due))

    # ------------------------------------------------------------------ internals

    def _orders_touched(self, from_block: int, to_block: int) -> set[int]:
        session = self.client.session
        logs = fetch_in_ranges(
            lambda a, b: session.w3.eth.get_logs(
                {
                    "address": self.client.address,
                    "fromBlock": a,
                    "toBlock": b,
                    "topics": [self._topics],
                }  # fmt: skip
            ),
            from_block,
            to_block,
        )
        touched = set()
        for event in session.decode_logs(logs):
            if event.name == "KeyDisplaced":
                touched |= self._note_displaced(event.args["fingerprint"], event.args["displaced"])
            elif "orderId" in event.args:
                touched.add(event.args["orderId"])
        return touched

    def _note_displaced(self, fingerprint: bytes, entry: bytes) -> set[int]:
        found = self.client.delivery_with_entry(fingerprint, entry)
        if found is None:
            return set()
        order_id, _, record = found
        self.displaced[order_id] = record
        return {order_id}

    def _prove_duplicate(self, order_id: int) -> Action:
        record = self.displaced[order_id]
        ref = order_ref(order_id)
        try:
            result = self.client.prove_duplicate(order_id, record)
        except ContractRevert as exc:
            # Proven by someone else, settled, or replaced since: nothing left to prove.
            self.displaced.pop(order_id, None)
            self._refresh_quietly(order_id)
            log.info("prove_duplicate %s: not needed (%s)", ref, exc)
            return Action(order_id, "prove_duplicate", "already handled", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - node down…: the next step retries
            log.warning("prove_duplicate %s failed: %s; retrying next step", ref, exc)
            return Action(
                order_id, "prove_duplicate", "failed", error=f"{type(exc).__name__}: {exc}"
            )
        self.displaced.pop(order_id, None)
        self._refresh_quietly(order_id)
        tx = result.receipt["transactionHash"].hex()
        log.info("prove_duplicate %s: done, buyer refunded with the unit's bond", ref)
        return Action(order_id, "prove_duplicate", "done", tx_hash=tx)

    def refresh(self, order_id: int) -> OpenOrder | None:
        """Re-read the order from the chain; forget it once it is finished."""
        order = self.client.order(order_id)
        if order.status in RULES:
            self.open[order_id] = OpenOrder(order.status, order.deadline)
        else:
            self.open.pop(order_id, None)
        return self.open.get(order_id)

    def _fire(self, order_id: int, seen: OpenOrder) -> Action:
        rule = RULES[seen.status]
        ref = order_ref(order_id)
        send: Callable[[int], TxResult] = getattr(self.client, rule)
        try:
            result = send(order_id)
        except ContractRevert as exc:
            now = self._refresh_quietly(order_id)
            if now != seen:  # someone else moved the order first: a lost race, no harm done
                state = now.status.name if now else "finished"
                log.info("%s %s: already handled (now %s)", rule, ref, state)
                return Action(order_id, rule, "already handled", error=str(exc))
            log.warning("%s %s failed: %s; retrying next step", rule, ref, exc)
            return Action(order_id, rule, "failed", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - node down, nonce clash…: the next step retries
            log.warning(
                "%s %s failed: %s: %s; retrying next step", rule, ref, type(exc).__name__, exc
            )
            return Action(order_id, rule, "failed", error=f"{type(exc).__name__}: {exc}")
        tx = result.receipt["transactionHash"].hex()
        late = self.head_time - seen.deadline
        log.info(
            "%s %s (%s, %ds past deadline): done in block %d tx 0x%s",
            rule,
            ref,
            seen.status.name,
            late,
            result.receipt["blockNumber"],
            tx.removeprefix("0x"),
        )
        self._refresh_quietly(order_id)
        return Action(order_id, rule, "done", tx_hash=tx)

    def _refresh_quietly(self, order_id: int) -> OpenOrder | None:
        try:
            return self.refresh(order_id)
        except Exception as exc:  # noqa: BLE001 - kept as it was; the order's events refresh it
            log.warning("could not re-read order %s: %s", order_ref(order_id), exc)
            return self.open.get(order_id)
