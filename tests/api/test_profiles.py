"""Merchant and supplier profiles, the platform dashboard and the deployment: today's figures
exactly as the index has them, and their history by day (a chart's series) consistent with them:
the last day's score is the merchant's score, the days' sales add up to its orders. Real orders
on Anvil over several days of chain time; the index on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.problems import PROBLEM_BASE
from indexer import queries
from indexer.db import create_db_engine
from tests.api.conftest import BOTH
from tests.api.shop import Shop, open_shop
from tests.api.shop_layer import index_copy, layer_of, layered_shop
from tests.support.market import HOUR

DAY = 24 * HOUR


def shop_two_days_on(world) -> Shop:
    """The shop, then two days later two more confirmed sales and one refund by the merchant."""
    built = open_shop(world)
    world.market.clock.advance(2 * DAY)
    built.stock["steam"] = world.market.make_stock(built.listings["steam"], 3, supplier="acme")
    for name in ("later1", "later2"):
        built.sell(name, "steam")
        world.market.client("buyer").confirm(built.order_id(name))
    refund = built.sell("refunded", "steam")
    world.market.client("merchant").refund(refund.order_id)
    return built


shop_layer = layer_of(shop_two_days_on)
index_url = pytest.fixture(params=BOTH, name="index_url")(index_copy)
shop = pytest.fixture(name="shop")(layered_shop)


def _problem(answer, status, kind):
    assert answer.status_code == status, answer.text
    assert answer.json()["type"] == PROBLEM_BASE + kind, answer.json()


def _rows(index_url, fn, *args):
    engine = create_db_engine(index_url, writer=False)
    try:
        with engine.connect() as conn:
            return fn(conn, *args)
    finally:
        engine.dispose()


def test_a_merchants_profile_is_its_record_and_its_history_by_day(api, shop, index):
    merchant = shop.market.address("merchant")
    answer = api.client().get(f"/merchants/{merchant.lower()}", params={"days": 5})
    assert answer.status_code == 200, answer.text
    profile = answer.json()
    row = _rows(index.url, queries.merchant, merchant)
    assert profile["merchant"] == merchant
    assert profile["figures"]["orders"] == row.orders == 11
    assert profile["figures"]["score_bps"] == row.score_bps > 0
    history = profile["history"]
    today = datetime.fromtimestamp(shop.market.clock.now(), UTC).date()
    assert [d["date"] for d in history] == [
        (today - timedelta(days=n)).isoformat() for n in (4, 3, 2, 1, 0)
    ]
    assert sum(d["sales"] for d in history) == row.orders
    assert sum(d["settled"] for d in history) == row.settled == 6
    assert history[-1]["score_bps"] == row.score_bps  # the score as it stands today
    today, first_day = history[-1], history[-3]  # the later sales, and the shop's
    assert (first_day["sales"], first_day["completed"]) == (8, 3)
    assert (today["sales"], today["completed"], today["refunded"]) == (3, 2, 1)
    assert today["success_bps"] == 6666 and first_day["success_bps"] == 10_000
    assert history[0]["score_bps"] is None  # nothing settled yet: unscored, not zero


def test_a_supplier_is_found_by_its_name_or_its_tag(api, shop):
    client = api.client()
    by_name = client.get("/suppliers/acme").json()
    tag = by_name["supplier"]
    assert tag == "0x" + b"acme".ljust(32, b"\0").hex() and by_name["name"] == "acme"
    assert client.get(f"/suppliers/{tag}").json() == by_name
    figures = by_name["figures"]
    assert figures["units_committed"] == 13 and figures["units_delivered"] == 10
    assert figures["disputes"] == 3 and figures["bad_keys"] == 1
    assert [m["merchant"] for m in by_name["merchants"]] == [shop.market.address("merchant")]
    assert sum(d["delivered"] for d in by_name["history"]) == 10  # "paid" never was
    _problem(client.get("/suppliers/nobody"), 404, "no-such-supplier")
    _problem(client.get("/suppliers/" + "x" * 40), 422, "invalid-supplier")


def test_the_platform_dashboard_is_the_indexs_figures_by_tier(api, shop, index):
    platform = api.client().get("/platform").json()
    stats = _rows(index.url, queries.platform_stats)
    assert platform["orders"] == stats["orders"] == 13
    assert platform["settled"] == stats["settled"]
    tiers = {t["tier"]: t for t in platform["tiers"]}
    assert set(tiers) == {"L1", "L2", "L3"}
    assert sum(t["cases"] for t in tiers.values()) == platform["cases"] == stats["cases"]
    for t in tiers.values():
        if t["cases"]:
            assert t["median_s"] <= t["p95_s"]
    assert platform["head_block"] == shop.market.w3.eth.block_number


def test_the_deployment_names_the_chain_contracts_and_tokens(api, shop):
    answer = api.client().get("/deployment").json()
    m = shop.market
    assert (answer["chain_id"], answer["escrow"], answer["court"]) == (
        31337, m.escrow_address, shop.world.court.address,
    )  # fmt: skip
    symbols = {t["address"]: (t["symbol"], t["decimals"]) for t in answer["tokens"]}
    assert symbols["0x" + "0" * 40] == ("ETH", 18)
    assert symbols[m.token_address] == ("dUSD", 6)  # a listing's token, from the index
    assert answer["public_url"] == "http://localhost:8800"


def test_unknown_merchants_are_problems(api, shop):
    _problem(api.client().get(f"/merchants/0x{'ab' * 20}"), 404, "no-such-merchant")
    _problem(api.client().get(f"/merchants/0x{'aB' * 20}"), 422, "invalid-address")
    _problem(api.client().get(f"/merchants/{shop.market.address('merchant')}?days=0"), 422,
             "invalid-request")  # fmt: skip
