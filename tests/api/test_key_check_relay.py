"""The buyer's key check through the API (api/verifier_relay/): the key sealed to the listing's
verifier, relayed to the URL the API's settings name for it, answered by the real verifier
service (real HTTP, asking the issuer simulator) about a real order on Anvil."""

from __future__ import annotations

import httpx
import pytest

from fairkey.chain.anvil import free_port
from fairkey.chain.types import DisputeReason, OrderStatus, order_ref
from fairkey.crypto.keys import normalise_key
from fairkey.issuers.http_json import HttpJsonAdapter
from fairkey.verifier.envelope import key_check_aad, seal_for_verifier
from fairkey.verifier.routes import create_verifier_app
from fairkey.verifier.service import RetryPolicy, VerifierService
from fairkey.verifier.store import DecisionStore
from tests.support.disputes import delivered_order, disputed_order
from tests.support.serve import serve_in_thread
from tests.verifier.test_verifier_service import delivered_key


@pytest.fixture
def relay(make_api, market, verifier_url):
    """An API that knows where the listings' verifier takes keys."""
    return make_api(verifier_urls={market.address("verifier"): verifier_url})


def sealed_for(buyer: httpx.Client, deal, key: str | None = None) -> dict:
    """What the dApp does: asks the API for the order's verifier, seals the key to it."""
    info = buyer.get(f"/orders/{order_ref(deal.order_id)}/verifier")
    assert info.status_code == 200, info.text
    v = info.json()
    aad = key_check_aad(v["chain_id"], v["escrow"], deal.order_id)
    text = delivered_key(deal) if key is None else key
    return seal_for_verifier(normalise_key(text), v["public_key"], aad).to_json()


def send(buyer: httpx.Client, deal, envelope: dict) -> httpx.Response:
    return buyer.post(f"/orders/{order_ref(deal.order_id)}/key-check", json={"envelope": envelope})


def test_a_redeemed_key_sent_through_the_api_puts_the_verifiers_verdict_on_chain(
    relay, market, issuer
):
    sim, _ = issuer
    deal = disputed_order(market)
    sim.set_keys({delivered_key(deal): "redeemed"})
    buyer = relay.sign_in(market.accounts["buyer"])

    info = buyer.get(f"/orders/{order_ref(deal.order_id)}/verifier").json()
    assert info["address"] == market.address("verifier")
    assert (info["chain_id"], info["escrow"]) == (31337, market.escrow_address)
    answer = send(buyer, deal, sealed_for(buyer, deal))

    assert answer.status_code == 200, answer.text
    decision = answer.json()
    assert decision["verifier"] == market.address("verifier")
    assert (decision["answer"], decision["outcome"]) == ("redeemed", "refund_pending")
    assert decision["tx_hash"] and decision["repeated"] is False
    assert deal.order().status is OrderStatus.VERIFIER_REFUND_PENDING


def test_a_good_key_is_answered_and_a_second_send_is_answered_from_the_record(
    relay, market, issuer
):
    sim, _ = issuer
    deal = disputed_order(market)
    sim.set_keys({delivered_key(deal): "valid"})
    buyer = relay.sign_in(market.accounts["buyer"])

    first = send(buyer, deal, sealed_for(buyer, deal)).json()
    again = send(buyer, deal, sealed_for(buyer, deal)).json()

    # A working key is a delivered key: the verifier's VALID verdict is on chain.
    assert (first["answer"], first["outcome"]) == ("valid", "no_refund") and first["tx_hash"]
    assert "delivered again" in first["message"]
    assert again["repeated"] is True and again["checked_at"] == first["checked_at"]
    assert again["tx_hash"] == first["tx_hash"]
    assert deal.order().status is OrderStatus.DELIVERED


def test_the_verifiers_refusals_come_back_with_its_status_and_reason(relay, market):
    deal = delivered_order(market)  # not disputed yet
    buyer = relay.sign_in(market.accounts["buyer"])

    early = send(buyer, deal, sealed_for(buyer, deal))
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    problem = early.json()
    assert problem["type"].endswith("/not-disputed") and "DELIVERED" in problem["detail"]
    assert problem["order_status"] == "DELIVERED"
    assert problem["verifier"] == market.address("verifier")

    deal.client("buyer").dispute(deal.order_id, DisputeReason.KEY_INVALID)
    wrong = send(buyer, deal, sealed_for(buyer, deal, key="NOT-THE-DELIVERED-KEY"))
    assert wrong.status_code == 422 and wrong.json()["type"].endswith("/wrong-key")
    envelope = sealed_for(buyer, deal)
    last = int(envelope["ciphertext"][-2:], 16) ^ 1  # one bit of the tag flipped
    tampered = {**envelope, "ciphertext": envelope["ciphertext"][:-2] + f"{last:02x}"}
    broken = send(buyer, deal, tampered)
    assert broken.status_code == 422 and broken.json()["type"].endswith("/bad-envelope")


def test_only_the_orders_buyer_may_send_its_key(relay, market):
    deal = disputed_order(market)
    envelope = {"version": 1, "ephemeral_pubkey": "0x02", "nonce": "0x00", "ciphertext": "0x00"}
    ref = order_ref(deal.order_id)
    assert (
        relay.client()
        .post(f"/orders/{ref}/key-check", json={"envelope": envelope})
        .json()["type"]
        .endswith("/not-signed-in")
    )
    for role in ("merchant", "stranger"):
        refused = relay.sign_in(market.accounts[role]).get(f"/orders/{ref}/verifier")
        assert refused.status_code == 403 and refused.json()["type"].endswith("/not-the-buyer")
    buyer = relay.sign_in(market.accounts["buyer"])
    unknown = buyer.post(f"/orders/{order_ref(12345)}/key-check", json={"envelope": envelope})
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("/no-such-order")
    junk = buyer.post(f"/orders/{ref}/key-check", json={"envelope": {**envelope, "nonce": "zz"}})
    assert junk.status_code == 422 and junk.headers["content-type"].startswith("application/pro")


def test_a_listing_without_a_verifier_or_without_a_configured_url_is_refused(
    make_api, relay, market
):
    no_verifier = disputed_order(market, verifier="0x" + "00" * 20)
    buyer = relay.sign_in(market.accounts["buyer"])
    refused = buyer.get(f"/orders/{order_ref(no_verifier.order_id)}/verifier")
    assert refused.status_code == 409 and refused.json()["type"].endswith("/no-verifier")

    deal = disputed_order(market)
    unconfigured = make_api().sign_in(market.accounts["buyer"])
    answer = unconfigured.get(f"/orders/{order_ref(deal.order_id)}/verifier")
    assert answer.status_code == 503 and answer.json()["type"].endswith("/verifier-not-configured")
    assert "FAIRKEY_API_VERIFIER_URLS" in answer.json()["detail"]


def test_an_unreachable_verifier_is_a_502_with_where_it_was_tried(make_api, market):
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    api = make_api(verifier_urls={market.address("verifier"): down})
    deal = disputed_order(market)
    buyer = api.sign_in(market.accounts["buyer"])
    envelope = {"version": 1, "ephemeral_pubkey": "0x02", "nonce": "0x00", "ciphertext": "0x00"}

    for answer in (
        buyer.get(f"/orders/{order_ref(deal.order_id)}/verifier"),
        buyer.post(f"/orders/{order_ref(deal.order_id)}/key-check", json={"envelope": envelope}),
    ):
        assert answer.status_code == 502, answer.text
        problem = answer.json()
        assert problem["type"].endswith("/verifier-unreachable") and down in problem["detail"]


def test_a_service_that_is_not_the_listings_verifier_gets_no_key(
    make_api, market, issuer, tmp_path
):
    """The configured URL answers as another verifier: the API says so, the dApp seals nothing."""
    _, issuer_url = issuer
    adapter = HttpJsonAdapter(f"{issuer_url}/redeem-check", timeout=2.0)
    store = DecisionStore.at(tmp_path / "other-verifier.sqlite")
    other = VerifierService(
        market.client("stranger"), market.accounts["stranger"], adapter, store, RetryPolicy(1, 1)
    )
    with serve_in_thread(create_verifier_app(other)) as url:
        api = make_api(verifier_urls={market.address("verifier"): url})
        deal = disputed_order(market)
        answer = api.sign_in(market.accounts["buyer"]).get(
            f"/orders/{order_ref(deal.order_id)}/verifier"
        )
    adapter.close()
    store.close()
    assert answer.status_code == 502 and answer.json()["type"].endswith("/verifier-mismatch")
    assert market.address("stranger") in answer.json()["detail"]


def test_key_checks_are_rate_limited_per_buyer(make_api, market, verifier_url):
    api = make_api(verifier_urls={market.address("verifier"): verifier_url}, key_check_rate=0.001)
    deal = disputed_order(market)
    buyer = api.sign_in(market.accounts["buyer"])
    answers = [buyer.get(f"/orders/{order_ref(deal.order_id)}/verifier") for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert (
        answers[-1].json()["type"].endswith("/rate-limited") and answers[-1].headers["retry-after"]
    )
    other = api.sign_in(market.accounts["buyer2"])  # its own budget: refused as not the buyer
    assert other.get(f"/orders/{order_ref(deal.order_id)}/verifier").status_code == 403
