"""Before the indexer has run, the marketplace's reads say so (503 `index-unavailable`, a
problem), while what needs no index still answers: the deployment and an order's actions."""

from __future__ import annotations

from api.problems import PROBLEM_BASE
from fairkey.chain.types import order_ref
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
