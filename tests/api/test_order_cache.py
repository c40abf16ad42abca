"""Remembered order answers (api/orders/router.py, api/answer_cache.py) and the index watch they
are versioned by (api/notifications/wakeup.py): `GET /orders/{id}` answers the same bytes while
the index stands still, for any caller, without a query; a fresh answer once the API has seen the
index move; the head is read by the watch (a NOTIFY or a poll), never per request; and on
PostgreSQL the reader, with no ping, replaces connections the server ended. Real Anvil, the real
indexer, real HTTP; the index on SQLite and on PostgreSQL."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from api.answer_cache import AnswerCache
from fairkey.chain.types import order_ref
from tests.api.answers import count_statements, once
from tests.api.conftest import BOTH
from tests.api.shop import open_shop
from tests.api.shop_layer import index_copy, layer_of, layered_shop

shop_layer = layer_of(open_shop)
index_url = pytest.fixture(params=BOTH, name="index_url")(index_copy)
shop = pytest.fixture(name="shop")(layered_shop)


@pytest.fixture
def pg_url(index_url) -> str:
    """The index's own database (the tests parametrized on PostgreSQL end its connections)."""
    return index_url


def _get(client, path: str):
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    return answer


def test_an_order_is_answered_from_memory_the_same_for_every_caller(api, shop):
    path = f"/orders/{order_ref(shop.order_id('delivered'))}"
    anonymous = api.client()
    first = _get(anonymous, path)
    with count_statements(api.state.index.engine) as reads:
        again = [_get(anonymous, path).content for _ in range(10)]
        signed_in = _get(api.sign_in(shop.market.accounts["buyer"]), path).content
    assert again == [first.content] * 10
    assert signed_in == first.content  # nothing of the caller's in it
    assert reads.reads_of("orders") == reads.reads_of("order_events") == 0
    order = first.json()
    assert order["status"] == "Delivered" and order["timeline"][-1]["event"] == "KeyDelivered"


def test_an_order_answer_changes_once_the_index_advances(api, shop, index):
    deal = shop.orders["delivered"]
    path = f"/orders/{order_ref(deal.order_id)}"
    client = api.client()
    assert _get(client, path).json()["status"] == "Delivered"
    shop.market.client("buyer").confirm(deal.order_id)
    assert _get(client, path).json()["status"] == "Delivered"  # not indexed yet

    index.catch_up()
    order = once(lambda: _get(client, path).json(), lambda o: o["status"] != "Delivered")
    assert order["status"] == "Completed" and order["cause"] == "BuyerConfirmed"
    assert order["timeline"][-1]["event"] == "OrderCompleted"


def test_requests_read_no_head_the_watch_does(api, shop):
    watch = api.state.index.watch
    client = api.client()
    paths = [f"/orders/{order_ref(shop.order_id(name))}" for name in ("paid", "disputed")]
    for path in paths:
        _get(client, path)
    started = time.monotonic()
    with count_statements(api.state.index.engine) as reads:
        for _ in range(30):
            for path in paths:
                _get(client, path)
            _get(client, "/listings")
    elapsed = time.monotonic() - started
    if api.state.index.engine.dialect.name == "postgresql":
        assert watch.mode == "listen"
        assert reads.head_reads == 0  # the head is read when a NOTIFY comes, and nothing came
    else:
        assert watch.mode == "poll"
        assert reads.head_reads <= elapsed / watch.poll_s + 2  # a poll, not 90 requests


@pytest.mark.parametrize("index_url", ["postgresql"], indirect=True)
def test_reader_connections_the_server_ended_are_replaced_without_an_error(api, shop, pg_url):
    client = api.client()
    first, second = (f"/orders/{order_ref(shop.order_id(n))}" for n in ("paid", "disputed"))
    _get(client, first)
    _get(client, "/listings")
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        admin.dispose()
    assert ended >= 2  # the API's pooled reader and its LISTEN connection at least

    # Neither answer is remembered: both need the index, through a connection made anew.
    assert _get(client, second).json()["order_id"].lower() == second.rsplit("/", 1)[1].lower()
    assert _get(client, "/listings?sort=score").json()["items"]
    assert _get(client, first).status_code == 200


@pytest.mark.parametrize("index_url", ["postgresql"], indirect=True)
def test_a_read_whose_connection_the_server_ends_under_it_runs_once_more(api, shop):
    """The race the checkout's look cannot see: the server ends the connection after it was
    handed out. The read is tried again on a new connection, not answered 503."""
    pids = []

    def query(conn):
        pids.append(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        if len(pids) == 1:  # the first try's connection ends while in use
            conn.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")
        return conn.exec_driver_sql("SELECT count(*) FROM orders").scalar_one()

    orders = api.state.index.read(query)
    assert orders >= len(shop.orders) > 0
    assert len(pids) == 2 and pids[0] != pids[1]


def test_an_answer_built_while_the_version_moved_is_not_remembered():
    cache = AnswerCache(size=2)
    assert cache.get("v1", "a") is None
    cache.put("v1", "a", b"A1")
    assert cache.get("v1", "a") == b"A1"
    assert cache.get("v2", "b") is None  # a newer version: the older answers are gone
    cache.put("v1", "b", b"B1")  # built from v1, finished after v2 was seen: dropped
    assert cache.get("v2", "a") is None and cache.get("v2", "b") is None
    for key in "xyz":
        cache.put("v2", key, key.encode())
    assert len(cache) == 2 and cache.get("v2", "x") is None  # least recently used out first
