"""A buyer disputes in one click: on the order page, a reason from the list the API offers and the
dispute button (paying exactly the listing's dispute bond). The demo merchant's bot answers an
"other" dispute with a refund (its policy's default); the page learns it from the notification
stream, without a reload, and the buyer's price and bond come back to its escrow credit."""

from __future__ import annotations

from eth_utils import to_checksum_address
from playwright.sync_api import expect

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.chain.types import ETH, DisputeReason, OrderStatus, parse_order_ref

DEMO_LISTING = 1  # the demo merchant's listing: its bot delivers and answers disputes


def test_a_buyer_disputes_in_one_click_and_the_merchants_refund_arrives_live(
    stack, dapp, screenshot
):
    escrow = EscrowClient(ChainSession.connect(stack.rpc_url), stack.deployment["escrow"])
    listing = escrow.listing(DEMO_LISTING)
    buyer = stack.fresh_account()
    shop = dapp(buyer, path=f"listings/{DEMO_LISTING}")
    page = shop.page
    page.get_by_test_id("buy").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Delivered")
    order_id = parse_order_ref(page.get_by_test_id("page-order").get_attribute("data-order"))

    expect(page.get_by_test_id("until-dispute")).to_be_visible()  # the confirm window's end
    page.get_by_test_id("dispute-reason").select_option("other")
    screenshot(shop, "disputing")
    page.get_by_test_id("action-dispute").click()

    # The bot refunds the dispute; the page follows the stream to the final state.
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Refunded")
    screenshot(shop, "refunded")
    order = escrow.order(order_id)
    assert order.status is OrderStatus.REFUNDED
    assert order.reason is DisputeReason.OTHER
    sent = shop.wallet.transactions
    assert [to_checksum_address(tx.to) for tx in sent] == [to_checksum_address(escrow.address)] * 2
    assert [tx.value for tx in sent] == [listing.price, listing.dispute_bond]
    assert escrow.credit_of(ETH, buyer.address) == listing.price + listing.dispute_bond
    assert not shop.console_errors, shop.console_errors
