"""Orders, timelines, stock and court cases as the chain says: one real story on Anvil that ends
orders in every possible way (and leaves one open in every open state), indexed in chunks."""

from __future__ import annotations

import json

import pytest

from tests.indexer.projection_support import (
    EVERY_PATH,
    ProjectionDb,
    Story,
    every_path_story,
    story_on,
)


@pytest.fixture(scope="module")
def story(w3, accounts, deployed) -> Story:
    with story_on(w3, accounts, deployed, every_path_story) as captured:
        return captured


@pytest.fixture
def db(db_url, story):
    database = ProjectionDb.open(db_url)
    database.ingest_in_chunks(story.rows, [9, 17, 25, 31], story.head)
    yield database
    database.close()


def _logs_of(story: Story, order_id: str) -> list[dict]:
    return [r for r in story.rows if r["order_id"] == order_id]


def _ruled_after(story: Story, name: str) -> int:
    logs = _logs_of(story, story.order_id(name))
    requested = next(r["block_time"] for r in logs if r["name"] == "ArbitrationRequested")
    return logs[-1]["block_time"] - requested


def test_every_order_shows_the_status_the_contract_holds_and_how_it_ended(db, story):
    for name, (status, cause, tier) in EVERY_PATH.items():
        row = db.one("orders", order_id=story.order_id(name))
        assert story.chain_status[name] == status, name  # the story did what it says
        assert (row["status"], row["cause"], row["tier"]) == (status, cause, tier), name


def test_the_timeline_lists_every_event_with_its_block_time_and_transaction(db, story):
    order_id = story.order_id("replaced")
    timeline = db.rows("order_events", order_id=order_id)
    timeline.sort(key=lambda e: (e["block_number"], e["log_index"]))
    logs = _logs_of(story, order_id)
    assert [
        (e["block_number"], e["log_index"], e["block_time"], e["tx_hash"]) for e in timeline
    ] == [(r["block_number"], r["log_index"], r["block_time"], r["tx_hash"]) for r in logs]
    assert [(e["event"], e["status"], e["detail"]) for e in timeline] == [
        ("OrderPaid", "Paid", None),
        ("KeyDelivered", "Delivered", "0"),
        ("OrderDisputed", "Disputed", "KeyInvalid"),
        ("KeyDelivered", "Delivered", "1"),
        ("OrderCompleted", "Completed", "BuyerConfirmed"),
    ]


def test_a_ruled_order_shows_the_ruling_and_the_settlement_in_the_same_transaction(db, story):
    order_id = story.order_id("ruled_pay")
    timeline = db.rows("order_events", order_id=order_id)
    timeline.sort(key=lambda e: (e["block_number"], e["log_index"]))
    assert [(e["event"], e["status"], e["detail"]) for e in timeline] == [
        ("OrderPaid", "Paid", None),
        ("KeyDelivered", "Delivered", "0"),
        ("OrderDisputed", "Disputed", "NotAsDescribed"),
        ("ArbitrationRequested", "Arbitrating", timeline[3]["detail"]),
        ("Ruling", "Arbitrating", "PayMerchant"),
        ("OrderCompleted", "Completed", "Ruling"),
    ]
    assert timeline[4]["tx_hash"] == timeline[5]["tx_hash"]
    order = db.one("orders", order_id=order_id)
    assert order["ruling"] == 2 and order["dispute_lost"] is True


def test_an_open_order_shows_the_deadline_of_its_current_phase_never_a_made_up_state(db, story):
    expected_deadline_arg = {
        "open_paid": "deliveryDeadline",
        "open_delivered": "confirmDeadline",
        "open_disputed": "responseDeadline",
        "open_verdict": "appealDeadline",
        "open_court": "timeoutAt",
    }
    for name, arg in expected_deadline_arg.items():
        order_id = story.order_id(name)
        last = _logs_of(story, order_id)[-1]
        row = db.one("orders", order_id=order_id)
        assert row["status"] == story.chain_status[name]
        assert row["deadline"] == _args(last)[arg], name
        assert row["resolved_time"] is None and row["tier"] is None
    settled = db.one("orders", order_id=story.order_id("confirmed"))
    assert settled["deadline"] is None


def test_settlement_amounts_are_the_events_amounts(db, story):
    for name, event in (("ruled_split", "OrderSplit"), ("late", "OrderRefunded")):
        order_id = story.order_id(name)
        args = _args(next(r for r in _logs_of(story, order_id) if r["name"] == event))
        row = db.one("orders", order_id=order_id)
        assert row["buyer_amount"] == args["buyerAmount"]
        if event == "OrderSplit":
            assert (row["merchant_amount"], row["fee"]) == (args["merchantAmount"], args["fee"])
        else:
            assert row["compensation"] == args["compensation"] > 0  # late: the unit's bond


def test_listing_stock_and_sales_match_the_contracts_own_counts(db, story):
    for name, listing_id in story.listings.items():
        row = db.one("listings", listing_id=listing_id)
        assert row["stock_available"] == story.chain_stock[name], name
    l1 = db.one("listings", listing_id=story.listings["l1"])
    assert (l1["sales"], l1["open"], l1["settled"]) == (18, 4, 14)
    assert (l1["completed"], l1["refunded"], l1["split"]) == (5, 9, 0)
    assert (l1["units_committed"], l1["units_delivered"]) == (30, 16)


def test_court_cases_record_the_ruling_the_timeout_and_the_proof_that_ended_them(db, story):
    outcomes = {}
    for name in ("ruled_refund", "ruled_pay", "ruled_split", "stalled", "proof_in_court"):
        case = db.one("arbitration_cases", order_id=story.order_id(name))
        outcomes[name] = (case["ruling"], case["outcome"])
        assert case["resolved_time"] is not None
    assert outcomes == {
        "ruled_refund": (1, "Ruling"),
        "ruled_pay": (2, "Ruling"),
        "ruled_split": (0, "Ruling"),
        "stalled": (None, "ArbitrationTimeout"),
        "proof_in_court": (None, "Misdelivery"),
    }
    open_case = db.one("arbitration_cases", order_id=story.order_id("open_court"))
    assert open_case["outcome"] is None and open_case["resolved_time"] is None

    (court,) = db.rows("arbitrators")
    assert court["arbitrator"] == story.market.arbitrator_address.lower()
    figures = {k: court[k] for k in court if k not in ("arbitrator",)}
    # Request to ruling, from the chain's block times (the ruling's transaction settles the
    # order: its last log): the test court rules a block after the contest, 0 or 1 s later as
    # the wall clock ticks (Anvil stamps blocks with it).
    waits = sorted(
        _ruled_after(story, name) for name in ("ruled_refund", "ruled_pay", "ruled_split")
    )
    assert figures == {
        "cases": 6,
        "open": 1,
        "ruled": 3,
        "refund_rulings": 1,
        "pay_rulings": 1,
        "split_rulings": 1,
        "timed_out": 1,
        "ended_by_proof": 1,
        "ruling_median_s": waits[1],
        "ruling_avg_s": sum(waits) // 3,
        # A TestArbitrator is no Court: none of the court's own figures (test_projection_court).
        **dict.fromkeys(
            ("court_cases", "executions_refused", "appeals", "aborted_rounds", "jurors"), 0
        ),
        **dict.fromkeys(("jurors_seated", "seats_judged", "seats_coherent"), 0),
        "coherence_bps": None,
    }


def test_platform_shares_by_tier_and_faults_by_party(db, story):
    p = db.platform()
    assert (p["orders"], p["open"], p["settled"]) == (21, 5, 16)
    # L1: verifier, verdict_refunded, late, silent, misdelivered, proof_in_court; L2: replaced,
    # withdrawn, merchant_refund; L3: three rulings and the stalled court.
    assert (p["cases"], p["cases_l1"], p["cases_l2"], p["cases_l3"]) == (13, 6, 3, 4)
    assert (p["share_l1_bps"], p["share_l2_bps"], p["share_l3_bps"]) == (4615, 2307, 3076)
    # Suppliers: three verifier attestations (one still in its appeal window); merchants: two
    # misdeliveries, one late delivery, one silence.
    assert (p["faults_supplier"], p["faults_merchant"], p["faults_supplier_bps"]) == (3, 4, 4285)
    stalled = db.one("orders", order_id=story.order_id("stalled"))
    assert stalled["handling_s"] == stalled["resolved_time"] - stalled["first_disputed_time"]
    # Three rulings right after their disputes (a second apart at most when the machine is
    # loaded: automine stamps blocks with the wall clock), and the stalled court.
    l3 = sorted(db.one("orders", order_id=story.order_id(name))["handling_s"]
                for name in ("ruled_refund", "ruled_pay", "ruled_split", "stalled"))  # fmt: skip
    assert l3[:3] == sorted(l3[:3]) and l3[2] <= 2 and l3[3] == stalled["handling_s"]
    assert p["handling_l3_median_s"] == l3[1]  # nearest-rank lower median of four
    assert p["handling_l3_avg_s"] == sum(l3) // 4


def test_merchants_count_only_settled_orders_and_their_proven_faults(db, story):
    merchant = db.one("merchants", merchant=story.market.address("merchant").lower())
    assert (merchant["orders"], merchant["open"], merchant["settled"]) == (18, 4, 14)
    assert (merchant["completed"], merchant["completion_bps"]) == (5, 3571)
    assert (merchant["disputed"], merchant["dispute_bps"]) == (9, 6428)
    faults = ("faults_misdelivery", "faults_late", "faults_silent", "faults_proven")
    assert [merchant[k] for k in faults] == [2, 1, 1, 4]
    assert [merchant[f"l{t}_cases"] for t in (1, 2, 3)] == [6, 3, 2]
    other = db.one("merchants", merchant=story.market.address("merchant2").lower())
    assert (other["settled"], other["split"], other["completed"], other["score_bps"]) == (
        2,
        2,
        0,
        0,
    )


def test_buyers_who_withdraw_or_lose_in_court_carry_lost_disputes(db, story):
    buyer2 = db.one("buyers", buyer=story.market.address("buyer2").lower())
    assert (buyer2["orders"], buyer2["disputes_opened"], buyer2["disputes_lost"]) == (2, 2, 2)
    buyer = db.one("buyers", buyer=story.market.address("buyer").lower())
    assert buyer["disputes_lost"] == 0
    # merchant_refund, verifier, verdict_refunded, silent, ruled_refund, proof_in_court
    assert (buyer["refunds_won"], buyer["misdeliveries_proven"]) == (6, 2)


def test_deliveries_and_disputes_are_attributed_to_the_batch_supplier(db, story):
    rows = {r["merchant"]: r for r in db.rows("suppliers")}
    a = rows[story.market.address("merchant").lower()]
    b = rows[story.market.address("merchant2").lower()]
    assert bytes.fromhex(a["supplier"][2:]).rstrip(b"\0") == b"supplier-a"
    assert bytes.fromhex(b["supplier"][2:]).rstrip(b"\0") == b"supplier-b"
    assert (a["units_committed"], a["units_delivered"], a["bad_keys"], a["misdeliveries"]) == (
        30,
        16,
        3,
        2,
    )
    # Disputed while held: 10 disputed orders of listing 1 plus the first key of "replaced".
    assert a["disputes"] == 11
    assert (b["units_delivered"], b["disputes"], b["bad_keys"]) == (3, 3, 0)
    replaced = db.rows(
        "order_deliveries", order_id=story.order_id("replaced"), order_by="delivery_no"
    )
    assert [(d["disputed"], d["replaced"]) for d in replaced] == [(True, True), (False, False)]


def _args(row: dict) -> dict:
    return json.loads(row["args"])
