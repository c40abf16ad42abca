"""Every refusal is an RFC 9457 problem (application/problem+json with type, title, status,
detail, instance), request validation included; the OpenAPI schema declares them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.problems import PROBLEM_BASE, PROBLEM_JSON


def _is_problem(answer, status):
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    body = answer.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status and body["type"].startswith(PROBLEM_BASE)
    return body


def test_a_body_that_fails_validation_lists_its_errors(api, accounts):
    client = api.sign_in(accounts["buyer"])
    body = _is_problem(client.post("/votes/commits", json={"case_id": "x", "seat": -1}), 422)
    assert body["type"] == PROBLEM_BASE + "invalid-request"
    where = {tuple(e["loc"]) for e in body["errors"]}
    assert {("body", "case_id"), ("body", "seat"), ("body", "signature")} <= where


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        (
            "post",
            "/auth/verify",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
        ),
        ("post", "/auth/verify", {"json": {"message": "x", "signature": "0x12"}}, 422),
        ("get", "/cases/abc", {}, 422),
        ("get", "/cases/0", {}, 422),
        ("get", "/nowhere", {}, 404),
        ("delete", "/auth/nonce", {}, 405),
    ],
    ids=[
        "bad-json",
        "bad-signature-format",
        "case-not-a-number",
        "case-zero",
        "no-route",
        "wrong-method",
    ],
)
def test_bad_requests_are_problems(api, accounts, method, path, kwargs, status):
    client = api.sign_in(accounts["buyer"])  # not signed in, a guarded route answers 401 first
    _is_problem(getattr(client, method)(path, **kwargs), status)


def test_a_malformed_content_hash_is_a_validation_problem(api, case):
    answer = api.sign_in(case.buyer).get(f"/cases/{case.case_id}/evidence/not-a-hash")
    assert _is_problem(answer, 422)["errors"][0]["loc"] == ["path", "content_hash"]


def test_an_unknown_case_is_404_for_a_signed_in_user(api, accounts):
    body = _is_problem(api.sign_in(accounts["buyer"]).get("/cases/12345"), 404)
    assert body["type"] == PROBLEM_BASE + "no-such-case"


def test_a_streamed_body_over_the_limit_is_cut_off(api, accounts):
    def chunks(head=b""):
        yield head
        for _ in range(64):
            yield b"x" * 65536  # 4 MiB, no Content-Length

    client = api.sign_in(accounts["buyer"])
    part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
    answer = client.post(
        "/cases/1/evidence",
        content=chunks(part),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert _is_problem(answer, 413)["type"] == PROBLEM_BASE + "too-large"
    json_answer = client.post(
        "/votes/commits", content=chunks(), headers={"content-type": "application/json"}
    )
    _is_problem(json_answer, 413)


def test_a_chain_that_does_not_answer_is_503(api, accounts):
    client = api.sign_in(accounts["buyer"])
    api.state.court.w3.provider.endpoint_uri = "http://127.0.0.1:9"  # nothing listens there
    body = _is_problem(client.get("/cases/1"), 503)
    assert body["type"] == PROBLEM_BASE + "chain-unavailable"


def test_the_openapi_schema_declares_every_answer(api):
    schema = api.client().get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            success = [s for s in responses if s.startswith("2")]
            assert success, (method, path)
            for status in ("422", "500"):
                assert PROBLEM_JSON in responses[status]["content"], (method, path, status)
            for status, answer in responses.items():
                if status[0] in "45":
                    assert list(answer["content"]) == [PROBLEM_JSON], (method, path, status)


def test_the_readme_names_every_route(api):
    """The README's API section is the user's map of the API: every route of /openapi.json is in
    it (path parameters compared by position: `/listings/{id}` names `/listings/{listing_id}`)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    named = {_shape(p) for p in re.findall(r"(/[a-z][\w\-/{}]*)", readme)}
    paths = api.client().get("/openapi.json").json()["paths"]
    missing = sorted(p for p in paths if _shape(p) not in named)
    assert not missing, f"README.md does not name {missing}"


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))
