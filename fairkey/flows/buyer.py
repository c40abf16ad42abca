"""Buyer side: per-order keys, opening a delivery, and proving a misdelivery."""

from __future__ import annotations

from dataclasses import dataclass

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import TxResult
from fairkey.chain.types import order_ref
from fairkey.crypto.delivery_crypto import DeliveryCheck, check_delivery, open_sealed
from fairkey.crypto.order_keys import OrderKey, find_order_key
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
    """File the on-chain proof for a delivery whose check failed."""
    proof = build_misdelivery_proof(
        opened.order_id, opened.delivery_no, opened.record, order_key.secret
    )
    return client.prove_misdelivery(proof.order_id, proof.buyer_secret, proof.record)
