"""Buyer side: per-order keys, buying one key or a basket, opening a delivery, proving a
misdelivery, and which of a basket's orders one confirmation sweep confirms."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from eth_utils import to_checksum_address

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import TxResult
from fairkey.chain.types import Listing, Order, OrderStatus, order_ref
from fairkey.crypto.canonical import KeyAlphabet
from fairkey.crypto.delivery_crypto import DeliveryCheck, check_delivery, open_sealed
from fairkey.crypto.order_keys import OrderKey, derive_order_key, find_order_key
from fairkey.crypto.records import DeliveryRecord, build_misdelivery_proof


@dataclass(frozen=True)
class OpenedDelivery:
    order_id: int
    delivery_no: int
    record: DeliveryRecord
    check: DeliveryCheck

    @property
    def key_text(self) -> str | None:
        return self.check.key.decode() if self.check.key is not None else None


class NotDelivered(LookupError):
    """The order has no delivered key yet."""


def order_key_for(client: EscrowClient, seed: bytes, order_id: int) -> OrderKey:
    """Recover the order's secret key from the buyer's seed (scans key indexes)."""
    key = find_order_key(seed, order_ref(order_id))
    if key is None:
        raise LookupError(f"order {order_id} was not paid with a key from this wallet's seed")
    return key


def open_delivery(client: EscrowClient, order_id: int, order_key: OrderKey) -> OpenedDelivery:
    """Fetch the current delivery from the chain, decrypt it, check commitment and fingerprint.

    An invalid ephemeral point (the buyer cannot derive the key stream) is reported as a failed
    check, never as an exception: it is itself a provable misdelivery.
    """
    found = client.current_delivery(order_id)
    if found is None:
        raise NotDelivered(f"order {order_id} has no delivered key yet")
    record, delivery_no = found
    try:
        plain = open_sealed(record.sealed, order_id, order_key.secret)
    except ValueError:
        plain = b""
    return OpenedDelivery(
        order_id, delivery_no, record, check_delivery(plain, record.commitment, record.fingerprint)
    )


def prove_misdelivery(
    client: EscrowClient, opened: OpenedDelivery, order_key: OrderKey
) -> TxResult:
    """File the on-chain proof for a delivery whose check failed (a key outside the listing's
    alphabet is a fault too: the listing's alphabet is read from the chain)."""
    listing = client.listing(client.order(opened.order_id).listing_id)
    proof = build_misdelivery_proof(
        opened.order_id,
        opened.delivery_no,
        opened.record,
        order_key.secret,
        KeyAlphabet(listing.key_alphabet),
    )
    return client.prove_misdelivery(proof.order_id, proof.buyer_secret, proof.record)


# ---------------------------------------------------------------------------- buying
#
# One rule for every client (CLI today, API and dApp next): which per-order keys a purchase uses,
# and how one payment buys them. Keys are `derive_order_key(seed, j)` for the next free indices
# j (consecutive, but for one already used on chain); the indices are reserved on the buyer's
# device *before* the payment is sent, so a payment that fails (or whose fate is unknown) never
# hands its keys to a later purchase.

MAX_SKIPPED_KEYS = 1000  # used keys in a row before we suspect the device's list is stale


class KeyIndexes(Protocol):
    """Where a buyer's device keeps which order key indices are taken (the CLI: orders.json)."""

    def next_index(self) -> int:
        """The first index no purchase of this device used or reserved."""
        ...

    def reserve(self, end: int) -> None:
        """Every index below `end` is taken: later purchases start at `end` or above."""
        ...


class OrderKeysExhausted(LookupError):
    """`MAX_SKIPPED_KEYS` keys in a row already pay for orders (the local list is stale)."""


@dataclass(frozen=True)
class Purchase:
    """What one payment bought: one unit order per key, in key order."""

    listing_id: int
    keys: tuple[OrderKey, ...]
    order_ids: tuple[int, ...]
    price: int  # per key, as the escrow charged it
    total: int
    delivery_deadline: int
    basket_id: int | None  # the first order's id; None for one key paid with `pay`
    tx_hash: str


def max_basket(client: EscrowClient) -> int:
    """The most keys one payment may buy (the escrow's MAX_BASKET)."""
    return client.session.call(client.f.MAX_BASKET())


def check_purchase(client: EscrowClient, listing_id: int, quantity: int) -> Listing:
    """The listing, after what the escrow would refuse about buying `quantity` keys of it now,
    said before any key is derived or allowance granted: raises ContractRevert named and filled
    as the escrow's own error (so every client explains it the same way)."""
    listing = client.listing(listing_id)
    if int(listing.merchant, 16) == 0:
        raise ContractRevert("EscrowUnknownListing", {"listingId": listing_id})
    if not listing.active:
        raise ContractRevert("EscrowListingInactive", {"listingId": listing_id})
    if quantity != 1:  # one key is a plain `pay`, no basket
        most = max_basket(client)
        if not 1 <= quantity <= most:
            raise ContractRevert("EscrowBasketSize", {"quantity": quantity, "max": most})
    if listing.stock_available < quantity:
        raise ContractRevert(
            "EscrowOutOfStock",
            {"listingId": listing_id, "available": listing.stock_available, "requested": quantity},
        )
    return listing


def fresh_order_keys(
    client: EscrowClient, seed: bytes, start: int, quantity: int
) -> list[OrderKey]:
    """`quantity` keys from index `start` on that no order uses yet. A used one (paid from
    another device of the same wallet, or before the local list was lost) is skipped."""
    keys: list[OrderKey] = []
    index, skipped = start, 0
    while len(keys) < quantity:
        key = derive_order_key(seed, index)
        if client.order(int(key.address, 16)).status is OrderStatus.NONE:
            keys.append(key)
            skipped = 0
        else:
            skipped += 1
            if skipped >= MAX_SKIPPED_KEYS:
                raise OrderKeysExhausted(
                    f"{MAX_SKIPPED_KEYS} order keys in a row (up to index {index}) already pay "
                    "for orders"
                )
        index += 1
    return keys


def buy_keys(
    client: EscrowClient,
    seed: bytes,
    indexes: KeyIndexes,
    listing_id: int,
    quantity: int,
    max_price: int,
) -> Purchase:
    """Buy `quantity` keys of `listing_id` in one payment: `pay` for one, `payBasket` for more.
    `max_price` is the price per key the buyer agreed to (a raise meanwhile reverts, nothing is
    paid). Check the purchase first (`check_purchase`)."""
    keys = fresh_order_keys(client, seed, indexes.next_index(), quantity)
    indexes.reserve(keys[-1].index + 1)
    if quantity == 1:
        result = client.pay(listing_id, keys[0].x, keys[0].y, max_price=max_price)
    else:
        result = client.pay_basket(listing_id, [k.point for k in keys], max_price=max_price)
    ours = [e for e in result.events if to_checksum_address(e.address) == client.address]
    paid = {e.args["orderId"]: e.args for e in ours if e.name == "OrderPaid"}
    order_ids = tuple(int(k.address, 16) for k in keys)
    if set(paid) != set(order_ids):  # the escrow opens exactly one order per key it was given
        raise RuntimeError(f"the payment opened orders {sorted(paid)}, not {order_ids}")
    basket = next((e.args for e in ours if e.name == "BasketPaid"), None)
    first = paid[order_ids[0]]
    return Purchase(
        listing_id,
        tuple(keys),
        order_ids,
        first["price"],
        basket["total"] if basket is not None else first["price"],
        first["deliveryDeadline"],
        basket["basketId"] if basket is not None else None,
        result.receipt["transactionHash"].to_0x_hex(),
    )


# ---------------------------------------------------------------------------- confirming many


class Held(enum.Enum):
    """Why a sweep over a basket (`plan_confirm`) leaves an order unconfirmed."""

    FINAL = "final"  # completed, refunded or split already
    NOT_DELIVERED = "not delivered"
    DISPUTED = "disputed"  # the buyer's own dispute: only confirming that order withdraws it
    WITH_COURT = "with the court"
    KEY_BAD = "key does not check out"


@dataclass(frozen=True)
class ConfirmPlan:
    confirm: tuple[int, ...]
    held: dict[int, Held]


def plan_confirm(orders: dict[int, Order], key_ok: Callable[[int], bool]) -> ConfirmPlan:
    """Which of several orders (a basket's) one `confirmMany` confirms: each DELIVERED order
    whose key checks out (`key_ok`, asked only for those). A dispute the buyer opened is never
    withdrawn by a sweep, and a key that does not check out is never paid for by one."""
    confirm: list[int] = []
    held: dict[int, Held] = {}
    for order_id, order in orders.items():
        status = order.status
        if status.terminal:
            held[order_id] = Held.FINAL
        elif status is OrderStatus.PAID:
            held[order_id] = Held.NOT_DELIVERED
        elif status in (OrderStatus.DISPUTED, OrderStatus.VERIFIER_REFUND_PENDING):
            held[order_id] = Held.DISPUTED
        elif status is OrderStatus.ARBITRATING:
            held[order_id] = Held.WITH_COURT
        elif key_ok(order_id):
            confirm.append(order_id)
        else:
            held[order_id] = Held.KEY_BAD
    return ConfirmPlan(tuple(confirm), held)
