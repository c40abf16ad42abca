"""The bot's transactions in bursts: each signed with a locally counted nonce and sent without
waiting for the one before; the receipts are collected afterwards (rpc.fetch_receipts). A
transaction carries one action, or many first deliveries in one deliverMany (pack.py)."""

from __future__ import annotations

import logging
from typing import Any

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import order_ref
from fairkey.services.merchant_bot.work import Tx

log = logging.getLogger("fairkey.merchant_bot")

RECEIPT_TIMEOUT = 30.0


class Sender:
    """Signs and sends as the client's account through the SDK's one nonce/sign/send path
    (`fairkey.chain.sender`): the nonce is counted locally and read again from the node
    (pending) after any refusal."""

    def __init__(self, client: EscrowClient) -> None:
        self.client = client
        self.w3 = client.session.w3
        self.tx = client.session.sender(count=True)
        self.address = self.tx.address

    def resync(self) -> None:
        """Read the nonce from the node before the next send (a transaction may be lost)."""
        self.tx.resync()

    def send(self, tx: Tx, gas_price: int) -> None:
        """Sign and send `tx`: sets its tx_hash, or its error when the node refused it."""
        try:
            # Encoded directly: web3's build_transaction re-validates every field and costs
            # more than signing (the bot's hot path during bursts).
            signed = self.tx.send(
                {
                    "to": self.client.address,
                    "data": tx.data or self.client.codec.fn(tx.call[0]).encode(*tx.call[1]),
                    "gas": tx.gas,
                    "gasPrice": gas_price,
                    "value": tx.value,
                }
            )
        except Exception as exc:  # noqa: BLE001 - the node's refusal (classified), or no node
            tx.error = f"send failed: {exc}"
            return
        tx.tx_hash = signed.hash
        log.debug(
            "order %s%s: %s sent (nonce %d)",
            order_ref(tx.actions[0].order_id),
            f" and {len(tx.actions) - 1} more" if tx.batch else "",
            tx.label,
            signed.nonce,
        )

    def wait(self, tx_hash: bytes) -> Any:
        """The receipt, waited for (web3's TimeExhausted after RECEIPT_TIMEOUT seconds)."""
        return self.w3.eth.wait_for_transaction_receipt(
            tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.05
        )


def web3_fn(client: EscrowClient, call: tuple[str, tuple]) -> Any:
    """The web3 function object of an action's call (for an estimate or a revert's reason)."""
    name, args = call
    return getattr(client.f, name)(*args)
