"""Orders as the index has them: one order with its truthful timeline (every escrow event, the
state it left), and a buyer's and a merchant's order lists in cursor pages that never skip or
repeat an order. Real orders on Anvil, indexed by the real indexer into SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from api.problems import PROBLEM_BASE
from fairkey.chain.types import order_ref
from tests.api.answers import once
from tests.api.conftest import BOTH
from tests.api.shop import open_shop
from tests.api.shop_layer import index_copy, layer_of, layered_shop

shop_layer = layer_of(open_shop)
index_url = pytest.fixture(params=BOTH, name="index_url")(index_copy)
shop = pytest.fixture(name="shop")(layered_shop)


def _problem(answer, status, kind):
    assert answer.status_code == status, answer.text
    assert answer.json()["type"] == PROBLEM_BASE + kind, answer.json()


def test_an_orders_timeline_is_every_event_with_the_state_it_left(api, shop):
    deal = shop.orders["verdict"]
    answer = api.client().get(f"/orders/{order_ref(deal.order_id)}")
    assert answer.status_code == 200, answer.text
    order = answer.json()
    assert (order["order_id"], order["status"], order["dispute_reason"]) == (
        order_ref(deal.order_id), "VerifierRefundPending", "KeyInvalid",
    )  # fmt: skip
    steps = [(e["event"], e["status"]) for e in order["timeline"]]
    assert steps == [
        ("OrderPaid", "Paid"),
        ("KeyDelivered", "Delivered"),
        ("OrderDisputed", "Disputed"),
        ("VerifierAttested", "VerifierRefundPending"),
    ]
    assert order["timeline"][-1]["deadline"] == deal.order().deadline == order["deadline"]
    blocks = [(e["block_number"], e["log_index"]) for e in order["timeline"]]
    assert blocks == sorted(blocks)
    contested = api.client().get(f"/orders/{order_ref(shop.order_id('contested'))}").json()
    assert contested["case"]["arbitrator"] == shop.world.court.address


def test_the_timeline_grows_once_the_indexer_ingests_new_events(api, shop, index):
    deal = shop.orders["delivered"]
    shop.market.client("buyer").confirm(deal.order_id)
    path = f"/orders/{order_ref(deal.order_id)}"
    assert api.client().get(path).json()["status"] == "Delivered"  # not indexed yet
    index.catch_up()  # shown once the API has seen the index move (tests/api/answers.py)
    order = once(lambda: api.client().get(path).json(), lambda o: o["status"] != "Delivered")
    assert order["status"] == "Completed" and order["cause"] == "BuyerConfirmed"
    assert order["timeline"][-1]["event"] == "OrderCompleted"


def test_unknown_and_mistyped_orders_are_problems(api, shop):
    _problem(api.client().get(f"/orders/0x{'ab' * 20}"), 404, "no-such-order")
    _problem(api.client().get(f"/orders/0x{'aB' * 20}"), 422, "invalid-order-id")
    _problem(api.client().get("/orders/123"), 422, "invalid-request")


def _walk(client, path: str, **params) -> list[str]:
    seen, cursor = [], None
    while True:
        page = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [o["order_id"] for o in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_a_buyer_and_a_merchant_page_through_their_own_orders(api, shop):
    m = shop.market
    buyer = api.sign_in(m.accounts["buyer"])
    bought = _walk(buyer, "/me/orders", role="buyer", limit=3)
    steam = [n for n in shop.orders if not n.startswith("token")]
    assert sorted(bought) == sorted(order_ref(shop.order_id(n)) for n in steam)
    assert len(set(bought)) == len(bought)
    assert bought == [o["order_id"] for o in buyer.get("/me/orders", params={
        "role": "buyer", "limit": 100}).json()["items"]]  # fmt: skip
    assert _walk(buyer, "/me/orders", role="merchant") == []

    merchant2 = api.sign_in(m.accounts["merchant2"])
    sold = _walk(merchant2, "/me/orders", role="merchant", limit=1)
    assert sold == [order_ref(shop.order_id("token")), order_ref(shop.order_id("token_confirmed"))]
    open_ = _walk(merchant2, "/me/orders", role="merchant", state="open")
    assert open_ == [order_ref(shop.order_id("token"))]
    # A merchant's sales are public, as the chain is.
    public = _walk(api.client(), f"/merchants/{m.address('merchant2')}/orders", limit=1)
    assert public == sold


def test_order_lists_need_a_session_and_a_cursor_of_their_own(api, shop):
    _problem(api.client().get("/me/orders"), 401, "not-signed-in")
    buyer = api.sign_in(shop.market.accounts["buyer"])
    cursor = buyer.get("/me/orders", params={"limit": 1, "role": "buyer"}).json()["next_cursor"]
    other = buyer.get("/me/orders", params={"limit": 1, "role": "merchant", "cursor": cursor})
    _problem(other, 422, "invalid-cursor")
    stranger = api.sign_in(shop.market.accounts["stranger"])
    _problem(stranger.get("/me/orders", params={"cursor": cursor}), 422, "invalid-cursor")
