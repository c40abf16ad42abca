"""Where people would rather look than read: the platform dashboard charts the median time to
resolve an after-sales case per tier (L1 rule, L2 merchant, L3 court) beside the table of the
same figures, a merchant's profile charts its reputation over time, and a supplier's page its
deliveries and bad keys by day."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect


def test_the_dashboard_charts_resolution_time_per_tier(stack, dapp, screenshot):
    figures = httpx.get(f"{stack.api_url}/platform").json()
    shop = dapp("buyer", path="platform")
    page = shop.page
    expect(page.get_by_test_id("tier-chart").locator("canvas")).to_have_count(1)
    rows = page.get_by_test_id("tier-table").locator("tr")
    expect(rows).to_have_count(4)  # header, L1, L2, L3
    cases = {t["tier"]: t["cases"] for t in figures["tiers"]}
    for n, tier in enumerate(("L1", "L2", "L3"), start=1):
        expect(rows.nth(n).locator("td").nth(1)).to_have_text(str(cases.get(tier, 0)))
    expect(page.get_by_test_id("plat-orders")).to_contain_text(str(figures["orders"]))
    screenshot(shop, "platform")
    assert not shop.console_errors, shop.console_errors


def test_a_merchants_profile_charts_its_reputation_over_time(stack, dapp, screenshot):
    listings = httpx.get(f"{stack.api_url}/listings", params={"sort": "score"}).json()["items"]
    merchant = listings[0]["merchant"]  # the demo's best-scored merchant
    profile = httpx.get(f"{stack.api_url}/merchants/{merchant}").json()
    assert any(d["score_bps"] is not None for d in profile["history"])
    shop = dapp("buyer", path=f"merchants/{merchant}")
    page = shop.page
    expect(page.get_by_test_id("reputation-chart").locator("canvas")).to_have_count(1)
    score = profile["figures"]["score_bps"]
    expect(page.get_by_test_id("merchant-figures")).to_contain_text(f"{score / 100:.1f}%")
    screenshot(shop, "profile")
    assert not shop.console_errors, shop.console_errors


def test_a_suppliers_page_charts_what_went_wrong_with_its_keys(stack, dapp, screenshot):
    supplier = httpx.get(f"{stack.api_url}/suppliers/demo-supplier").json()  # make up's tag
    shop = dapp("buyer", path="suppliers/demo-supplier")
    page = shop.page
    expect(page.get_by_test_id("page-supplier")).to_contain_text("demo-supplier")
    expect(page.get_by_test_id("supplier-chart").locator("canvas")).to_have_count(1)
    delivered = supplier["figures"]["units_delivered"]
    expect(page.get_by_test_id("supplier-figures")).to_contain_text(str(delivered))
    screenshot(shop, "supplier")
    assert not shop.console_errors, shop.console_errors
