"""A VALID verifier verdict ("a working key is a delivered key") as the index folds it: the order
is Delivered again (never VerifierRefundPending), an order paid with the verdict standing is L1
and a lost dispute for its buyer, the buyer's contest of it is L3, and a VALID verdict is no bad
key of the supplier. Real escrow logs on Anvil; live refreshes equal a rebuild."""

from __future__ import annotations

import pytest

from fairkey.chain.types import DisputeReason, Verdict
from tests.indexer.projection_support import (
    ProjectionDb,
    Story,
    _Actor,
    story_on,
)
from tests.support.disputes import EVIDENCE, sign_verdict, submit
from tests.support.market import HOUR, Market

# name -> (status, cause, tier, dispute_lost)
ENDINGS = {
    "valid_settled": ("Completed", "ConfirmWindowPassed", 1, True),
    "valid_confirmed": ("Completed", "BuyerConfirmed", 1, True),
    "valid_contested_refund": ("Refunded", "Ruling", 3, False),
    "valid_contested_pay": ("Completed", "Ruling", 3, True),
    "invalid_refunded": ("Refunded", "VerifierAttested", 1, False),
    "valid_open": ("Delivered", None, None, False),
}


def valid_verdict_story(m: Market) -> Story:
    start = m.w3.eth.block_number + 1
    listing = m.make_listing("merchant")
    stock = m.make_stock(listing, 10, supplier="supplier-a")
    a = _Actor(m)
    c = m.client

    def found_valid(name: str, reason=DisputeReason.KEY_INVALID):
        d = a.order(name, listing, stock)
        a.dispute(d, reason)
        submit(d, sign_verdict(d, Verdict.VALID))
        return d

    found_valid("valid_settled", DisputeReason.NOT_AS_DESCRIBED)
    d = found_valid("valid_confirmed")
    c("buyer").confirm(d.order_id)
    for name, ruling in (("valid_contested_refund", 1), ("valid_contested_pay", 2)):
        d = found_valid(name, DisputeReason.OTHER)
        case = c("buyer").contest(d.order_id, EVIDENCE).event("ArbitrationRequested")
        a.rule(case.args["disputeId"], ruling)
    d = a.order("invalid_refunded", listing, stock)
    a.dispute(d)
    a.attest(d)  # INVALID
    m.clock.advance(13 * HOUR)  # past the response and appeal windows
    c("stranger").settle(a.deals["valid_settled"].order_id)
    c("stranger").execute_verifier_refund(a.deals["invalid_refunded"].order_id)
    found_valid("valid_open")
    return Story(m, start, {"l1": listing}, a.deals)


@pytest.fixture(scope="module")
def story(w3, accounts, deployed) -> Story:
    with story_on(w3, accounts, deployed, valid_verdict_story) as captured:
        return captured


@pytest.fixture
def db(db_url, story):
    database = ProjectionDb.open(db_url)
    database.ingest_in_chunks(story.rows, [5, 11, 17], story.head)
    yield database
    database.close()


def test_orders_after_a_valid_verdict_end_as_the_chain_says_with_their_tier(db, story):
    for name, (status, cause, tier, lost) in ENDINGS.items():
        row = db.one("orders", order_id=story.order_id(name))
        assert story.chain_status[name] == status, name
        assert (row["status"], row["cause"], row["tier"]) == (status, cause, tier), name
        assert row["dispute_lost"] is lost, name
        assert row["verdict"] == (Verdict.INVALID if name == "invalid_refunded" else Verdict.VALID)
        assert row["attestations"] == (1 if name == "invalid_refunded" else 0), name


def test_a_valid_verdict_puts_the_timeline_back_to_delivered_with_the_buyers_deadline(db, story):
    order_id = story.order_id("valid_open")
    events = db.rows("order_events", order_by="block_number", order_id=order_id)
    attested = [e for e in events if e["event"] == "VerifierAttested"]
    assert [(e["status"], e["detail"]) for e in attested] == [("Delivered", "Valid")]
    row = db.one("orders", order_id=order_id)
    assert row["status"] == "Delivered" and row["deadline"] == attested[0]["deadline"]


def test_a_valid_verdict_is_no_bad_key_of_the_supplier(db, story):
    [supplier] = db.rows("suppliers")
    assert (supplier["units_delivered"], supplier["disputes"], supplier["bad_keys"]) == (6, 6, 1)
    assert db.platform()["faults_supplier"] == 1


def test_buyers_who_lie_about_a_working_key_carry_lost_disputes(db, story):
    buyer = db.one("buyers", buyer=story.market.address("buyer").lower())
    assert buyer["disputes_lost"] == 3  # settled, confirmed, ruled for the merchant


def test_live_tables_equal_a_rebuild(db, story):
    db.assert_equals_rebuild(story.head)
