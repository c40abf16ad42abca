"""Listing ids cannot run out (issue 8): they are 64-bit, and an order names the listing and the
price it paid by a 40-bit price point, so the order still fits one storage slot."""

from __future__ import annotations

from fairkey.chain.types import OrderStatus
from tests.support.market import PRICE


def _counters_slot(market) -> int:
    """The storage slot of the escrow's packed counters (listings | pricePoints << 64 | ...)."""
    listings = market.client("stranger").contract.functions.listingCount().call()
    batches = market.client("stranger").contract.functions.batchCount().call()
    for slot in range(64):
        word = int.from_bytes(market.w3.eth.get_storage_at(market.escrow_address, slot), "big")
        if word and word & (2**64 - 1) == listings and word >> 128 == batches:
            return slot
    raise AssertionError("counters slot not found")


def test_listings_past_the_old_24_bit_limit_sell_deliver_and_settle(market):
    market.make_listing()  # the counters slot is non-zero from here on
    slot = _counters_slot(market)
    word = int.from_bytes(market.w3.eth.get_storage_at(market.escrow_address, slot), "big")
    # Jump the listing counter far past 2**24 (what spam could have exhausted before).
    jumped = (word >> 64 << 64) | (2**40 + 7)
    market.w3.provider.make_request(
        "anvil_setStorageAt", [market.escrow_address, hex(slot), "0x" + f"{jumped:064x}"]
    )

    listing = market.make_listing()
    assert listing == 2**40 + 8
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    market.client("buyer").confirm(order_id)

    order = market.client("stranger").order(order_id)
    assert (order.listing_id, order.status) == (listing, OrderStatus.COMPLETED)
    assert market.client("stranger").price_of(order_id) == PRICE


def test_an_order_records_the_price_point_it_paid_even_after_price_changes(market):
    listing = market.make_listing()
    market.make_stock(listing, 3)
    first, _ = market.make_order(listing)
    market.client("merchant").set_price(listing, 2 * PRICE)
    second, _ = market.make_order(listing)
    client = market.client("stranger")
    assert (client.order(first).price_version, client.order(second).price_version) == (0, 1)
    assert (client.price_of(first), client.price_of(second)) == (PRICE, 2 * PRICE)
    point = client.price_point(client.listing(listing).price_point)
    assert (point.listing_id, point.price, point.version) == (listing, 2 * PRICE, 1)
