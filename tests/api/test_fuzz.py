"""Schema-driven fuzzing (schemathesis): every operation of the OpenAPI schema, with generated
valid and invalid requests, anonymous and signed in as a case's party, over real HTTP against the
real chain. No answer is a 5xx; every answer's status, content type and body are the schema's."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

pytestmark = pytest.mark.slow

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def served(make_api, case, index):
    """The API with a real case (indexed), and a bearer token of its buyer."""
    index.catch_up()
    api = make_api()
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
