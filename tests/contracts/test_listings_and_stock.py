"""Rules of listings (terms, price, active flag) and bonded stock batches (commit, revoke)."""

from __future__ import annotations

import os

import pytest

from fairkey.chain.escrow_client import supplier_tag
from fairkey.chain.types import ETH, Batch
from tests.support.market import BOND, PRICE
from tests.support.rules import fee_of, reverts, send

MINUTE = 60
DAY = 86_400

# (terms field, window id in EscrowWindowOutOfRange, min, max) as in StockBook.
WINDOWS = [
    ("delivery_window", 0, 1 * MINUTE, 7 * DAY),
    ("confirm_window", 1, 10 * MINUTE, 30 * DAY),
    ("response_window", 2, 10 * MINUTE, 14 * DAY),
    ("appeal_window", 3, 10 * MINUTE, 7 * DAY),
]


def _root() -> bytes:
    return os.urandom(32)


# ------------------------------------------------------------------ createListing


def test_listing_created_event_carries_the_terms_and_the_listing_stores_them(market):
    terms = market.terms(
        price=123_456,
        bond_per_unit=7_000,
        dispute_bond=3_000,
        delivery_window=2 * MINUTE,
        confirm_window=DAY,
        response_window=2 * DAY,
        appeal_window=3 * DAY,
        max_replacements=3,
    )
    result = send(market.client("merchant"), lambda f: f.createListing(terms.as_tuple(), 0))
    event = result.event("ListingCreated").args
    assert event["listingId"] == 1
    assert event["merchant"] == market.address("merchant")
    assert event["token"] == ETH
    assert dict(event["terms"]) == {
        "token": ETH,
        "price": 123_456,
        "bondPerUnit": 7_000,
        "disputeBond": 3_000,
        "deliveryWindow": 2 * MINUTE,
        "confirmWindow": DAY,
        "responseWindow": 2 * DAY,
        "appealWindow": 3 * DAY,
        "maxReplacements": 3,
        "verifier": market.address("verifier"),
        "descriptionHash": terms.description_hash,
    }
    stored = market.client("stranger").listing(1)
    assert (
        stored.merchant,
        stored.price,
        stored.price_version,
        stored.stock_available,
        stored.active,
    ) == (market.address("merchant"), 123_456, 0, 0, True)
    assert (stored.bond_per_unit, stored.dispute_bond, stored.max_replacements) == (7_000, 3_000, 3)
    assert (
        stored.delivery_window,
        stored.confirm_window,
        stored.response_window,
        stored.appeal_window,
    ) == (2 * MINUTE, DAY, 2 * DAY, 3 * DAY)
    assert stored.description_hash == terms.description_hash


def test_listing_ids_run_from_one(market):
    assert market.make_listing() == 1
    assert market.make_listing(merchant="merchant2") == 2


@pytest.mark.parametrize(
    ("field", "window_id", "low", "high"), WINDOWS, ids=[w[0] for w in WINDOWS]
)
def test_a_window_below_its_minimum_is_refused(market, field, window_id, low, high):
    with reverts("EscrowWindowOutOfRange", window=window_id, value=low - 1, min=low, max=high):
        market.make_listing(**{field: low - 1})


@pytest.mark.parametrize(
    ("field", "window_id", "low", "high"), WINDOWS, ids=[w[0] for w in WINDOWS]
)
def test_a_window_above_its_maximum_is_refused(market, field, window_id, low, high):
    with reverts("EscrowWindowOutOfRange", window=window_id, value=high + 1, min=low, max=high):
        market.make_listing(**{field: high + 1})


def test_every_window_at_its_bounds_is_accepted(market):
    lows = {field: low for field, _, low, _ in WINDOWS}
    highs = {field: high for field, _, _, high in WINDOWS}
    low_id = market.make_listing(**lows)
    high_id = market.make_listing(**highs)
    low, high = (
        market.client("stranger").listing(low_id),
        market.client("stranger").listing(high_id),
    )
    assert (low.delivery_window, low.confirm_window, low.response_window, low.appeal_window) == (
        60,
        600,
        600,
        600,
    )
    assert (
        high.delivery_window,
        high.confirm_window,
        high.response_window,
        high.appeal_window,
    ) == (7 * DAY, 30 * DAY, 14 * DAY, 7 * DAY)


def test_more_than_three_replacements_are_refused(market):
    with reverts("EscrowTooManyReplacements", requested=4, max=3):
        market.make_listing(max_replacements=4)


def test_a_zero_price_listing_is_refused(market):
    with reverts("EscrowZeroPrice"):
        market.make_listing(price=0)


# ------------------------------------------------------------------ setPrice


def test_only_the_merchant_sets_the_price(market):
    listing = market.make_listing()
    with reverts("EscrowNotMerchant", listingId=listing, caller=market.address("stranger")):
        market.client("stranger").set_price(listing, 2 * PRICE)


def test_a_zero_price_change_is_refused(market):
    listing = market.make_listing()
    with reverts("EscrowZeroPrice"):
        market.client("merchant").set_price(listing, 0)


def test_set_price_bumps_the_version_keeps_history_and_emits_the_event(market):
    listing = market.make_listing()
    result = market.client("merchant").set_price(listing, 3 * PRICE)
    assert result.event("ListingPriceChanged").args == {"listingId": listing, "price": 3 * PRICE}
    stored = market.client("stranger").listing(listing)
    assert (stored.price, stored.price_version) == (3 * PRICE, 1)
    f = market.client("stranger").f
    assert f.priceAt(listing, 0).call() == PRICE
    assert f.priceAt(listing, 1).call() == 3 * PRICE


def test_an_order_paid_before_a_price_change_settles_at_its_old_price(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.client("merchant").set_price(listing, 3 * PRICE)
    market.deliver(order_id, stock)
    assert market.client("stranger").price_of(order_id) == PRICE
    market.client("buyer").confirm(order_id)
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND
    assert market.credit("treasury") == fee_of(PRICE)


def test_an_order_paid_after_a_price_change_pays_and_settles_at_the_new_price(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    market.client("merchant").set_price(listing, 3 * PRICE)
    order_id, _ = market.make_order(listing)
    assert market.client("stranger").order_paid(order_id).args["price"] == 3 * PRICE
    assert market.client("stranger").order(order_id).price_version == 1
    market.deliver(order_id, stock)
    market.client("buyer").confirm(order_id)
    assert market.credit("merchant") == 3 * PRICE - fee_of(3 * PRICE) + BOND
    assert market.credit("treasury") == fee_of(3 * PRICE)


def test_paying_the_old_price_after_a_price_change_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    market.client("merchant").set_price(listing, 3 * PRICE)
    key = market.new_order_key()
    with reverts("EscrowWrongPayment", expected=3 * PRICE, received=PRICE):
        market.client("buyer").pay(listing, key.x, key.y, price=PRICE)


# ------------------------------------------------------------------ setActive


def test_an_inactive_listing_refuses_payment(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    result = market.client("merchant").set_active(listing, False)
    assert result.event("ListingActiveChanged").args == {"listingId": listing, "active": False}
    assert market.client("stranger").listing(listing).active is False
    key = market.new_order_key()
    with reverts("EscrowListingInactive", listingId=listing):
        market.client("buyer").pay(listing, key.x, key.y)


def test_a_reactivated_listing_takes_payment_again(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    market.client("merchant").set_active(listing, False)
    market.client("merchant").set_active(listing, True)
    order_id, _ = market.make_order(listing)
    assert market.client("stranger").listing(listing).stock_available == 1
    assert market.client("stranger").order(order_id).listing_id == listing


def test_only_the_merchant_sets_the_active_flag(market):
    listing = market.make_listing()
    with reverts("EscrowNotMerchant", listingId=listing, caller=market.address("merchant2")):
        market.client("merchant2").set_active(listing, False)


def test_setting_the_active_flag_of_an_unknown_listing_is_refused(market):
    with reverts("EscrowUnknownListing", listingId=42):
        market.client("merchant").set_active(42, False)


def test_paying_an_unknown_listing_is_refused(market):
    key = market.new_order_key()
    with reverts("EscrowUnknownListing", listingId=42):
        send(market.client("buyer"), lambda f: f.pay(42, PRICE, key.x, key.y), PRICE)


# ------------------------------------------------------------------ commitStock


def test_commit_stock_locks_the_bond_records_the_batch_and_emits_the_event(market):
    listing = market.make_listing()
    root = _root()
    result = market.client("merchant").commit_stock(listing, root, 7, "supplier-x")
    assert result.event("StockCommitted").args == {
        "listingId": listing,
        "root": root,
        "count": 7,
        "bond": 7 * BOND,
        "supplier": supplier_tag("supplier-x"),
    }
    stranger = market.client("stranger")
    assert stranger.batch(root) == Batch(listing_id=listing, count=7, used=0, revoked=False)
    assert stranger.listing(listing).stock_available == 7
    assert market.w3.eth.get_balance(market.escrow_address) == 7 * BOND


def test_stock_available_grows_by_each_batch_count(market):
    listing = market.make_listing()
    market.make_stock(listing, 3)
    market.make_stock(listing, 4)
    assert market.client("stranger").listing(listing).stock_available == 7


def test_only_the_merchant_commits_stock(market):
    listing = market.make_listing()
    with reverts("EscrowNotMerchant", listingId=listing, caller=market.address("stranger")):
        market.client("stranger").commit_stock(listing, _root(), 2)


def test_committing_stock_to_an_unknown_listing_is_refused(market):
    with reverts("EscrowUnknownListing", listingId=9):
        market.client("merchant").commit_stock(9, _root(), 2)


def test_an_empty_batch_is_refused(market):
    listing = market.make_listing()
    with reverts("EscrowEmptyBatch"):
        market.client("merchant").commit_stock(listing, _root(), 0)


def test_the_same_root_cannot_be_committed_twice(market):
    listing = market.make_listing()
    root = _root()
    market.client("merchant").commit_stock(listing, root, 2)
    with reverts("EscrowBatchExists", root=root):
        market.client("merchant").commit_stock(listing, root, 3)


def test_a_root_copied_into_another_merchants_listing_does_not_block_the_merchants_commit(market):
    """Batches are keyed per merchant: a stranger who copies a pending root and commits it first
    gets a batch of its own, and the merchant's commit still goes through (issue 8)."""
    listing = market.make_listing()
    squatter = market.make_listing(merchant="merchant2")
    root = _root()
    market.client("merchant2").commit_stock(squatter, root, 2)  # the front-run
    market.client("merchant").commit_stock(listing, root, 2)
    stranger = market.client("stranger")
    assert stranger.batch(root, market.address("merchant")).listing_id == listing
    assert stranger.batch(root, market.address("merchant2")).listing_id == squatter


def test_the_same_merchant_cannot_commit_one_root_twice(market):
    listing = market.make_listing()
    root = _root()
    market.client("merchant").commit_stock(listing, root, 2)
    with reverts("EscrowBatchExists", root=root):
        market.client("merchant").commit_stock(market.make_listing(), root, 2)


@pytest.mark.parametrize(
    "sent", [2 * BOND, 3 * BOND + 1, 0], ids=["too-little", "too-much", "nothing"]
)
def test_a_wrong_bond_amount_is_refused(market, sent):
    listing = market.make_listing()
    with reverts("EscrowWrongPayment", expected=3 * BOND, received=sent):
        send(
            market.client("merchant"),
            lambda f: f.commitStock(listing, _root(), 3, b"\0" * 32),
            sent,
        )


def test_a_listing_without_bond_commits_stock_for_free(market):
    listing = market.make_listing(bond_per_unit=0)
    result = market.client("merchant").commit_stock(listing, _root(), 4)
    assert result.event("StockCommitted").args["bond"] == 0
    assert market.client("stranger").listing(listing).stock_available == 4


def test_committing_stock_costs_the_same_gas_for_one_unit_and_for_a_thousand(market):
    listing = market.make_listing()
    one = market.client("merchant").commit_stock(listing, _root(), 1).gas_used
    thousand = market.client("merchant").commit_stock(listing, _root(), 1000).gas_used
    assert abs(thousand - one) <= one * 0.05, (one, thousand)
    assert market.client("stranger").listing(listing).stock_available == 1001


# ------------------------------------------------------------------ revokeBatch


def test_revoking_an_unsold_batch_releases_its_whole_bond(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 5)
    result = market.client("merchant").revoke_batch(stock.root)
    assert result.event("StockRevoked").args == {
        "listingId": listing,
        "root": stock.root,
        "unitsRevoked": 5,
        "bondReleased": 5 * BOND,
    }
    assert market.credit("merchant") == 5 * BOND
    assert market.client("stranger").batch(stock.root).revoked == 5
    assert market.client("stranger").listing(listing).stock_available == 0


def test_revoking_releases_bond_only_for_units_neither_delivered_nor_reserved(market):
    # StockBook.revokeBatch: released = min(count - used - revoked, stockAvailable).
    listing = market.make_listing()
    stock = market.make_stock(listing, 5)
    delivered, _ = market.make_order(listing)
    market.deliver(delivered, stock)
    market.make_order(listing)  # paid, not delivered: its unit stays bonded
    result = market.client("merchant").revoke_batch(stock.root)
    assert result.event("StockRevoked").args["unitsRevoked"] == 3
    assert result.event("StockRevoked").args["bondReleased"] == 3 * BOND
    assert market.credit("merchant") == 3 * BOND
    assert market.client("stranger").listing(listing).stock_available == 0
    assert market.client("stranger").batch(stock.root) == Batch(listing, 5, 1, 3)


def test_revoking_one_batch_leaves_the_other_batches_of_the_listing_on_sale(market):
    listing = market.make_listing()
    first = market.make_stock(listing, 3)
    market.make_stock(listing, 4)
    market.client("merchant").revoke_batch(first.root)
    assert market.credit("merchant") == 3 * BOND
    assert market.client("stranger").listing(listing).stock_available == 4


def test_a_fully_revoked_batch_cannot_deliver(market):
    listing = market.make_listing()
    revoked = market.make_stock(listing, 3)
    spare = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.client("merchant").revoke_batch(revoked.root)  # all 3: the order relies on `spare`
    with reverts("EscrowBatchRevoked", root=revoked.root):
        market.deliver(order_id, revoked)
    market.deliver(order_id, spare)


def test_a_revoked_batch_keeps_the_units_open_orders_rely_on(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    order_id, _ = market.make_order(listing)
    result = market.client("merchant").revoke_batch(stock.root)
    assert result.event("StockRevoked").args["unitsRevoked"] == 2
    market.deliver(order_id, stock)  # the order's unit is still deliverable
    assert market.client("stranger").batch(stock.root) == Batch(listing, 3, 1, 2)


def test_a_batch_with_nothing_left_to_revoke_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    market.client("merchant").revoke_batch(stock.root)
    with reverts("EscrowNothingToRevoke", root=stock.root):
        market.client("merchant").revoke_batch(stock.root)
    assert market.credit("merchant") == 3 * BOND


def test_only_the_merchant_revokes_a_batch(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    with reverts("EscrowNotMerchant", listingId=listing, caller=market.address("stranger")):
        market.client("stranger").revoke_batch(stock.root)


def test_revoking_an_unknown_batch_is_refused(market):
    root = _root()
    with reverts("EscrowUnknownBatch", root=root):
        market.client("merchant").revoke_batch(root)


def test_a_reserved_unit_is_revocable_once_its_order_is_refunded(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    with reverts("EscrowNothingToRevoke", root=stock.root):  # the only unit is reserved
        market.client("merchant").revoke_batch(stock.root)
    market.client("merchant").refund(order_id)
    market.client("merchant").revoke_batch(stock.root)
    assert market.client("stranger").listing(listing).stock_available == 0
    assert market.credit("merchant") == BOND


def test_revoking_a_batch_under_open_orders_leaves_no_phantom_stock(market):
    listing = market.make_listing()
    first = market.make_stock(listing, 5)
    orders = [market.make_order(listing)[0] for _ in range(2)]
    market.client("merchant").revoke_batch(first.root)  # 3 released, 2 still back the orders
    second = market.make_stock(listing, 5)
    for order_id in orders:  # the merchant serves both orders from the new batch
        market.deliver(order_id, second)
    market.client("merchant").revoke_batch(second.root)
    market.client("merchant").revoke_batch(first.root)  # the 2 units the orders no longer need
    assert market.client("stranger").listing(listing).stock_available == 0
    assert market.credit("merchant") == 8 * BOND  # the 2 open orders still hold a bond each
    for order_id in orders:
        market.client("buyer").confirm(order_id)
    fee = PRICE // 100
    assert market.credit("merchant") == 10 * BOND + 2 * (PRICE - fee)


# ------------------------------------------------------------------ stock counter limits

UINT32_MAX = 2**32 - 1


def test_stock_beyond_the_uint32_counter_is_refused(market):
    listing = market.make_listing(bond_per_unit=0)
    market.client("merchant").commit_stock(listing, _root(), UINT32_MAX)
    with reverts("EscrowStockOverflow", listingId=listing):
        market.client("merchant").commit_stock(listing, _root(), 1)
    assert market.client("stranger").listing(listing).stock_available == UINT32_MAX


def test_a_refunded_unit_that_cannot_go_back_on_sale_returns_its_bond_to_the_merchant(market):
    listing = market.make_listing(bond_per_unit=1)
    market.client("merchant").commit_stock(listing, _root(), UINT32_MAX)
    order_id, _ = market.make_order(listing)
    market.client("merchant").commit_stock(listing, _root(), 1)  # the counter is full again
    market.client("merchant").refund(order_id)
    assert market.client("stranger").listing(listing).stock_available == UINT32_MAX
    assert market.credit("merchant") == 1
    assert market.credit("buyer") == PRICE
