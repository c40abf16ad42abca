"""Schema-driven fuzzing (schemathesis): every operation of the OpenAPI schema, with generated
valid and invalid requests, anonymous and signed in as a case's party, over real HTTP against the
real chain and an index that holds a marketplace (tests/api/shop.py: listings with published
descriptions, orders in every state, a court case). No answer is a 5xx; every answer's status,
content type and body are the schema's. Generated ids rarely hit a real listing or order, so the
marketplace routes are also called on the real ones, checked the same way."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from fairkey.chain.types import order_ref
from tests.api.conftest import open_case
from tests.api.shop import open_shop
from tests.api.shop_layer import index_copy, layer_of

pytestmark = pytest.mark.slow

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def case_and_shop(world):
    """A court case (its panel drawn) and the marketplace beside it (its buyer is the case's)."""
    world.add_jurors(5)
    return open_case(world), open_shop(world)


shop_layer = layer_of(case_and_shop)
index_url = pytest.fixture(name="index_url")(index_copy)


@pytest.fixture
def case(layered):
    return layered.built[0]


@pytest.fixture
def shop(layered):
    return layered.built[1]


@pytest.fixture
def served(make_api, case, shop, index):
    """The API with a real case and a marketplace (indexed, the descriptions published), and a
    bearer token of their buyer."""
    index.catch_up()
    api = make_api()
    for name, listing_id in shop.listings.items():
        if name != "gift":  # one listing stays without a description
            document = shop.documents[name].document()
            assert api.client().put(f"/listings/{listing_id}/metadata", json=document).is_success
    token = api.sign_in(case.buyer).headers["authorization"]
    return api, token


@pytest.fixture
def api_schema(served):
    api, _ = served
    return schemathesis.openapi.from_url(f"{api.url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_api_fail(case, served):
    _, token = served
    for headers in ({}, {"Authorization": token}):
        case.call_and_validate(headers=headers, checks=CHECKS)


def _real_calls(shop) -> list[tuple[str, str, dict, dict]]:
    """(path, method, path parameters, query) of the marketplace routes on real resources."""
    m = shop.market
    calls = [
        ("/deployment", "GET", {}, {}),
        ("/platform", "GET", {}, {}),
        ("/listings", "GET", {}, {"sort": "score", "limit": 2}),
        ("/listings", "GET", {}, {"q": "steam", "in_stock": "true"}),
        ("/me/orders", "GET", {}, {"role": "buyer", "limit": 3}),
        ("/me/orders", "GET", {}, {"state": "open"}),
        ("/suppliers/{tag}", "GET", {"tag": "acme"}, {}),
    ]
    for listing_id in shop.listings.values():
        calls.append(("/listings/{listing_id}", "GET", {"listing_id": listing_id}, {}))
    for role in ("merchant", "merchant2"):
        address = m.address(role)
        calls.append(("/merchants/{merchant}", "GET", {"merchant": address}, {"days": 30}))
        calls.append(("/merchants/{merchant}/orders", "GET", {"merchant": address}, {}))
    for deal in shop.orders.values():
        ref = {"order_id": order_ref(deal.order_id)}
        calls.append(("/orders/{order_id}", "GET", ref, {}))
        calls.append(("/orders/{order_id}/actions", "GET", ref, {}))
    return calls


def test_the_marketplace_routes_answer_real_resources_as_the_schema_says(api_schema, served, shop):
    _, token = served
    for path, method, params, query in _real_calls(shop):
        operation = api_schema[path][method]
        for headers in ({}, {"Authorization": token}):
            call = operation.Case(path_parameters=params, query=query, headers=headers)
            response = call.call_and_validate(checks=CHECKS)
            needs_session = path.startswith("/me/") or path.endswith("/actions")
            expected = 401 if needs_session and not headers else 200
            assert response.status_code == expected, (path, params, response.text)
