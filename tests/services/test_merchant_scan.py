"""The paid-order scan both `fairkey deliver --all` and the bot use (fairkey/merchant/scan.py), and
the vault following a batch revoked on chain (fairkey/merchant/vault_sync.py), on a real Anvil."""

from __future__ import annotations

from fairkey.merchant.scan import PaidOrder, scan_paid
from fairkey.merchant.vault_sync import follow_revoked_roots
from fairkey.vault import BatchState


def test_the_scan_finds_the_merchants_paid_orders_in_payment_order(make_shop, market):
    shop = make_shop(stock=5)
    other = market.make_listing("merchant2")
    market.make_stock(other, 2, merchant="merchant2")
    first = shop.pay(1)
    market.make_order(other)  # another merchant's order: not ours
    second = shop.pay(2)
    listings: set[int] = set()

    found = scan_paid(shop.client, market.address("merchant"), listings, 0)

    assert listings == {shop.listing_id}
    assert [p.order_id for p in found] == first + second
    key = shop.keys[first[0]]
    assert found[0] == PaidOrder(first[0], shop.listing_id, (key.x, key.y))


def test_a_scan_that_goes_on_finds_the_orders_of_listings_it_saw_before(make_shop, market):
    shop = make_shop(stock=5)
    listings: set[int] = set()
    head = market.w3.eth.block_number
    assert scan_paid(shop.client, market.address("merchant"), listings, 0, head) == []
    (order_id,) = shop.pay(1)

    found = scan_paid(shop.client, market.address("merchant"), listings, head + 1)

    assert [p.order_id for p in found] == [order_id] and listings == {shop.listing_id}


def test_the_vault_follows_a_batch_revoked_on_chain_once(make_shop, market):
    shop = make_shop(stock=3)
    (batch,) = shop.vault.batches()
    root = bytes.fromhex(batch.root)
    shop.client.revoke_batch(root)  # by another tool: the vault did not hear of it

    assert follow_revoked_roots(shop.client, shop.vault, {root}) == [(batch.batch_id, 3)]
    assert follow_revoked_roots(shop.client, shop.vault, {root}) == []  # nothing left to do
    assert shop.vault.batches()[0].state is BatchState.revoked
