"""Baskets: the orders one `payBasket` paid together. A basket is no state of its own on chain
(each of its orders is a unit order like any other): it is the BasketPaid event of the
transaction that paid them, and its id is its first order's id."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import to_checksum_address

from fairkey.chain.escrow_client import EscrowClient


@dataclass(frozen=True)
class Basket:
    basket_id: int  # the first order's id
    listing_id: int
    buyer: str
    order_ids: tuple[int, ...]  # in the order they were paid
    total: int  # what the buyer paid for all of them
    tx_hash: str
    block_number: int


def basket_of(client: EscrowClient, order_id: int) -> Basket | None:
    """The basket `order_id` was paid in, or None for an order paid on its own (`pay`).

    Reads the order's OrderPaid event, then the receipt of its transaction, and takes the
    escrow's BasketPaid log there whose orderIds hold the order. Raises LookupError for an
    order that was never paid."""
    paid = client.order_paid(order_id)
    tx_hash = "0x" + paid.tx_hash.removeprefix("0x")
    receipt = client.session.w3.eth.get_transaction_receipt(tx_hash)
    for event in client.session.decode_logs(receipt["logs"]):
        if event.name != "BasketPaid" or to_checksum_address(event.address) != client.address:
            continue
        a = event.args
        if order_id in a["orderIds"]:
            return Basket(
                a["basketId"],
                a["listingId"],
                to_checksum_address(a["buyer"]),
                tuple(a["orderIds"]),
                a["total"],
                tx_hash,
                event.block_number,
            )
    return None
