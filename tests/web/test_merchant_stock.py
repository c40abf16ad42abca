"""A merchant opens a listing and imports its card keys in the browser: the keys are read,
checked and committed in the page (salts, commitments, fingerprints, the Merkle root), and only
the root and the count go on chain with the bond. No plain key ever leaves the page: not in a
request to the API, not in a transaction."""

from __future__ import annotations

import secrets

from eth_utils import to_checksum_address
from playwright.sync_api import expect

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession

PASSPHRASE = "correct horse battery"


def open_listing_with_stock(
    dapp, merchant, keys: list[str], pasted: str | None = None, bodies=None
):
    """The merchant's browser creates a listing and prepares its keys; returns (page, listing
    id). `bodies` collects every request body the page sends, from the start."""
    shop = dapp(merchant, path="merchant/listings/new", goto=False)
    if bodies is not None:
        shop.context.on("request", lambda r: bodies.append(r.post_data or ""))
    shop.goto("merchant/listings/new")
    page = shop.page
    page.get_by_test_id("gate-connect").click()
    page.get_by_test_id("listing-title-input").fill(f"Netflix gift card {secrets.token_hex(2)}")
    page.get_by_test_id("listing-description-input").fill("Netflix, 1 month, US accounts")
    page.get_by_test_id("listing-price-input").fill("0.02")
    page.get_by_test_id("listing-bond").fill("0.005")
    page.get_by_test_id("listing-create").click()
    expect(page.get_by_test_id("page-stock")).to_be_visible()
    listing_id = int(page.get_by_test_id("stock-listing").input_value())
    page.get_by_test_id("stock-keys").fill(pasted if pasted is not None else "\n".join(keys))
    page.get_by_test_id("stock-supplier").fill("acme")
    page.get_by_test_id("stock-passphrase").fill(PASSPHRASE)
    page.get_by_test_id("stock-prepare").click()
    return shop, listing_id


def test_a_merchant_creates_a_listing_and_commits_keys_imported_in_the_browser(
    stack, dapp, screenshot
):
    keys = [f"GIFT-{secrets.token_hex(4).upper()}-{n:02d}" for n in range(5)]
    pasted = "\n".join([keys[0], keys[1], keys[0], *keys[2:], "  ", "# a comment"])
    sent_bodies: list[str] = []
    merchant_account = stack.fresh_account()
    shop, listing_id = open_listing_with_stock(dapp, merchant_account, keys, pasted, sent_bodies)
    page = shop.page
    expect(page.get_by_test_id("stock-count")).to_have_text(str(len(keys)))
    expect(page.get_by_test_id("stock-problems")).to_contain_text("line 3: duplicate of line 1")
    expect(page.get_by_test_id("stock-bond")).to_have_text("0.025 ETH")  # 5 × 0.005
    root = page.get_by_test_id("stock-root").inner_text().strip()
    screenshot(shop, "prepared")
    page.get_by_test_id("stock-commit").click()
    expect(page.get_by_test_id("stock-committed")).to_be_visible()
    screenshot(shop, "committed")

    escrow = EscrowClient(ChainSession.connect(stack.rpc_url), stack.deployment["escrow"])
    merchant = to_checksum_address(merchant_account.address)
    batch = escrow.batch(bytes.fromhex(root[2:]), merchant)
    assert (batch.listing_id, batch.count) == (listing_id, len(keys))
    assert escrow.listing(listing_id).stock_available == len(keys)

    # The merchant's desk shows the stock once indexed; the listing shows its checked title.
    stack.wait_indexed()
    page.get_by_test_id("nav-merchant").click()
    row = page.get_by_test_id(f"merchant-listing-{listing_id}")
    expect(row.get_by_test_id("merchant-stock")).to_have_text(str(len(keys)))
    shop.goto(f"listings/{listing_id}")
    expect(page.get_by_test_id("listing-title")).to_contain_text("Netflix gift card")
    expect(page.get_by_test_id("hash-badge")).to_have_attribute("data-match", "yes")
    screenshot(shop, "listing")

    # Plain keys stayed in the page: in no request body and in no transaction.
    leaked = [k for k in keys for body in sent_bodies if k in body]
    leaked += [k for k in keys for tx in shop.wallet.transactions if k.encode().hex() in tx.data]
    assert not leaked
    assert not shop.external_requests()
    assert not shop.console_errors, shop.console_errors


def test_a_key_imported_in_the_browser_is_delivered_from_it_and_checks_for_the_buyer(
    stack, dapp, screenshot
):
    keys = [f"GAME-{secrets.token_hex(5).upper()}" for _ in range(2)]
    merchant, listing_id = open_listing_with_stock(dapp, stack.fresh_account(), keys)
    merchant.page.get_by_test_id("stock-commit").click()
    expect(merchant.page.get_by_test_id("stock-committed")).to_be_visible()
    stack.wait_indexed()

    buyer = dapp(stack.fresh_account(), path=f"listings/{listing_id}")
    buyer.page.get_by_test_id("buy").click()
    expect(buyer.page.get_by_test_id("order-status")).to_have_attribute("data-status", "Paid")
    order_ref = buyer.page.get_by_test_id("page-order").get_attribute("data-order")

    # No bot holds these keys: the merchant delivers from the stock its browser keeps.
    merchant.goto(f"orders/{order_ref}")
    merchant.page.get_by_test_id("action-deliver").click()
    merchant.page.get_by_test_id("passphrase-input").fill(PASSPHRASE)
    merchant.page.get_by_test_id("passphrase-ok").click()
    # The outcome, not the transient "done" notice: the live stream may re-render the page first.
    expect(merchant.page.get_by_test_id("order-status")).to_have_attribute(
        "data-status", "Delivered"
    )

    expect(buyer.page.get_by_test_id("key-check")).to_have_attribute("data-ok", "yes")
    assert buyer.page.get_by_test_id("card-key").inner_text().strip() in keys
    screenshot(buyer, "buyer-got-the-key")
    assert not buyer.console_errors and not merchant.console_errors
