"""7- and 30-day figures, delivery latency percentiles and the after-sales alert, with the chain's
clock set for every transaction (never a sleep). Windows are UTC days ending at the indexed head:
moving the head into a new day moves every listing's windows, with or without new events."""

from __future__ import annotations

import pytest

from fairkey.chain.types import DisputeReason
from indexer.projections import Head
from indexer.projections.windows import DAY, as_date, day_of
from tests.indexer.projection_support import ProjectionDb, Story, StoryDeal, head_of_rows, story_on
from tests.support.disputes import EVIDENCE
from tests.support.market import HOUR, Market
from tests.support.rules import set_next_timestamp

NEW_PRICE = 2 * 10**16


def _base_day(m: Market) -> int:
    """Midnight (UTC) two days after the chain's clock: a clean day 0 for the story."""
    return (day_of(m.clock.now()) + 2) * DAY


def _sale(m: Market, listing: int, stock, at: int, latency: int | None, merchant="merchant"):
    """An order paid at `at` and delivered `latency` seconds later (None: not delivered)."""
    set_next_timestamp(m.w3, at)
    order_id, key = m.make_order(listing)
    if latency is not None:
        set_next_timestamp(m.w3, at + latency)
        m.deliver(order_id, stock, merchant=merchant)
    return order_id


def _at(m: Market, ts: int, action, *args):
    set_next_timestamp(m.w3, ts)
    return action(*args)


def windows_story(m: Market) -> Story:
    """Listing 1: 4 sales on day 0, 3 on day 10, 2 on day 25, a price change on day 28.
    Listing 2: 2 sales on day 0 and nothing after."""
    start = m.w3.eth.block_number + 1
    base = _base_day(m)
    listing = m.make_listing()
    stock = m.make_stock(listing, 12)
    quiet = m.make_listing("merchant2")
    quiet_stock = m.make_stock(quiet, 3, merchant="merchant2")
    buyer, seller = m.client("buyer"), m.client("merchant")

    for i, latency in enumerate([60, 120, 180, 240]):  # day 0: all confirmed that day
        t = base + 10 * HOUR + i * 1000
        order_id = _sale(m, listing, stock, t, latency)
        _at(m, t + latency + 100, buyer.confirm, order_id)
    for i in range(2):
        t = base + 11 * HOUR + i * 1000
        order_id = _sale(m, quiet, quiet_stock, t, 50, merchant="merchant2")
        _at(m, t + 200, buyer.confirm, order_id)

    day10 = base + 10 * DAY + 10 * HOUR
    a = _sale(m, listing, stock, day10, 30)
    b = _sale(m, listing, stock, day10 + 2000, 600)
    _sale(m, listing, stock, day10 + 4000, 1200)  # stays delivered (open)
    _at(m, day10 + 5000, buyer.confirm, a)
    _at(m, day10 + 5100, buyer.dispute, b, DisputeReason.KEY_INVALID, EVIDENCE)
    _at(m, day10 + 5200, seller.refund, b)

    day25 = base + 25 * DAY + 10 * HOUR
    c = _sale(m, listing, stock, day25, 90)
    _at(m, day25 + 1000, buyer.confirm, c)
    d = _sale(m, listing, stock, day25 + 2000, None)
    _at(m, day25 + 2100, seller.refund, d)  # out of stock: refunded before delivery

    _at(m, base + 28 * DAY + 12 * HOUR, seller.set_price, listing, NEW_PRICE)
    return Story(m, start, {"l1": listing, "l2": quiet}, {}, base=base)


@pytest.fixture(scope="module")
def story(w3, accounts, deployed) -> Story:
    with story_on(w3, accounts, deployed, windows_story) as captured:
        return captured


@pytest.fixture
def db(db_url):
    database = ProjectionDb.open(db_url)
    yield database
    database.close()


def _window_figures(row: dict) -> dict:
    keys = (
        "sales_7d",
        "settled_7d",
        "completed_7d",
        "success_7d_bps",
        "sales_30d",
        "settled_30d",
        "completed_30d",
        "success_30d_bps",
        "latency_samples_30d",
        "latency_p50_s",
        "latency_p95_s",
    )
    return {k: row[k] for k in keys}


def test_seven_and_thirty_day_figures_end_at_the_head(db, story):
    db.ingest_in_chunks(story.rows, [6, 10], story.head)
    assert day_of(story.head.time) == day_of(story.base) + 28
    row = db.one("listings", listing_id=story.listings["l1"])
    # 7 days = days 22..28: the two day-25 sales (one confirmed, one refunded before delivery).
    # 30 days = days -1..28: everything. Latencies 30 60 90 120 180 240 600 1200 (nearest rank).
    assert _window_figures(row) == {
        "sales_7d": 2,
        "settled_7d": 2,
        "completed_7d": 1,
        "success_7d_bps": 5000,
        "sales_30d": 9,
        "settled_30d": 8,
        "completed_30d": 6,
        "success_30d_bps": 7500,
        "latency_samples_30d": 8,
        "latency_p50_s": 120,
        "latency_p95_s": 1200,
    }
    assert row["price"] == NEW_PRICE
    db.assert_equals_rebuild(story.head)


def test_a_new_utc_day_moves_every_listings_windows_without_new_events(db, story):
    db.ingest(story.rows, story.head)
    quiet = db.one("listings", listing_id=story.listings["l2"])
    assert (quiet["sales_30d"], quiet["latency_samples_30d"]) == (2, 2)

    later = Head(story.head.number + 500, story.base + 31 * DAY + 12 * HOUR)
    db.move_head(later)  # blocks without escrow events: only the head moved

    # 30 days = days 2..31: day 0 drops out of every listing, touched or not.
    quiet = db.one("listings", listing_id=story.listings["l2"])
    assert (quiet["sales_30d"], quiet["settled_30d"], quiet["latency_samples_30d"]) == (0, 0, 0)
    assert quiet["success_30d_bps"] is None and quiet["latency_p50_s"] is None
    row = db.one("listings", listing_id=story.listings["l1"])
    assert _window_figures(row) == {
        "sales_7d": 2,
        "settled_7d": 2,
        "completed_7d": 1,
        "success_7d_bps": 5000,
        "sales_30d": 5,
        "settled_30d": 4,
        "completed_30d": 2,
        "success_30d_bps": 5000,
        "latency_samples_30d": 4,
        "latency_p50_s": 90,  # of 30 90 600 1200
        "latency_p95_s": 1200,
    }
    assert db.platform()["orders"] == 11  # all-time figures do not move with the head
    db.assert_equals_rebuild(later)


def test_a_chunk_that_touches_one_listing_on_a_new_day_updates_the_others_too(db, story):
    *earlier, last = story.rows
    db.ingest(earlier, head_of_rows(earlier))
    later = Head(last["block_number"] + 100, story.base + 31 * DAY)
    db.ingest([last], later)  # the price change of listing 1 only
    quiet = db.one("listings", listing_id=story.listings["l2"])
    assert quiet["sales_30d"] == 0
    db.assert_equals_rebuild(later)


# ---------------------------------------------------------------------------- the alert

BASELINE_ORDERS = 50  # one of them disputed: 2%


def after_sales_jump_story(m: Market) -> Story:
    """Day 0: 50 deliveries, 1 disputed (2%). Day 10: 19 deliveries, 3 of them disputed, then a
    20th delivery (3 of 20 = 15%)."""
    start = m.w3.eth.block_number + 1
    base = _base_day(m) + HOUR
    listing = m.make_listing()
    stock = m.make_stock(listing, BASELINE_ORDERS + 20)
    buyer = m.client("buyer")
    deals = {}
    set_next_timestamp(m.w3, base)
    for i in range(BASELINE_ORDERS):
        order_id, key = m.make_order(listing)
        m.deliver(order_id, stock)
        deals[f"base{i}"] = StoryDeal(m, listing, stock, order_id, key)
    buyer.dispute(deals["base0"].order_id, DisputeReason.KEY_INVALID, EVIDENCE)

    set_next_timestamp(m.w3, base + 10 * DAY)
    for i in range(20):
        order_id, key = m.make_order(listing)
        m.deliver(order_id, stock)
        deals[f"now{i}"] = StoryDeal(m, listing, stock, order_id, key)
        if i == 18:
            for k in range(3):
                buyer.dispute(deals[f"now{k}"].order_id, DisputeReason.KEY_INVALID, EVIDENCE)
    return Story(m, start, {"l1": listing}, deals, base=base)


@pytest.fixture(scope="module")
def jump(w3, accounts, deployed) -> Story:
    with story_on(w3, accounts, deployed, after_sales_jump_story) as captured:
        return captured


def test_the_alert_fires_when_the_after_sales_rate_jumps_from_2_to_15_percent(db, jump):
    listing = jump.listings["l1"]
    last_delivery = max(i for i, r in enumerate(jump.rows) if r["name"] == "KeyDelivered")
    before, after = jump.rows[:last_delivery], jump.rows[last_delivery:]
    db.ingest(before, head_of_rows(before))

    row = db.one("listings", listing_id=listing)
    assert (row["delivered_7d"], row["disputed_7d"], row["after_sales_7d_bps"]) == (19, 3, 1578)
    assert (row["baseline_delivered"], row["baseline_disputed"]) == (BASELINE_ORDERS, 1)
    assert row["baseline_after_sales_bps"] == 200
    assert db.rows("listing_alerts") == []  # 15.8% but only 19 orders: below the sample minimum

    db.ingest(after, jump.head)
    row = db.one("listings", listing_id=listing)
    assert (row["delivered_7d"], row["disputed_7d"], row["after_sales_7d_bps"]) == (20, 3, 1500)
    alert = db.one("listing_alerts", listing_id=listing)
    day10 = day_of(jump.base) + 10
    assert alert == {
        "listing_id": listing,
        "kind": "after_sales_jump",
        "since_day": as_date(day10),
        "until_day": None,
        "delivered": 20,
        "disputed": 3,
        "rate_bps": 1500,
        "baseline_delivered": BASELINE_ORDERS,
        "baseline_disputed": 1,
        "baseline_bps": 200,
        "peak_rate_bps": 1500,
    }
    db.assert_equals_rebuild(jump.head)


def test_the_alert_ends_when_the_bad_week_leaves_the_window(db, jump):
    db.ingest(jump.rows, jump.head)
    day10 = day_of(jump.base) + 10
    still = Head(jump.head.number + 10, (day10 + 6) * DAY + 23 * HOUR)
    db.move_head(still)
    assert db.one("listing_alerts", listing_id=jump.listings["l1"])["until_day"] is None
    over = Head(jump.head.number + 20, (day10 + 7) * DAY)
    db.move_head(over)
    alert = db.one("listing_alerts", listing_id=jump.listings["l1"])
    assert (alert["since_day"], alert["until_day"]) == (as_date(day10), as_date(day10 + 7))
    assert db.one("listings", listing_id=jump.listings["l1"])["delivered_7d"] == 0
    db.assert_equals_rebuild(over)
