"""The orders paid to a merchant's listings, from the chain's events (nothing local is trusted:
every tool rebuilds its list of orders from ListingCreated and OrderPaid).

OrderPaid is the one event a busy shop sees by the thousand, and the bot reads it every step:
it is asked for the merchant's listings only (a topic filter the node applies) and decoded from
the raw logs (its fields are plain words), not through web3's per-log ABI machinery, which cost
more than everything else the bot does for an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import keccak

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.log_ranges import fetch_in_ranges

ORDER_PAID = keccak(
    text="OrderPaid(uint256,uint256,address,uint256,uint256,uint256,uint256)"
)  # topics: orderId, listingId, buyer; data: price, buyerKeyX, buyerKeyY, deliveryDeadline


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
    if not listings:
        return []
    last = reader.session.w3.eth.block_number if end == "latest" else int(end)
    if start > last:
        return []
    rpc = reader.session.rpc
    topics = ["0x" + ORDER_PAID.hex(), None, [f"0x{listing:064x}" for listing in sorted(listings)]]

    def fetch(first: int, to: int) -> list[dict[str, Any]]:
        query = {"address": reader.address, "fromBlock": hex(first), "toBlock": hex(to)}
        return rpc.call("eth_getLogs", [query | {"topics": topics}])

    return [_paid(log) for log in fetch_in_ranges(fetch, start, last) if not log.get("removed")]


def _paid(log: dict[str, Any]) -> PaidOrder:
    """An OrderPaid log as the node sent it (JSON: 0x hex)."""
    topics, data = log["topics"], log["data"][2:]
    return PaidOrder(
        int(topics[1], 16),
        int(topics[2], 16),
        (int(data[64:128], 16), int(data[128:192], 16)),
    )
