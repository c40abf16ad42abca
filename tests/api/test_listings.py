"""Listings as buyers browse them before paying: the figures of the index, the title and
description of the document that hashes to the listing's on-chain hash (published by anyone,
kept only when it matches), filters, sorts and cursor pages that never skip or repeat a row.
Real Anvil, real orders, the real indexer; the index on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from api.problems import PROBLEM_BASE
from fairkey.listing_meta import ListingMetadata
from indexer import queries
from indexer.db import create_db_engine
from tests.api.conftest import BOTH
from tests.api.shop import open_shop
from tests.api.shop_layer import index_copy, layer_of, layered_shop

shop_layer = layer_of(open_shop)
index_url = pytest.fixture(params=BOTH, name="index_url")(index_copy)
shop = pytest.fixture(name="shop")(layered_shop)


def _problem(answer, status, kind):
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == PROBLEM_BASE + kind, answer.json()
    return answer.json()


def _publish(client, listing_id: int, doc: ListingMetadata):
    return client.put(f"/listings/{listing_id}/metadata", json=doc.document())


def test_a_published_description_is_shown_because_it_hashes_to_the_listings_hash(api, shop):
    client = api.client()
    steam = shop.listings["steam"]
    first = _publish(client, steam, shop.documents["steam"])
    assert first.status_code == 201 and first.json()["stored"] is True
    again = _publish(client, steam, shop.documents["steam"])
    assert again.status_code == 200 and again.json()["stored"] is False

    shown = client.get(f"/listings/{steam}").json()
    assert (shown["title"], shown["description"], shown["lang"]) == (
        "Steam 50 USD",
        "Steam wallet card, 50 USD, global",
        "en",
    )
    assert shown["metadata_verified"] is True
    assert shown["description_hash"] == "0x" + shop.documents["steam"].description_hash().hex()
    unpublished = client.get(f"/listings/{shop.listings['gift']}").json()
    assert unpublished["title"] is None and unpublished["metadata_verified"] is False


def test_a_document_that_is_not_the_listings_is_refused(api, shop):
    client = api.client()
    steam = shop.listings["steam"]
    forged = ListingMetadata("Steam 100 USD", "Steam wallet card, 50 USD, global", "en")
    problem = _problem(_publish(client, steam, forged), 409, "hash-mismatch")
    assert problem["expected"] == "0x" + shop.documents["steam"].description_hash().hex()
    # Another listing's genuine document is no more this one's.
    _problem(_publish(client, steam, shop.documents["xbox"]), 409, "hash-mismatch")
    assert client.get(f"/listings/{steam}").json()["title"] is None
    _problem(_publish(client, 999, shop.documents["steam"]), 404, "no-such-listing")
    bad = {**shop.documents["steam"].document(), "price": "free"}
    _problem(client.put(f"/listings/{steam}/metadata", json=bad), 422, "invalid-request")
    spaced = {**shop.documents["steam"].document(), "title": " Steam 50 USD"}
    _problem(client.put(f"/listings/{steam}/metadata", json=spaced), 422, "invalid-document")


def test_publishing_is_rate_limited_per_client(make_api, shop):
    api = make_api(metadata_burst=2, metadata_rate=0.01)
    client = api.client()
    for _ in range(2):
        assert _publish(client, shop.listings["steam"], shop.documents["steam"]).status_code < 300
    problem = _problem(_publish(client, shop.listings["steam"], shop.documents["steam"]), 429,
                       "rate-limited")  # fmt: skip
    assert problem["retry_after"] >= 1


def test_each_listing_carries_the_indexs_figures(api, shop, index):
    page = api.client().get("/listings").json()
    by_id = {item["listing_id"]: item for item in page["items"]}
    engine = create_db_engine(index.url, writer=False)
    with engine.connect() as conn:
        for listing_id in shop.listings.values():
            row = queries.listing(conn, listing_id)
            item = by_id[listing_id]
            assert (item["price"], item["stock"], item["sales"], item["success_7d_bps"],
                    item["delivery_p95_s"], item["after_sales_7d_bps"]) == (
                str(row.price), row.stock_available, row.sales, row.success_7d_bps,
                row.latency_p95_s, row.after_sales_7d_bps,
            )  # fmt: skip
    engine.dispose()
    steam = by_id[shop.listings["steam"]]
    assert steam["stock"] == 10 - 8 and steam["sales"] == 8
    assert steam["merchant"] == shop.market.address("merchant")
    assert steam["token"] == {"address": "0x" + "0" * 40, "symbol": "ETH", "decimals": 18}
    xbox = by_id[shop.listings["xbox"]]
    assert xbox["token"]["symbol"] == "dUSD" and xbox["token"]["decimals"] == 6
    assert xbox["price"] == "2500000"
    # merchant2 settled one order: scored; a merchant with none settled would show None.
    assert xbox["merchant_score_bps"] is not None and steam["merchant_score_bps"] is not None


def test_listings_filter_by_merchant_token_stock_and_title(api, shop):
    client = api.client()
    for name in ("steam", "xbox"):
        _publish(client, shop.listings[name], shop.documents[name])

    def ids(**params):
        return [i["listing_id"] for i in client.get("/listings", params=params).json()["items"]]

    steam, xbox, gift = (shop.listings[n] for n in ("steam", "xbox", "gift"))
    assert ids() == [gift, xbox, steam]  # newest first
    assert ids(merchant=shop.market.address("merchant2").lower()) == [xbox]
    assert ids(token=shop.market.token_address) == [xbox]
    assert ids(in_stock="true") == [xbox, steam]
    assert ids(in_stock="false") == [gift]
    assert ids(q="steam") == [steam]  # case-insensitive
    assert ids(q="游戏") == [xbox]
    assert ids(q="Apple") == []  # gift's document was never published
    assert ids(q="100%_") == []


def test_sorts_order_listings_and_put_those_without_the_figure_last(api, shop):
    client = api.client()

    def ids(sort):
        return [i["listing_id"] for i in client.get("/listings", params={"sort": sort}).json()[
            "items"]]  # fmt: skip

    steam, xbox, gift = (shop.listings[n] for n in ("steam", "xbox", "gift"))
    assert ids("price") == [xbox, gift, steam]  # 2.5 dUSD (2500000) < 0.005 ETH < 0.01 ETH
    assert ids("price_desc") == [steam, gift, xbox]
    assert ids("success")[-1] == gift  # nothing settled: no success rate
    assert ids("delivery")[-1] == gift  # nothing delivered: no delivery time


@pytest.mark.parametrize("sort", ["newest", "price", "price_desc", "success", "delivery", "score"])
def test_cursor_pages_walk_every_listing_once(api, shop, sort):
    client = api.client()
    everything = [
        i["listing_id"] for i in client.get("/listings", params={"sort": sort}).json()["items"]
    ]
    walked, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get("/listings", params=params).json()
        walked += [i["listing_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == everything and len(walked) == 3


def test_a_cursor_of_another_sort_or_a_forged_one_is_a_problem(api, shop):
    client = api.client()
    cursor = client.get("/listings", params={"limit": 1}).json()["next_cursor"]
    _problem(client.get("/listings", params={"sort": "price", "cursor": cursor}), 422,
             "invalid-cursor")  # fmt: skip
    for forged in ("nonsense", "WyJsaXN0aW5nczpuZXdlc3QiLDAsMCwxZTk5OV0", "W10"):
        _problem(client.get("/listings", params={"cursor": forged}), 422, "invalid-cursor")
    _problem(client.get("/listings/0"), 422, "invalid-request")
    _problem(client.get("/listings/12345"), 404, "no-such-listing")
    mixed = "0x" + "aB" * 20
    _problem(client.get("/listings", params={"merchant": mixed}), 422, "invalid-address")
