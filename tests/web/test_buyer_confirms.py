"""A buyer buys one key in the browser, sees it arrive without reloading (the notification
stream), opens it in the browser — it checks against the merchant's commitment — and confirms
in one click: the merchant is paid. The money moved only by transactions the buyer's wallet
signed: the payment of exactly the price, and the confirmation. A basket is one payment and an
order per key; a price in an ERC-20 is approved exactly, never more."""

from __future__ import annotations

import httpx
from eth_utils import keccak, to_checksum_address
from playwright.sync_api import expect

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.chain.types import OrderStatus, parse_order_ref
from tests.web.wallet import Approval

DEMO_LISTING = 1  # the demo merchant's listing; its bot delivers in the next block


def escrow(stack) -> EscrowClient:
    return EscrowClient(ChainSession.connect(stack.rpc_url), stack.deployment["escrow"])


def test_a_buyer_buys_receives_a_key_that_checks_and_confirms(stack, dapp, screenshot):
    chain_escrow = escrow(stack)
    price = chain_escrow.listing(DEMO_LISTING).price
    shop = dapp(stack.fresh_account(), path=f"listings/{DEMO_LISTING}")  # nobody else signs as it
    page = shop.page

    expect(page.get_by_test_id("buy-total")).to_have_text("0.01 ETH")
    page.get_by_test_id("buy").click()

    # The order page, live: paid, then delivered by the merchant's bot, without a reload.
    expect(page.get_by_test_id("page-order")).to_be_visible()
    order_ref = page.get_by_test_id("page-order").get_attribute("data-order")
    order_id = parse_order_ref(order_ref)
    key_check = page.get_by_test_id("key-check")
    expect(key_check).to_have_attribute("data-ok", "yes")  # opened and checked in the browser
    key_text = page.get_by_test_id("card-key").inner_text().strip()
    record, _ = chain_escrow.current_delivery(order_id)
    assert keccak(b"fairkey.fingerprint.v1" + key_text.encode()) == record.fingerprint
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Delivered")
    screenshot(shop, "delivered")

    page.get_by_test_id("action-confirm").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Completed")
    expect(page.get_by_test_id("order-timeline")).to_contain_text("Merchant paid")
    screenshot(shop, "confirmed")

    assert chain_escrow.order(order_id).status is OrderStatus.COMPLETED
    sent = shop.wallet.transactions
    escrow_address = to_checksum_address(stack.deployment["escrow"])
    assert [to_checksum_address(tx.to) for tx in sent] == [escrow_address, escrow_address]
    assert [tx.value for tx in sent] == [price, 0]  # exactly the price, then the confirmation
    assert not shop.external_requests()
    assert not shop.console_errors, shop.console_errors


def test_a_basket_of_two_keys_is_one_payment_and_two_orders_delivered_on_their_own(
    stack, dapp, screenshot
):
    chain_escrow = escrow(stack)
    price = chain_escrow.listing(DEMO_LISTING).price
    shop = dapp(stack.fresh_account(), path=f"listings/{DEMO_LISTING}")
    page = shop.page
    page.get_by_test_id("buy-quantity").fill("2")
    expect(page.get_by_test_id("buy-total")).to_have_text("0.02 ETH")
    page.get_by_test_id("buy").click()

    # The basket's orders, together on the buyer's list, each delivered on its own (live).
    table = page.get_by_test_id("orders-table")
    rows = table.locator("tr[data-status]")
    expect(rows).to_have_count(2)
    expect(table.locator('tr[data-status="Delivered"]')).to_have_count(2)
    expect(rows.first).to_contain_text("Basket")
    screenshot(shop, "basket")

    (payment,) = shop.wallet.transactions
    assert payment.value == 2 * price  # one payment for both keys
    ids = [
        parse_order_ref(r.get_attribute("data-testid").removeprefix("order-")) for r in rows.all()
    ]
    assert {chain_escrow.order(i).status for i in ids} == {OrderStatus.DELIVERED}
    assert not shop.console_errors, shop.console_errors


def test_paying_in_an_erc20_approves_exactly_the_price(stack, dapp, screenshot):
    token = to_checksum_address(stack.deployment["token"])  # the demo's dUSD
    listing = httpx.get(
        f"{stack.api_url}/listings", params={"token": token, "in_stock": True}
    ).json()["items"][0]
    buyer = stack.fresh_account()
    session = ChainSession.connect(stack.rpc_url, buyer)
    dusd = session.w3.eth.contract(address=token, abi=session.artifacts["TestToken"].abi)
    session.send(dusd.functions.mint(buyer.address, 10 * int(listing["price"])))  # anyone may mint
    shop = dapp(buyer, path=f"listings/{listing['listing_id']}")
    page = shop.page
    expect(page.get_by_test_id("buy-steps")).to_contain_text("approves exactly")
    page.get_by_test_id("buy").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Paid")
    screenshot(shop, "paid-in-dusd")

    escrow_address = to_checksum_address(stack.deployment["escrow"])
    assert shop.wallet.approvals() == [Approval(token, escrow_address, int(listing["price"]))]
    assert [tx.value for tx in shop.wallet.transactions] == [0, 0]  # approve, then pay: no ETH
    assert dusd.functions.allowance(buyer.address, escrow_address).call() == 0  # all of it used
    assert not shop.console_errors, shop.console_errors
