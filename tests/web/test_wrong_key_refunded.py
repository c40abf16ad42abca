"""A merchant commits one key and delivers another. The buyer's page opens the delivery, sees it
is not what was committed, and files the misdelivery proof by itself: the buyer is refunded the
price plus the unit's bond in one transaction, without a dispute, a form or a word to anyone."""

from __future__ import annotations

import secrets

import httpx
from eth_utils import to_checksum_address
from playwright.sync_api import expect
from web3 import Web3

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.chain.types import ETH, ListingTerms, OrderStatus, parse_order_ref
from fairkey.crypto.canonical import KeyAlphabet
from fairkey.crypto.delivery_crypto import seal
from fairkey.crypto.keys import commitment, fingerprint, new_salt, normalise_key
from fairkey.crypto.merkle import MerkleTree, leaf_hash
from fairkey.crypto.records import DeliveryRecord
from fairkey.listing_meta import ListingMetadata
from tests.web.chain import until

PRICE = Web3.to_wei("0.004", "ether")
BOND = Web3.to_wei("0.003", "ether")


def cheating_listing(stack) -> tuple[EscrowClient, int, dict]:
    """A listing of a merchant no bot runs for (the test delivers for it, wrongly), with one
    honest committed key, published with its title and description."""
    cheat = stack.fresh_account()
    merchant = EscrowClient(ChainSession.connect(stack.rpc_url, cheat), stack.deployment["escrow"])
    doc = ListingMetadata(f"Gift card {secrets.token_hex(3)}", "A key that is not what it says")
    listing_id = merchant.create_listing(
        ListingTerms(
            token=ETH,
            price=PRICE,
            bond_per_unit=BOND,
            dispute_bond=Web3.to_wei("0.001", "ether"),
            delivery_window=3600,
            confirm_window=86400,
            response_window=43200,
            appeal_window=7200,
            max_replacements=1,
            verifier="0x" + "00" * 20,
            description_hash=doc.description_hash(),
        ),
        KeyAlphabet.PRINTABLE_ASCII,
    )
    published = {"schema": "fairkey.listing.v1", **doc.document()}
    httpx.put(f"{stack.api_url}/listings/{listing_id}/metadata", json=published).raise_for_status()
    key = normalise_key(f"HONEST-{secrets.token_hex(6).upper()}")
    salt = new_salt()
    unit = {"index": 0, "c": commitment(salt, key), "f": fingerprint(key)}
    tree = MerkleTree.build([leaf_hash(cheat.address, 0, unit["c"], unit["f"])])
    merchant.commit_stock(listing_id, tree.root, 1, "cheat")
    return merchant, listing_id, {**unit, "tree": tree}


def deliver_another_key(merchant: EscrowClient, order_id: int, unit: dict) -> None:
    """Delivers the committed unit's c and f, encrypting a different key (fault 3)."""
    paid = merchant.order_paid(order_id).args
    wrong = new_salt() + normalise_key("NOT-THE-COMMITTED-KEY")
    sealed = seal(wrong, order_id, paid["buyerKeyX"], paid["buyerKeyY"])
    record = DeliveryRecord.from_sealed(unit["tree"].root, 0, unit["c"], unit["f"], sealed)
    merchant.deliver(order_id, record, unit["tree"].proof(0))


def test_a_wrong_key_is_proven_and_refunded_by_the_buyers_page(stack, dapp, screenshot):
    merchant, listing_id, unit = cheating_listing(stack)
    stack.wait_indexed()
    buyer_account = stack.fresh_account()
    shop = dapp(buyer_account, path=f"listings/{listing_id}")
    page = shop.page
    expect(page.get_by_test_id("hash-badge")).to_have_attribute("data-match", "yes")
    page.get_by_test_id("buy").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Paid")
    order_id = parse_order_ref(page.get_by_test_id("page-order").get_attribute("data-order"))
    buyer = to_checksum_address(buyer_account.address)
    credit_before = merchant.credit_of(ETH, buyer)

    deliver_another_key(merchant, order_id, unit)

    expect(page.get_by_test_id("key-check")).to_have_attribute("data-ok", "no")
    expect(page.get_by_test_id("proof-filed")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "Refunded")
    expect(page.get_by_test_id("order-timeline")).to_contain_text("Wrong key proven on chain")
    screenshot(shop, "refunded")

    assert merchant.order(order_id).status is OrderStatus.REFUNDED
    assert merchant.credit_of(ETH, buyer) - credit_before == PRICE + BOND  # price + the bond
    order = until(lambda: httpx.get(f"{stack.api_url}/orders/{order_id:#042x}").json(), "indexed")
    assert order["cause"] == "Misdelivery"
    # The buyer clicked "pay" once; the proof went out by itself.
    assert [tx.value for tx in shop.wallet.transactions] == [PRICE, 0]
    assert not shop.console_errors, shop.console_errors
