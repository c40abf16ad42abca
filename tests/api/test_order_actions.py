"""`GET /orders/{id}/actions`: what the signed-in caller may do with an order now and until when,
the SDK's one rule (fairkey/flows/actions.py) over the real escrow's state, with transactions
the caller's wallet signs and the escrow takes. Real Anvil, real court, real orders."""

from __future__ import annotations

import pytest

from api.problems import PROBLEM_BASE
from arbitration.court_client import Choice
from fairkey.chain.types import OrderStatus, Verdict, order_ref
from tests.api.conftest import open_case, wallet_send
from tests.api.shop import open_shop
from tests.api.shop_layer import layer_of, layered_shop
from tests.api.test_cases import _to_appeal
from tests.support.disputes import MERCHANT_EVIDENCE, sign_verdict, submit

shop_layer = layer_of(open_shop)
shop = pytest.fixture(name="shop")(layered_shop)


def _actions(client, order_id: int, **params) -> dict:
    answer = client.get(f"/orders/{order_ref(order_id)}/actions", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _by_kind(answer: dict) -> dict[str, dict]:
    return {a["kind"]: a for a in answer["actions"]}


def test_the_buyer_of_a_delivery_confirms_it_with_the_transaction_the_api_prepared(api, shop):
    buyer = shop.market.accounts["buyer"]
    order_id = shop.order_id("delivered")
    answer = _actions(api.sign_in(buyer), order_id)
    assert (answer["role"], answer["status"]) == ("buyer", "Delivered")
    actions = _by_kind(answer)
    assert set(actions) == {"confirm", "dispute", "prove-misdelivery"}
    deadline = shop.orders["delivered"].order().deadline
    assert actions["dispute"]["until"] == deadline == answer["deadline"]
    # The proof needs the per-order key: no transaction from the API.
    assert actions["prove-misdelivery"]["needs"] == "order-key"
    assert actions["prove-misdelivery"]["tx"] is None

    wallet_send(shop.world, buyer, actions["confirm"]["tx"])
    assert shop.orders["delivered"].order().status is OrderStatus.COMPLETED
    assert _actions(api.sign_in(buyer), order_id)["actions"] == []


def test_a_dispute_is_offered_per_reason_with_its_bond_and_the_escrow_takes_it(api, shop):
    buyer = shop.market.accounts["buyer"]
    order_id = shop.order_id("delivered")
    evidence = "0x" + MERCHANT_EVIDENCE.hex()
    dispute = _by_kind(_actions(api.sign_in(buyer), order_id, evidence_hash=evidence))["dispute"]
    reasons = {r["reason"]: r["tx"] for r in dispute["reasons"]}
    assert set(reasons) == {"wrong-content", "duplicate", "key-invalid", "not-as-described",
                            "other"}  # fmt: skip
    assert dispute["value"] == "1000000000000000" and dispute["token"]["symbol"] == "ETH"
    assert dispute["approve"] is None  # ETH: the bond is the transaction's value
    tx = reasons["key-invalid"]
    assert int(tx["value"], 16) == 10**15
    disputed = wallet_send(shop.world, buyer, tx).event("OrderDisputed").args
    assert disputed["evidenceHash"] == MERCHANT_EVIDENCE
    assert shop.orders["delivered"].order().status is OrderStatus.DISPUTED


def test_an_erc20_dispute_bond_is_approved_exactly_then_paid(api, shop):
    buyer = shop.market.accounts["buyer2"]
    dispute = _by_kind(_actions(api.sign_in(buyer), shop.order_id("token")))["dispute"]
    assert dispute["token"]["symbol"] == "dUSD" and dispute["value"] == "100000"
    approve = dispute["approve"]
    assert approve["to"] == shop.market.token_address
    wallet_send(shop.world, buyer, approve)
    other = {r["reason"]: r["tx"] for r in dispute["reasons"]}["other"]
    assert int(other["value"], 16) == 0
    wallet_send(shop.world, buyer, other)
    assert shop.orders["token"].order().status is OrderStatus.DISPUTED


def test_the_merchant_answers_a_dispute_and_its_contest_opens_a_court_case(api, shop):
    merchant = shop.market.accounts["merchant"]
    deal = shop.orders["disputed"]
    answer = _actions(api.sign_in(merchant), deal.order_id)
    actions = _by_kind(answer)
    assert answer["role"] == "merchant"
    assert set(actions) == {"refund", "replace", "contest", "withdraw"}  # credit: its sales
    assert actions["replace"]["needs"] == "vault" and actions["replace"]["tx"] is None
    fee = shop.market.client("merchant").arbitration_cost(deal.order_id)
    contest = actions["contest"]
    assert contest["until"] == deal.order().deadline and contest["value"] == str(fee)
    requested = wallet_send(shop.world, merchant, contest["tx"]).event("ArbitrationRequested")
    assert requested.args["orderId"] == deal.order_id
    assert deal.order().status is OrderStatus.ARBITRATING


def test_the_buyer_of_a_disputed_order_may_send_the_key_to_the_listings_verifier(make_api, shop):
    verifier = shop.market.address("verifier")
    api = make_api(verifier_urls={verifier.lower(): "http://127.0.0.1:8600"})
    answer = _actions(api.sign_in(shop.market.accounts["buyer"]), shop.order_id("disputed"))
    verify = _by_kind(answer)["verify"]
    assert (verify["verifier"], verify["verifier_url"], verify["needs"], verify["function"]) == (
        verifier,
        "http://127.0.0.1:8600",
        "key",
        None,
    )


def test_a_verifier_refund_is_contested_by_the_merchant_and_waits_for_the_buyer(api, shop):
    order_id = shop.order_id("verdict")
    merchant = _by_kind(_actions(api.sign_in(shop.market.accounts["merchant"]), order_id))
    assert set(merchant) == {"refund", "replace", "contest-verdict", "withdraw"}
    buyer = _by_kind(_actions(api.sign_in(shop.market.accounts["buyer"]), order_id))
    assert set(buyer) == {"confirm", "prove-misdelivery"}


def test_a_valid_verdict_is_taken_to_the_court_by_the_buyer_with_the_prepared_transaction(
    api, shop
):
    deal = shop.orders["disputed"]
    submit(deal, sign_verdict(deal, Verdict.VALID))
    assert deal.order().verdict_stands
    buyer = shop.market.accounts["buyer"]
    answer = _actions(api.sign_in(buyer), deal.order_id)
    actions = _by_kind(answer)
    assert answer["status"] == "Delivered"
    assert set(actions) == {"confirm", "prove-misdelivery", "contest-verdict"}  # no 2nd dispute
    merchant = _by_kind(_actions(api.sign_in(shop.market.accounts["merchant"]), deal.order_id))
    assert "contest-verdict" not in merchant and "refund" in merchant
    fee = shop.market.client("buyer").arbitration_cost(deal.order_id)
    contest = actions["contest-verdict"]
    assert contest["until"] == deal.order().deadline and contest["value"] == str(fee)
    requested = wallet_send(shop.world, buyer, contest["tx"]).event("ArbitrationRequested")
    assert requested.args["requester"] == buyer.address
    assert deal.order().status is OrderStatus.ARBITRATING


def test_past_a_deadline_anyone_enforces_it_with_the_prepared_transaction(api, shop):
    m = shop.market
    stranger = m.accounts["stranger"]
    client = api.sign_in(stranger)
    assert _actions(client, shop.order_id("paid"))["actions"] == []
    m.clock.advance_past(shop.orders["paid"].order().deadline)
    answer = _actions(client, shop.order_id("paid"))
    assert answer["role"] == "anyone"
    late = _by_kind(answer)["refund-late"]
    assert late["function"] == "refundUndelivered" and late["until"] is None
    wallet_send(shop.world, stranger, late["tx"])
    assert shop.orders["paid"].order().status is OrderStatus.REFUNDED


def test_the_merchants_credit_is_offered_for_withdrawal(api, shop):
    merchant = shop.market.accounts["merchant"]
    withdraw = _by_kind(_actions(api.sign_in(merchant), shop.order_id("confirmed1")))["withdraw"]
    before = shop.market.credit("merchant")
    assert before > 0 and withdraw["token"]["symbol"] == "ETH"
    wallet_send(shop.world, merchant, withdraw["tx"])
    assert shop.market.credit("merchant") == 0


def test_the_loser_of_a_court_round_is_offered_the_appeal_until_half_the_period(api, world):
    world.add_jurors(12)
    case = open_case(world)
    _to_appeal(world, case, Choice.PAY_MERCHANT)
    escrow = world.market.client("stranger")
    order_id = escrow.session.call(escrow.f.orderOfDispute(world.court.address, case.case_id))
    buyer = _by_kind(_actions(api.sign_in(case.buyer), order_id))
    _, loser_end, _ = world.court.session.call(world.court.f.appealPeriod(case.case_id))
    appeal = buyer["appeal"]
    assert (appeal["contract"], appeal["case_id"], appeal["until"]) == (
        "court", case.case_id, loser_end - 1,
    )  # fmt: skip
    assert "appeal" not in _by_kind(_actions(api.sign_in(case.merchant), order_id))
    funded = wallet_send(world, case.buyer, appeal["tx"]).event("AppealFunded").args
    assert funded["party"] == case.buyer.address
    defence = _by_kind(_actions(api.sign_in(case.merchant), order_id))["appeal"]
    assert wallet_send(world, case.merchant, defence["tx"]).event("AppealFunded").args["defence"]


def test_actions_need_a_session_and_an_order(api, shop):
    answer = api.client().get(f"/orders/{order_ref(shop.order_id('delivered'))}/actions")
    assert answer.status_code == 401
    stranger = api.sign_in(shop.market.accounts["stranger"])
    missing = stranger.get(f"/orders/0x{'ab' * 20}/actions")
    assert missing.status_code == 404
    assert missing.json()["type"] == PROBLEM_BASE + "no-such-order"
