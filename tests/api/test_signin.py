"""Sign-In with Ethereum (EIP-4361): a server nonce spent once, the message bound to this
domain, URI and chain and valid now, a session bound to the signer, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.problems import PROBLEM_BASE, PROBLEM_JSON
from tests.api.conftest import personal_sign, siwe_message


def _verify(api, account, message, session="bearer", signer=None):
    return api.client().post(
        "/auth/verify",
        json={
            "message": message,
            "signature": personal_sign(signer or account, message),
            "session": session,
        },
    )


def _refused(answer, status, kind):
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    body = answer.json()
    assert body["type"] == PROBLEM_BASE + kind, body
    assert body["status"] == status and body["title"] and body["detail"] and body["instance"]
    return body


def test_a_signed_message_with_a_fresh_nonce_opens_a_session_for_its_signer(api, accounts):
    nonce = api.client().post("/auth/nonce").json()
    assert nonce["domain"] == "localhost:8800" and nonce["chain_id"] == 31337
    buyer = accounts["buyer"]
    answer = _verify(api, buyer, siwe_message(buyer, nonce["nonce"]))
    assert answer.status_code == 200, answer.text
    token = answer.json()["token"]
    me = api.client({"Authorization": f"Bearer {token}"}).get("/auth/session")
    assert me.status_code == 200 and me.json()["address"] == buyer.address


def test_a_nonce_signs_in_once(api, accounts):
    buyer = accounts["buyer"]
    message = siwe_message(buyer, api.nonce())
    assert _verify(api, buyer, message).status_code == 200
    _refused(_verify(api, buyer, message), 401, "siwe-nonce-used")


def test_a_nonce_the_server_never_issued_is_refused(api, accounts):
    buyer = accounts["buyer"]
    _refused(
        _verify(api, buyer, siwe_message(buyer, "NeverIssued1234567890")), 401, "siwe-unknown-nonce"
    )


def test_a_nonce_expires_after_five_minutes(api, accounts):
    buyer = accounts["buyer"]
    nonce = api.nonce()
    api.clock.advance(301)
    issued = datetime.now(UTC) + timedelta(seconds=301)
    _refused(
        _verify(api, buyer, siwe_message(buyer, nonce, issued_at=issued)), 401, "siwe-nonce-expired"
    )


def test_an_expired_message_is_refused_and_leaves_the_nonce_usable(api, accounts):
    buyer = accounts["buyer"]
    nonce = api.nonce()
    old = datetime.now(UTC) - timedelta(minutes=10)
    _refused(
        _verify(api, buyer, siwe_message(buyer, nonce, issued_at=old, expires_in=60)),
        401,
        "siwe-expired",
    )
    assert _verify(api, buyer, siwe_message(buyer, nonce)).status_code == 200


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"domain": "evil.example"}, "siwe-wrong-domain"),
        ({"uri": "https://evil.example/login"}, "siwe-wrong-uri"),
        ({"chain_id": 1}, "siwe-wrong-chain"),
        ({"issued_at": datetime.now(UTC) + timedelta(hours=1)}, "siwe-not-yet-valid"),
    ],
    ids=["wrong-domain", "wrong-uri", "wrong-chain", "issued-in-the-future"],
)
def test_a_message_for_another_site_chain_or_time_is_refused(api, accounts, change, kind):
    buyer = accounts["buyer"]
    _refused(_verify(api, buyer, siwe_message(buyer, api.nonce(), **change)), 401, kind)


def test_a_signature_by_another_key_is_refused(api, accounts):
    buyer = accounts["buyer"]
    message = siwe_message(buyer, api.nonce())
    _refused(_verify(api, buyer, message, signer=accounts["stranger"]), 401, "siwe-bad-signature")
    assert _verify(api, buyer, message).status_code == 200  # the nonce was not spent by it


def test_a_text_that_is_no_sign_in_message_is_a_validation_problem(api):
    answer = api.client().post(
        "/auth/verify", json={"message": "hello", "signature": "0x" + "11" * 65}
    )
    _refused(answer, 422, "siwe-malformed")


def test_the_cookie_session_is_http_only_strict_and_ends_at_sign_out(api, accounts):
    buyer = accounts["buyer"]
    answer = _verify(api, buyer, siwe_message(buyer, api.nonce()), session="cookie")
    assert answer.status_code == 200 and answer.json()["token"] is None
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    browser = api.client()
    browser.cookies.set("fairkey_session", answer.cookies["fairkey_session"])
    assert browser.get("/auth/session").json()["address"] == buyer.address
    assert browser.post("/auth/logout").status_code == 204
    browser.cookies.set("fairkey_session", answer.cookies["fairkey_session"])  # kept by a thief
    _refused(browser.get("/auth/session"), 401, "not-signed-in")


def test_sign_out_ends_a_bearer_session(api, accounts):
    client = api.sign_in(accounts["buyer"])
    assert client.post("/auth/logout").status_code == 204
    answer = client.get("/auth/session")
    _refused(answer, 401, "not-signed-in")
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_sign_in_is_rate_limited_per_client(make_api, accounts):
    api = make_api(signin_burst=3, signin_rate=0.01)
    client = api.client()
    assert [client.post("/auth/nonce").status_code for _ in range(3)] == [201, 201, 201]
    answer = client.post("/auth/nonce")
    body = _refused(answer, 429, "rate-limited")
    assert int(answer.headers["retry-after"]) >= 1 and body["retry_after"] >= 1
    buyer = accounts["buyer"]
    _refused(_verify(api, buyer, siwe_message(buyer, "AnyNonce1234567890")), 429, "rate-limited")
