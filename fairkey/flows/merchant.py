"""Merchant side: seal a committed unit to an order's buyer key and deliver it."""

from __future__ import annotations

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import TxResult
from fairkey.crypto.delivery_crypto import seal
from fairkey.crypto.records import DeliveryRecord


def buyer_key_of(client: EscrowClient, order_id: int) -> tuple[int, int]:
    """The per-order public key the buyer paid with (from the OrderPaid event)."""
    args = client.order_paid(order_id).args
    return args["buyerKeyX"], args["buyerKeyY"]


def seal_unit(
    order_id: int,
    buyer_key: tuple[int, int],
    *,
    root: bytes,
    index: int,
    plaintext: bytes,
    commitment: bytes,
    fingerprint: bytes,
) -> DeliveryRecord:
    """Encrypt a unit's plaintext (salt || key) to the buyer's per-order key."""
    sealed = seal(plaintext, order_id, buyer_key[0], buyer_key[1])
    return DeliveryRecord.from_sealed(root, index, commitment, fingerprint, sealed)


def deliver_assigned(client: EscrowClient, unit, *, replacement: bool = False) -> TxResult:
    """Deliver a vault unit (`fairkey.vault.AssignedUnit`) to the order it is assigned to."""
    record = seal_unit(
        unit.order_id,
        buyer_key_of(client, unit.order_id),
        root=unit.root,
        index=unit.index,
        plaintext=unit.plaintext,
        commitment=unit.commitment,
        fingerprint=unit.fingerprint,
    )
    if replacement:
        return client.replace(unit.order_id, record, unit.proof)
    return client.deliver(unit.order_id, record, unit.proof)
