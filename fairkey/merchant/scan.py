"""The orders paid to a merchant's listings, from the chain's events (nothing local is trusted:
every tool rebuilds its list of orders from ListingCreated and OrderPaid)."""

from __future__ import annotations

from dataclasses import dataclass

from fairkey.chain.escrow_client import EscrowClient


@dataclass(frozen=True)
class PaidOrder:
    """One OrderPaid event of the merchant's listings."""

    order_id: int
    listing_id: int
    buyer_key: tuple[int, int]  # the per-order public key the key is sealed to


def scan_paid(
    reader: EscrowClient,
    merchant: str,
    listings: set[int],
    start: int,
    end: int | str = "latest",
) -> list[PaidOrder]:
    """The orders paid in blocks `start`..`end` to `merchant`'s listings, in payment order.

    `listings`: the merchant's listings known so far; those created in the range are added to it
    (a scan that goes on from where it stopped passes the same set again)."""
    for e in reader.events("ListingCreated", start, end, merchant=merchant):
        listings.add(e.args["listingId"])
    return [
        PaidOrder(
            e.args["orderId"], e.args["listingId"], (e.args["buyerKeyX"], e.args["buyerKeyY"])
        )
        for e in reader.events("OrderPaid", start, end)
        if e.args["listingId"] in listings
    ]
