"""Before the indexer has run, the marketplace's reads say so (503 `index-unavailable`, a
problem), while what needs no index still answers: the deployment and an order's actions. A
PostgreSQL index that takes connections but never answers costs a request the reader's connect
bound, not the system's TCP timeout (the API reads inline on its event loop)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from api.problems import PROBLEM_BASE
from fairkey.chain.types import order_ref
from indexer.db import READER_CONNECT_TIMEOUT_S
from tests.support.disputes import delivered_order


def test_without_an_index_reads_are_unavailable_but_the_deployment_answers(api, world):
    deal = delivered_order(world.market)
    client = api.client()
    for path in (
        "/listings",
        "/listings/1",
        "/platform",
        f"/orders/{order_ref(deal.order_id)}",
        f"/merchants/{world.market.address('merchant')}",
        "/suppliers/supplier-a",
    ):
        answer = client.get(path)
        assert answer.status_code == 503, (path, answer.text)
        assert answer.json()["type"] == PROBLEM_BASE + "index-unavailable"
    deployment = client.get("/deployment").json()
    assert [t["symbol"] for t in deployment["tokens"]] == ["ETH"]  # no demo token configured
    buyer = api.sign_in(world.market.accounts["buyer"])
    actions = buyer.get(f"/orders/{order_ref(deal.order_id)}/actions").json()["actions"]
    assert {a["kind"] for a in actions} == {"confirm", "dispute", "prove-misdelivery"}


@contextmanager
def _silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a hung database server)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # closed: the test is over
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for conn in held:
            conn.close()


def test_an_index_server_that_never_answers_is_unavailable_within_the_connect_bound(make_api):
    """The first request also waits (bounded) for the index watch's first look; after that, a
    request waits one connect bound."""
    with _silent_server() as port:
        api = make_api(index_db_url=f"postgresql+psycopg2://postgres@127.0.0.1:{port}/index")
        client = api.client()
        for _ in range(2):
            started = time.monotonic()
            answer = client.get("/listings")
            waited = time.monotonic() - started
            assert answer.status_code == 503, answer.text
            assert answer.json()["type"] == PROBLEM_BASE + "index-unavailable"
    assert READER_CONNECT_TIMEOUT_S - 0.5 <= waited < READER_CONNECT_TIMEOUT_S + 3
