"""Every refusal of the verifier's domain has its HTTP problem (fairkey/verifier/routes.py)."""

from __future__ import annotations

from fairkey.verifier import errors
from fairkey.verifier.routes import PROBLEM, PROBLEMS, Problem


def test_every_domain_error_maps_to_a_problem():
    refusals = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.CheckRefused)
    }
    assert refusals - {errors.CheckRefused} == set(PROBLEMS)


def test_a_problem_carries_the_refusals_sentence_and_facts():
    refused = errors.WrongKey("not that key", order="0xAb", delivery_no=1)
    problem = Problem.of(refused)
    assert problem.status == 422
    assert problem.body == {
        "type": PROBLEM + "wrong-key",
        "title": "not the delivered key",
        "status": 422,
        "detail": "not that key",
        "order": "0xAb",
        "delivery_no": 1,
    }
    assert Problem.of(errors.NotDelivered("none"), {errors.NotDelivered: 404}).status == 404
