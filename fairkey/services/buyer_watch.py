"""The buyer's automatic check: decrypt every delivered key as soon as it is on chain, and file
the misdelivery proof by itself when the key provably is not what the merchant committed.

`check_and_act(client, seed_or_order_key, order_id)` checks one order's current delivery;
`BuyerWatch` runs it for every order of a buyer's wallet whenever a `KeyDelivered` appears (a
replacement is checked again). The watch keeps no local state: restarted, it re-reads the events
and re-checks; orders already finished are skipped without decrypting or sending anything. A proof
that fails (node down, nonce clash) is logged and retried on the next step.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum

from web3 import Web3

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import KeyAlphabet, OrderStatus, order_ref
from fairkey.crypto.canonical import is_canonical
from fairkey.crypto.delivery_crypto import DeliveryCheck
from fairkey.crypto.order_keys import OrderKey
from fairkey.crypto.records import find_fault
from fairkey.flows.buyer import open_delivery, order_key_for, prove_misdelivery

log = logging.getLogger("fairkey.buyer_watch")

MAX_PARALLEL_CHECKS = 8  # proofs in flight at once (each waits for its own receipt)

# States in which the contract accepts a misdelivery proof (DELIVERED only before its deadline).
PROVABLE_IN = (
    OrderStatus.DELIVERED,
    OrderStatus.DISPUTED,
    OrderStatus.VERIFIER_REFUND_PENDING,
    OrderStatus.ARBITRATING,
)


class OutcomeKind(Enum):
    OK = "ok"  # the key is exactly what was committed, in canonical form: nothing sent
    PROVED = "proved"  # the key was provably wrong: proof filed, the order is refunded
    NOT_DELIVERED = "not delivered yet"
    NOT_OK = "not ok, not provable"  # e.g. the proof window passed: dispute it
    CLOSED = "order finished"  # refunded, completed or split already: nothing to do


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    order_id: int
    delivery_no: int | None = None
    check: DeliveryCheck | None = None
    fault: int | None = None  # the contract's fault code of a proof
    tx_hash: str | None = None
    detail: str = ""

    def describe(self) -> str:
        """One log line: `order 0x… delivery 0: proved (fault 3), tx 0x…, refunded …`."""
        text = f"order {order_ref(self.order_id)}"
        if self.delivery_no is not None:
            text += f" delivery {self.delivery_no}"
        text += f": {self.kind.value}"
        if self.fault is not None:
            text += f" (fault {self.fault})"
        if self.tx_hash:
            text += f", tx 0x{self.tx_hash.removeprefix('0x')}"
        return text + (f", {self.detail}" if self.detail else "")


def check_and_act(
    client: EscrowClient, seed_or_order_key: bytes | OrderKey, order_id: int
) -> Outcome:
    """Check the order's current delivery; prove a provable misdelivery on chain by itself.

    `client` signs the proof (anyone may submit it; the money goes to the buyer). A revert of the
    proof raises ContractRevert, for the caller to report or retry.
    """
    order = client.order(order_id)
    if order.status is OrderStatus.NONE:
        raise LookupError(f"order {order_ref(order_id)} does not exist")
    if order.status is OrderStatus.PAID:
        return Outcome(OutcomeKind.NOT_DELIVERED, order_id)
    if order.status.terminal:
        return Outcome(OutcomeKind.CLOSED, order_id, detail=order.status.name)
    if isinstance(seed_or_order_key, OrderKey):
        key = seed_or_order_key
    else:
        key = order_key_for(client, bytes(seed_or_order_key), order_id)
    opened = open_delivery(client, order_id, key)
    check, no = opened.check, opened.delivery_no
    alphabet = KeyAlphabet(client.listing(order.listing_id).key_alphabet)
    # A canonical key outside the listing's alphabet (a Cyrillic "Е" in an ASCII listing).
    off_alphabet = check.key is not None and not is_canonical(check.key, alphabet)
    if check.ok and not off_alphabet:
        return Outcome(OutcomeKind.OK, order_id, no, check)
    if not (check.provable_misdelivery or off_alphabet):
        return Outcome(
            OutcomeKind.NOT_OK,
            order_id,
            no,
            check,
            detail="key not in canonical form: dispute it (wrong content)",
        )
    fault = find_fault(key.secret, order_id, opened.record, alphabet)
    if order.status not in PROVABLE_IN or (
        order.status is OrderStatus.DELIVERED and _chain_time(client) > order.deadline
    ):
        return Outcome(
            OutcomeKind.NOT_OK,
            order_id,
            no,
            check,
            fault=fault,
            detail=f"provably wrong, but a proof is no longer accepted in {order.status.name}",
        )
    result = prove_misdelivery(client, opened, key)
    proven = result.event("MisdeliveryProven").args["fault"]
    return Outcome(
        OutcomeKind.PROVED,
        order_id,
        no,
        check,
        fault=proven,
        tx_hash=result.receipt["transactionHash"].hex(),
        detail=f"refunded {result.event('OrderRefunded').args['buyerAmount']} (smallest unit)",
    )


def _chain_time(client: EscrowClient) -> int:
    return client.session.w3.eth.get_block("latest")["timestamp"]


class BuyerWatch:
    """Checks (and if need be proves) every delivery to `buyer`'s orders paid with `seed`'s keys.

    `step()` reads the blocks since the last step and checks each order that got a key; an order
    whose check raised stays pending and is retried on the next step. Returns the outcomes.
    """

    def __init__(self, client: EscrowClient, seed: bytes, buyer: str, from_block: int = 0) -> None:
        if client.session.account is None:
            raise ValueError("the watch needs an account to send proofs (gas only)")
        self.client = client
        self.seed = bytes(seed)
        self.buyer = Web3.to_checksum_address(buyer)
        self.cursor = from_block
        self.mine: set[int] = set()  # orders the buyer paid
        self.pending: set[int] = set()  # orders with a delivery not checked yet
        self.keys: dict[int, OrderKey] = {}
        self.outcomes: dict[int, Outcome] = {}  # the latest outcome per order

    def step(self) -> list[Outcome]:
        self.sync()
        return self.check_pending()

    def sync(self) -> None:
        head = self.client.session.w3.eth.block_number
        if head < self.cursor:
            return
        paid = self.client.events("OrderPaid", self.cursor, head, buyer=self.buyer)
        self.mine.update(e.args["orderId"] for e in paid)
        delivered = self.client.events("KeyDelivered", self.cursor, head)
        self.pending.update(e.args["orderId"] for e in delivered if e.args["orderId"] in self.mine)
        self.cursor = head + 1

    def check_pending(self) -> list[Outcome]:
        """Checks every pending order; several at once, so N wrong keys delivered together are
        proven together (the proofs share blocks) instead of one block after another."""
        work = []
        for order_id in sorted(self.pending):
            try:
                key = self._key(order_id)
            except Exception as exc:  # noqa: BLE001 - reported; retried on the next step
                log.warning("order %s: key lookup failed: %s", order_ref(order_id), exc)
                continue
            if key is None:
                self.pending.discard(order_id)
            else:
                work.append((order_id, key))
        if not work:
            return []
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_CHECKS, len(work))) as pool:
            results = list(pool.map(self._check_one, work))
        done = []
        for (order_id, _), (outcome, exc) in zip(work, results, strict=True):
            if exc is not None:  # reported; retried on the next step
                log.warning(
                    "order %s: check failed: %s: %s; retrying next step",
                    order_ref(order_id),
                    type(exc).__name__,
                    exc,
                )
                continue
            self.pending.discard(order_id)
            self.outcomes[order_id] = outcome
            quiet = outcome.kind in (OutcomeKind.OK, OutcomeKind.CLOSED)
            level = logging.INFO if quiet else logging.WARNING
            log.log(level, "%s", outcome.describe())
            done.append(outcome)
        return done

    def _check_one(self, job: tuple[int, OrderKey]) -> tuple[Outcome | None, Exception | None]:
        try:
            return check_and_act(self.client, job[1], job[0]), None
        except Exception as exc:  # noqa: BLE001 - handed back to check_pending
            return None, exc

    def _key(self, order_id: int) -> OrderKey | None:
        if order_id not in self.keys:
            try:
                self.keys[order_id] = order_key_for(self.client, self.seed, order_id)
            except LookupError:
                log.warning(
                    "order %s was paid by %s with a key of another seed: not watched",
                    order_ref(order_id),
                    self.buyer,
                )
                self.mine.discard(order_id)
                return None
        return self.keys[order_id]
