"""A buyer whose key the issuer says is already redeemed sends it to the listing's verifier from the
order page: the key, read in the browser, goes sealed to the verifier through the API's relay
(never to the verifier's own URL, never readable by the API); the verifier asks the issuer, puts
its verdict on chain, and the page shows its answer. The button is offered, and the answer told,
in the buyer's language."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.chain.types import DisputeReason, parse_order_ref

DEMO_LISTING = 1  # the demo bot's listing, which names the demo verifier; key-invalid: it waits


def test_a_redeemed_key_sent_to_the_verifier_from_the_order_page_is_refunded(
    stack, dapp, screenshot
):
    escrow = EscrowClient(ChainSession.connect(stack.rpc_url), stack.deployment["escrow"])
    assert (
        escrow.listing(DEMO_LISTING).verifier.lower() == stack.account("verifier").address.lower()
    )
    buyer = stack.fresh_account()
    shop = dapp(buyer, path=f"listings/{DEMO_LISTING}")
    page = shop.page
    page.get_by_test_id("buy").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Delivered")
    ref = page.get_by_test_id("page-order").get_attribute("data-order")
    order_id = parse_order_ref(ref)
    key = page.get_by_test_id("card-key").inner_text().strip()
    # The issuer learns the key was redeemed elsewhere (the simulator's admin door).
    httpx.put(f"{stack.issuer_url}/admin/keys", json={key: "redeemed"}).raise_for_status()

    page.get_by_test_id("dispute-reason").select_option("key-invalid")
    page.get_by_test_id("action-dispute").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Disputed")
    expect(page.get_by_test_id("action-verify")).to_have_text("Send key to verifier")

    zh = dapp(buyer, lang="zh", path=f"orders/{ref}")  # the buyer on another device, in Chinese
    zh.page.get_by_test_id("order-sign-in").click()
    button = zh.page.get_by_test_id("action-verify")
    expect(button).to_have_text("发送给验证方")
    screenshot(zh, "before")
    button.click()

    answer = zh.page.get_by_test_id("verifier-answer")
    expect(answer).to_have_attribute("data-outcome", "refund_pending")
    expect(answer).to_have_attribute("data-answer", "redeemed")
    expect(answer).to_contain_text("已被兑换")
    # The bot's policy refunds a verdict at once: either state may be showing by now.
    expect(zh.page.get_by_test_id("order-status")).to_have_attribute(
        "data-status", re.compile("VerifierRefundPending|Refunded")
    )
    screenshot(zh, "answered")

    attested = escrow.events("VerifierAttested", orderId=order_id)
    assert len(attested) == 1 and attested[0].args["verdict"] == 2  # REDEEMED
    assert escrow.order(order_id).reason is DisputeReason.KEY_INVALID
    relayed = [u for u in zh.requests if "/key-check" in u or u.endswith("/verifier")]
    assert relayed and all(u.startswith(stack.api_url) for u in relayed), relayed
    assert not any(u.startswith(stack.verifier_url) for u in zh.requests + shop.requests)
    assert not zh.external_requests() and not zh.console_errors, zh.console_errors
