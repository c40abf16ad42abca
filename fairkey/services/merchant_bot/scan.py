"""The bot's view of the chain: the merchant's listings, their orders and dispute history, and the
orders that may need an action (`watch`), rebuilt from the events on every start and followed
block range by block range. A batch revoked on chain (StockRevoked) is brought in line in the
vault as soon as it is seen."""

from __future__ import annotations

import logging

from fairkey.chain.escrow_client import EscrowClient
from fairkey.merchant.scan import scan_paid
from fairkey.merchant.vault_sync import follow_revoked_roots
from fairkey.services.alerts import DisputeRate
from fairkey.services.merchant_bot.work import Tracked
from fairkey.vault import Vault

log = logging.getLogger("fairkey.merchant_bot")


class OrderWatch:
    def __init__(self, client: EscrowClient, vault: Vault, from_block: int) -> None:
        self.client = client
        self.vault = vault
        self.merchant = client.session.account.address
        self.listings: set[int] = set()
        self.orders: dict[int, Tracked] = {}
        self.rates: dict[int, DisputeRate] = {}
        self.watch: set[int] = set()  # orders that may need an action
        self.cursor = from_block  # next block to scan; from the deployment block on every start

    def scan(self, head: int) -> None:
        """Follow the events of the blocks up to `head` not scanned yet."""
        start = self.cursor
        if start > head:
            return
        c = self.client
        for paid in scan_paid(c, self.merchant, self.listings, start, head):
            if paid.order_id in self.orders:
                continue
            self.orders[paid.order_id] = Tracked(paid.listing_id, paid.buyer_key)
            self.rates.setdefault(paid.listing_id, DisputeRate()).orders.append(paid.order_id)
            self.watch.add(paid.order_id)
        for e in c.events("OrderDisputed", start, head):
            tracked = self.orders.get(e.args["orderId"])
            if tracked is not None:
                self.rates[tracked.listing_id].disputed.add(e.args["orderId"])
                self.rewatch(e.args["orderId"])
        for e in c.events("VerifierAttested", start, head):
            if e.args["orderId"] in self.orders:
                self.rewatch(e.args["orderId"])
        revoked = [
            e for e in c.events("StockRevoked", start, head) if e.args["listingId"] in self.listings
        ]
        if revoked:
            roots = {bytes(e.args["root"]) for e in revoked}
            for batch_id, marked in follow_revoked_roots(c, self.vault, roots):
                log.info("batch %d: %d unit(s) revoked on chain, vault updated", batch_id, marked)
        self.cursor = head + 1

    def rewatch(self, order_id: int) -> None:
        self.orders[order_id].attempts = 0  # a new event: a fresh round of attempts
        self.watch.add(order_id)
