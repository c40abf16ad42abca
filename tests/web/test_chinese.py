"""The dApp speaks the browser's language: a Chinese browser gets the listings, their figures and
a listing's page in Chinese, with no English left on them; the switch changes it at once and the
choice is remembered."""

from __future__ import annotations

import re

from playwright.sync_api import expect

# Words of the demo listing's own (English) title and description, which the merchant wrote.
DEMO_LISTING_WORDS = {"fairkey", "Steam", "Wallet", "card", "global", "demo"}


def test_a_chinese_browser_gets_the_marketplace_in_chinese(dapp, screenshot):
    shop = dapp("buyer", lang="zh", path="listings")
    page = shop.page
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("在售卡密")
    card = page.get_by_test_id("listing-1")
    expect(card.get_by_test_id("fig-success")).to_contain_text("近7日成功率")
    expect(card.get_by_test_id("fig-p95")).to_contain_text("95%订单到账")
    # Delivered in the payment's block: block times are whole seconds, so "1 秒内", never "0 秒内".
    expect(card.get_by_test_id("fig-p95")).not_to_contain_text(re.compile(r"(?<![0-9])0 秒"))
    expect(card.get_by_test_id("fig-after-sales")).to_contain_text("售后率")
    expect(card.get_by_test_id("hash-badge")).to_have_text("与链上哈希一致")
    expect(page.get_by_test_id("nav")).to_contain_text("我的订单")
    screenshot(shop, "listings-zh")

    card.get_by_test_id("listing-title").click()
    expect(page.get_by_test_id("page-listing")).to_be_visible()
    expect(page.get_by_test_id("buy")).to_have_text("付款到担保合约")
    expect(page.get_by_test_id("listing-terms")).to_contain_text("发卡时限")
    # No English word of the dApp's own is left on the page (addresses and hashes aside).
    text = page.get_by_test_id("page-listing").inner_text()
    english = set(re.findall(r"\b[A-Za-z]{4,}\b", text)) - DEMO_LISTING_WORDS
    assert not english, english
    screenshot(shop, "listing-zh")

    # The buyer's orders, in words that say who waits for whom (the seeded contested order).
    page.get_by_test_id("nav-orders").click()
    page.get_by_test_id("gate-connect").click()
    expect(page.get_by_test_id("orders-table")).to_contain_text("社区仲裁中")
    screenshot(shop, "orders-zh")

    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("orders-table")).to_contain_text("At the community court")
    page.get_by_test_id("nav-listings").click()
    page.get_by_test_id("listing-1").get_by_test_id("listing-title").click()
    expect(page.get_by_test_id("buy")).to_have_text("Pay into escrow")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.get_by_test_id("buy")).to_have_text("Pay into escrow")  # the choice is remembered
    assert not shop.external_requests()
    assert not shop.console_errors, shop.console_errors
