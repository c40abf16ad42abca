"""`GET /orders/{order}/key-check`: the verifier's last answer for the order's current delivery,
signed (EIP-712 KeyCheckAnswer), so a merchant's bot can act on "valid" (real Anvil, real HTTP)."""

from __future__ import annotations

import httpx
import pytest

from fairkey.chain.types import DisputeReason, order_ref
from fairkey.verifier.answers import CheckAnswer
from fairkey.verifier.client import VerifierClient
from tests.support.disputes import Deal, dispute
from tests.verifier.test_verifier_service import delivered_key


def disputed_deal(market) -> Deal:
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    order_id, key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    deal = Deal(market, listing, stock, order_id, key, record)
    dispute(deal, DisputeReason.KEY_INVALID)
    return deal


def read(url: str, order_id: int) -> httpx.Response:
    return httpx.get(f"{url}/orders/{order_ref(order_id)}/key-check", timeout=10)


@pytest.mark.parametrize("state", ["valid", "redeemed"])
def test_the_answer_is_signed_by_the_verifier_and_bound_to_the_delivery(
    market, issuer, verifier_url, state
):
    sim, _ = issuer
    deal = disputed_deal(market)
    key = delivered_key(deal)
    sim.set_keys({key: state})
    before = read(verifier_url, deal.order_id)
    assert before.status_code == 404 and before.json()["type"].endswith("/not-checked")

    with VerifierClient(verifier_url) as client:
        client.check_key(deal.order_id, key, expect_verifier=market.address("verifier"))
    body = read(verifier_url, deal.order_id).json()

    assert body["answer"] == state and body["delivery_no"] == 0
    answer, signature = CheckAnswer.from_json(body["signed"])
    assert answer.signer(signature) == market.address("verifier")
    assert answer.answer == state
    assert (answer.chain_id, answer.escrow) == (market.w3.eth.chain_id, market.escrow_address)
    assert (answer.order_id, answer.delivery_no) == (deal.order_id, 0)
    assert answer.fingerprint == deal.record.fingerprint
    # Changing any field breaks the signature: it cannot be re-used for another order or answer.
    forged = CheckAnswer(**{**answer.__dict__, "answer": "valid" if state != "valid" else "x"})
    assert forged.signer(signature) != market.address("verifier")


def test_an_order_without_a_delivery_or_a_bad_id_is_404(market, verifier_url):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    assert read(verifier_url, order_id).json()["type"].endswith("/not-delivered")
    response = httpx.get(f"{verifier_url}/orders/not-an-order/key-check", timeout=10)
    assert response.status_code == 404
