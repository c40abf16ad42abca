"""Merchant, supplier, buyer and platform figures on a scenario whose truth is known: ten orders,
two of which the buyer disputes and wins by a misdelivery proof ten minutes later."""

from __future__ import annotations

import pytest

from fairkey.chain.types import DisputeReason
from tests.indexer.projection_support import ProjectionDb, Story, StoryDeal, hex_id, story_on
from tests.support.disputes import EVIDENCE, wrong_content_record
from tests.support.market import BOND, Market
from tests.support.rules import set_next_timestamp

PROOF_DELAY = 600  # seconds from each dispute to its proof


def ten_orders_two_misdelivered(m: Market) -> Story:
    start = m.w3.eth.block_number + 1
    listing = m.make_listing()
    batch_a = m.make_stock(listing, 5, supplier="supplier-a")
    batch_b = m.make_stock(listing, 5, supplier="supplier-b")
    deals: dict[str, StoryDeal] = {}
    for i in range(8):
        stock = batch_a if i < 5 else batch_b
        order_id, key = m.make_order(listing)
        record, _ = m.deliver(order_id, stock)
        m.client("buyer").confirm(order_id)
        deals[f"good{i}"] = StoryDeal(m, listing, stock, order_id, key, record)
    for i in range(2):
        order_id, key = m.make_order(listing)
        committed, record = wrong_content_record(m, order_id, batch_b)
        m.client("merchant").deliver(order_id, record, batch_b.tree.proof(committed.index))
        disputed_at = m.clock.now() + 10
        set_next_timestamp(m.w3, disputed_at)
        m.client("buyer").dispute(order_id, DisputeReason.WRONG_CONTENT, EVIDENCE)
        set_next_timestamp(m.w3, disputed_at + PROOF_DELAY)
        m.client("buyer").prove_misdelivery(order_id, key.secret, record)
        deals[f"wrong{i}"] = StoryDeal(m, listing, batch_b, order_id, key, record)
    # Another merchant with a single, perfect sale: 100% but one sample.
    other = m.make_listing("merchant2")
    other_stock = m.make_stock(other, 1, merchant="merchant2", supplier="supplier-c")
    order_id, key = m.make_order(other, "buyer2")
    m.deliver(order_id, other_stock, merchant="merchant2")
    m.client("buyer2").confirm(order_id)
    deals["lucky"] = StoryDeal(m, other, other_stock, order_id, key, None, "buyer2", "merchant2")
    return Story(m, start, {"l1": listing, "l2": other}, deals)


@pytest.fixture(scope="module")
def story(w3, accounts, deployed) -> Story:
    with story_on(w3, accounts, deployed, ten_orders_two_misdelivered) as captured:
        return captured


@pytest.fixture
def db(db_url, story):
    database = ProjectionDb.open(db_url)
    database.ingest_in_chunks(story.rows, [5, 11, 8], story.head)
    yield database
    database.close()


def test_the_merchant_record_counts_the_two_proven_misdeliveries(db, story):
    m = db.one("merchants", merchant=story.market.address("merchant").lower())
    assert (m["orders"], m["open"], m["settled"], m["completed"], m["refunded"]) == (
        10,
        0,
        10,
        8,
        2,
    )
    assert (m["completion_bps"], m["disputed"], m["dispute_bps"]) == (8000, 2, 2000)
    assert (m["faults_misdelivery"], m["faults_late"], m["faults_silent"]) == (2, 0, 0)
    assert m["faults_proven"] == 2
    assert (m["l1_cases"], m["l1_median_s"], m["l2_cases"], m["l3_cases"]) == (2, PROOF_DELAY, 0, 0)


def test_the_score_is_the_wilson_lower_bound_so_one_lucky_sale_ranks_below_eight_of_ten(db, story):
    m = db.one("merchants", merchant=story.market.address("merchant").lower())
    lucky = db.one("merchants", merchant=story.market.address("merchant2").lower())
    assert m["score_bps"] == 4901  # 8 of 10 at 95%: 0.4901...
    assert (lucky["completion_bps"], lucky["score_bps"]) == (10_000, 2065)  # 1 of 1: 0.2065...


def test_each_misdelivered_order_is_an_l1_case_refunded_with_the_units_bond(db, story):
    for name in ("wrong0", "wrong1"):
        order = db.one("orders", order_id=hex_id(story.deals[name].order_id))
        assert (order["status"], order["cause"], order["tier"]) == ("Refunded", "Misdelivery", 1)
        assert order["handling_s"] == PROOF_DELAY
        assert order["compensation"] == BOND
        assert order["misdelivery_fault"] is not None


def test_the_supplier_of_the_batch_carries_the_disputes_and_misdeliveries(db, story):
    merchant = story.market.address("merchant").lower()
    by_tag = {
        bytes.fromhex(r["supplier"][2:]).rstrip(b"\0").decode(): r
        for r in db.rows("suppliers", merchant=merchant)
    }
    assert set(by_tag) == {"supplier-a", "supplier-b"}
    a, b = by_tag["supplier-a"], by_tag["supplier-b"]
    assert (a["units_committed"], a["units_delivered"], a["disputes"], a["misdeliveries"]) == (
        5,
        5,
        0,
        0,
    )
    assert (b["units_committed"], b["units_delivered"], b["disputes"], b["misdeliveries"]) == (
        5,
        5,
        2,
        2,
    )


def test_the_buyer_won_two_refunds_by_proof_and_lost_no_dispute(db, story):
    buyer = db.one("buyers", buyer=story.market.address("buyer").lower())
    assert (buyer["orders"], buyer["disputes_opened"], buyer["disputes_lost"]) == (10, 2, 0)
    assert (buyer["refunds_won"], buyer["misdeliveries_proven"]) == (2, 2)


def test_the_platform_resolves_every_case_at_l1_and_blames_the_merchant(db, story):
    p = db.platform()
    assert (p["cases"], p["cases_l1"], p["share_l1_bps"], p["share_l2_bps"]) == (2, 2, 10_000, 0)
    assert (p["handling_l1_avg_s"], p["handling_l1_median_s"]) == (PROOF_DELAY, PROOF_DELAY)
    assert p["handling_l2_median_s"] is None and p["handling_l3_avg_s"] is None
    assert (p["faults_merchant"], p["faults_supplier"], p["faults_supplier_bps"]) == (2, 0, 0)
