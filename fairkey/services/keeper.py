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

Due settlements go in batches: `settleMany` of as many orders as a transaction may take
(fairkey/services/tx_budget.py, at SETTLE_ITEM_GAS each), one plain `settle` when only one is
due. The escrow skips an order that is not due or already settled (BatchItemRefused) and
settles the others, so another keeper settling one of them first costs that item, not the
batch. The other rules have no batch call on chain: one transaction per order, sent
concurrently.

No local state: a restarted keeper rebuilds its view from the events. Several keepers may run
at once; the contract lets only one of them fire a rule, the others' calls revert (or, in a
batch, are refused), which is logged as "already handled" once the order's new state confirms
it. A failure that is not a lost race leaves the order open, so the next step retries it. The
signing account only pays gas.
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
from fairkey.services.tx_budget import Budget

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
# Gas of one order in settleMany, an upper bound (measured ≈ 11,000 in a batch of 100 of one
# listing; a listing's first order also reads its cold slots and may write its merchant's
# credit from zero) and of the call around the items (intrinsic, the treasury's credit).
SETTLE_ITEM_GAS = 45_000
SETTLE_BASE_GAS = 21_000 + 30_000


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
        self.head_gas_limit = 30_000_000
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
        self.head_gas_limit = head.get("gasLimit", self.head_gas_limit)

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
        settle = [item for item in due if item[1].status is OrderStatus.DELIVERED]
        batches = (
            settle_chunks(settle, Budget.of_block(self.head_gas_limit)) if len(settle) > 1 else []
        )
        singles = [i for i in due if i[1].status is not OrderStatus.DELIVERED or not batches]
        # Concurrently: orders paid in one burst come due together, and one transaction after
        # another (each waiting for its receipt) would put the last one many blocks late.
        # ChainSession.send serialises only nonce-and-send, so they share the next block.
        workers = min(MAX_PARALLEL_RULES, len(singles) + len(batches))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            fired = [pool.submit(self._fire, *item) for item in singles]
            settled = [pool.submit(self._settle_many, chunk) for chunk in batches]
            return (
                proofs
                + [future.result() for future in fired]
                + [action for future in settled for action in future.result()]
            )

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

    def _settle_many(self, due: list[tuple[int, OpenOrder]]) -> list[Action]:
        """`settle` for each of these orders in one settleMany; an order the escrow refused is
        read again: moved on (someone else settled it first) is "already handled", unchanged is
        a failure the next step retries."""
        order_ids = [order_id for order_id, _ in due]
        try:
            result = self.client.settle_many(order_ids)
        except Exception as exc:  # noqa: BLE001 - node down, nonce clash…: the next step retries
            log.warning(
                "settleMany of %d failed: %s: %s; retrying next step",
                len(due),
                type(exc).__name__,
                exc,
            )
            error = f"{type(exc).__name__}: {exc}"
            return [Action(order_id, "settle", "failed", error=error) for order_id in order_ids]
        tx = result.receipt["transactionHash"].hex()
        refused = self.client.refusals(result)
        actions = []
        for order_id, seen in due:
            ref = order_ref(order_id)
            exc = refused.get(order_id)
            if exc is None:
                self.open.pop(order_id, None)  # settled: completed, nothing left to enforce
                actions.append(Action(order_id, "settle", "done", tx_hash=tx))
                continue
            now = self._refresh_quietly(order_id)
            if now != seen:
                state = now.status.name if now else "finished"
                log.info("settle %s: already handled (now %s)", ref, state)
                actions.append(Action(order_id, "settle", "already handled", tx, str(exc)))
            else:
                log.warning("settle %s refused: %s; retrying next step", ref, exc)
                actions.append(Action(order_id, "settle", "failed", tx, str(exc)))
        done = sum(a.outcome == "done" for a in actions)
        log.info(
            "settleMany of %d: %d settled, %d refused, in block %d tx 0x%s",
            len(due),
            done,
            len(due) - done,
            result.receipt["blockNumber"],
            tx.removeprefix("0x"),
        )
        return actions

    def _refresh_quietly(self, order_id: int) -> OpenOrder | None:
        try:
            return self.refresh(order_id)
        except Exception as exc:  # noqa: BLE001 - kept as it was; the order's events refresh it
            log.warning("could not re-read order %s: %s", order_ref(order_id), exc)
            return self.open.get(order_id)


def settle_chunks(
    due: list[tuple[int, OpenOrder]], budget: Budget
) -> list[list[tuple[int, OpenOrder]]]:
    """The due settlements in chunks of as many as one settleMany may take under `budget`."""
    per_tx = max(
        1,
        min(
            (budget.gas - SETTLE_BASE_GAS) // SETTLE_ITEM_GAS,
            (budget.calldata - 4 - 64) // 32,
        ),
    )
    return [due[i : i + per_tx] for i in range(0, len(due), per_tx)]
