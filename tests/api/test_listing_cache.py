"""The listing page cache (api/listings/cache.py): `GET /listings` answers a remembered page only
while what it was built from is unchanged (the index at the same head, the same stored
documents), and a fresh one once the API has seen either move, whichever process moved it:
within a poll interval (SQLite), or once the indexer's NOTIFY arrives (PostgreSQL), as the
notification streams. Real Anvil, real orders, the real indexer; the index on SQLite and on
PostgreSQL."""

from __future__ import annotations

import pytest

from tests.api.answers import count_statements, once
from tests.api.conftest import BOTH
from tests.api.shop import open_shop
from tests.api.shop_layer import index_copy, layer_of, layered_shop

shop_layer = layer_of(open_shop)
index_url = pytest.fixture(params=BOTH, name="index_url")(index_copy)
shop = pytest.fixture(name="shop")(layered_shop)


def _items(client, **params) -> dict[int, dict]:
    answer = client.get("/listings", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    return {item["listing_id"]: item for item in answer.json()["items"]}


def test_a_listing_page_changes_once_the_index_advances(api, shop, index):
    client = api.client()
    first = client.get("/listings")
    assert client.get("/listings").content == first.content  # the same index, the same bytes
    steam = shop.listings["steam"]
    before = _items(client)[steam]

    shop.sell("late", "steam")  # on chain: one more key sold and delivered
    listing = shop.market.make_listing(merchant="merchant2")
    assert client.get("/listings").content == first.content  # not indexed yet: not shown yet

    index.catch_up()
    after = once(lambda: _items(client), lambda items: listing in items)
    assert (after[steam]["sales"], after[steam]["stock"]) == (
        before["sales"] + 1,
        before["stock"] - 1,
    )
    assert next(iter(after)) == listing  # newest first: the new listing leads the page
    assert _items(client, sort="price_desc")[steam]["sales"] == before["sales"] + 1


def test_a_remembered_page_reads_neither_database(api, shop):
    client = api.client()
    first = client.get("/listings?sort=price")
    with (
        count_statements(api.state.index.engine) as index_reads,
        count_statements(api.state.db.engine) as store_reads,
    ):
        again = [client.get("/listings?sort=price").content for _ in range(20)]
    assert again == [first.content] * 20
    assert index_reads.listing_reads == 0  # no page query, and no head read per request
    # The document count is read at most once per poll interval, not per request.
    assert store_reads.count <= 2


def test_a_document_published_through_another_api_shows_on_a_remembered_page(
    make_api, shop, tmp_path
):
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"  # one store, two API processes
    reader, publisher = make_api(db_url=store).client(), make_api(db_url=store).client()
    steam = shop.listings["steam"]
    assert _items(reader)[steam]["title"] is None
    assert _items(reader)[steam]["title"] is None  # remembered now

    document = shop.documents["steam"].document()
    assert publisher.put(f"/listings/{steam}/metadata", json=document).status_code == 201

    shown = once(lambda: _items(reader)[steam], lambda item: item["title"] is not None)
    assert (shown["title"], shown["metadata_verified"]) == ("Steam 50 USD", True)


def test_a_document_published_through_the_same_api_shows_on_its_next_page(api, shop):
    client = api.client()
    steam = shop.listings["steam"]
    assert _items(client)[steam]["title"] is None  # remembered now
    document = shop.documents["steam"].document()
    assert client.put(f"/listings/{steam}/metadata", json=document).status_code == 201
    assert _items(client)[steam]["title"] == "Steam 50 USD"  # at once, no poll to wait for
