"""What a stranger who watches the mempool can do to honest merchants and buyers (issue 8).

Each attack here worked on the escrow before the fix: a fingerprint copied from a pending delivery
blocked the merchant's key forever, a price raised in front of a payment took more than the buyer
saw, a root copied from a pending commit made the merchant's commit revert, and a merchant who
saw a misdelivery proof pending refunded first to keep its bond.
"""

from __future__ import annotations

import re
import secrets

import pytest
from eth_utils import keccak

from fairkey.chain.artifacts import PROJECT_ROOT
from fairkey.chain.escrow_client import ERC20_MAX
from fairkey.chain.types import DisputeReason, KeyAlphabet, OrderStatus, RefundCause
from fairkey.crypto.canonical import FORBIDDEN_RANGES, canonical_problem
from fairkey.crypto.keys import fingerprint, new_salt
from fairkey.crypto.merkle import MerkleTree, build_stock_tree, leaf_hash
from fairkey.crypto.records import FAULT_NOT_CANONICAL, DeliveryRecord
from tests.support.disputes import (
    HandUnit,
    commit_hand_units,
    credited_since,
    credits,
    delivered_order,
    dispute,
    reverts,
    single_event,
    wrong_content_record,
)
from tests.support.market import BOND, DISPUTE_BOND, PRICE, Stock
from tests.support.mempool import Mempool

ZERO32 = b"\0" * 32


def _copied_delivery(market, attacker: str, fp: bytes, listing: int | None = None):
    """The attacker's own listing, a one-leaf batch holding the copied fingerprint `fp`, an order
    of its own and a (garbage) delivery record for it: everything to deliver `fp` first."""
    if listing is None:
        listing = market.make_listing(merchant=attacker, bond_per_unit=0)
    salt = new_salt()
    c = keccak(salt + b"ATTACKER-DOES-NOT-KNOW-THE-KEY")
    root = MerkleTree.build([leaf_hash(market.address(attacker), 0, c, fp)]).root
    key = market.new_order_key()
    order_id = int.from_bytes(bytes.fromhex(key.address[2:]), "big")
    record = DeliveryRecord(root, 0, c, fp, 1, 0, secrets.token_bytes(64))
    return listing, root, key, order_id, record


def test_a_fingerprint_copied_from_a_pending_delivery_does_not_block_it(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    unit = stock.take()
    record = market.sealed_record(order_id, stock, unit)
    merchant = market.client("merchant")
    attacker, attacker_buyer = market.client("merchant2"), market.client("buyer2")
    pool = Mempool(market.w3)
    attacker_listing = market.make_listing(merchant="merchant2", bond_per_unit=0)

    with pool.held():
        honest = pool.send(
            merchant,
            merchant.f.deliver(order_id, record.as_struct(), stock.proof(unit)),
            tip_gwei=1,
        )
        [(name, args)] = pool.pending_calls(merchant)
        assert name == "deliver"
        seen = args["record"]["fingerprint"]
        # The attacker's listing exists already; it commits, buys and delivers in front.
        a_listing, a_root, a_key, a_order, a_record = _copied_delivery(
            market, "merchant2", seen, attacker_listing
        )
        front = [
            pool.send(attacker, attacker.f.commitStock(a_listing, a_root, 1, ZERO32), tip_gwei=90),
            pool.send(
                attacker_buyer,
                attacker_buyer.f.pay(a_listing, PRICE, a_key.x, a_key.y),
                tip_gwei=80,
                value=PRICE,
            ),
            pool.send(attacker, attacker.f.deliver(a_order, a_record.as_struct(), []), tip_gwei=70),
        ]
        pool.mine()

    receipts = [pool.receipt(h) for h in front]
    honest_receipt = pool.receipt(honest)
    assert [r["status"] for r in receipts] == [1, 1, 1]  # the front-run itself went through ...
    assert {r["blockNumber"] for r in receipts} == {honest_receipt["blockNumber"]}
    assert honest_receipt["status"] == 1  # ... and did not block the merchant in the same block
    assert honest_receipt["transactionIndex"] > max(r["transactionIndex"] for r in receipts)
    stranger = market.client("stranger")
    assert stranger.order(order_id).status == OrderStatus.DELIVERED
    assert stranger.delivery_of(seen) == record.record_hash(order_id, 0)
    # The copy was displaced: its buyer (the attacker itself) can only get its own money back.
    before = credits(market)
    result = stranger.prove_duplicate(a_order, a_record)
    assert single_event(result, "OrderRefunded").args["cause"] == RefundCause.DUPLICATE
    assert credited_since(market, before) == {"buyer2": PRICE}  # the attacker's bond was 0


def test_a_fingerprint_copied_from_a_pending_replacement_does_not_block_it(market):
    deal = delivered_order(market)
    dispute(deal, DisputeReason.KEY_INVALID)
    unit = deal.stock.take()
    record = market.sealed_record(deal.order_id, deal.stock, unit)
    # The stranger saw the replacement's fingerprint and delivered it first from a younger batch.
    a_listing, a_root, a_key, a_order, a_record = _copied_delivery(
        market, "merchant2", record.fingerprint
    )
    market.client("merchant2").commit_stock(a_listing, a_root, 1)
    market.client("buyer2").pay(a_listing, a_key.x, a_key.y)
    market.client("merchant2").deliver(a_order, a_record, [])

    market.client("merchant").replace(deal.order_id, record, deal.stock.proof(unit))

    assert deal.order().status == OrderStatus.DELIVERED
    assert market.client("stranger").delivery_of(record.fingerprint) == record.record_hash(
        deal.order_id, 1
    )


def _shared_key_stock(market, key: str = "RESOLD-BY-SUPPLIER-0001-ABCD"):
    """Merchant A commits the key first, merchant B (same supplier) later."""
    a = market.make_listing()
    b = market.make_listing(merchant="merchant2")
    key = [key]
    stock_a = market.make_stock(a, keys=key)
    stock_b = market.make_stock(b, merchant="merchant2", keys=key)
    return a, b, stock_a, stock_b


def test_a_key_two_merchants_bought_from_one_supplier_goes_to_the_older_batch_either_way(market):
    # Delivery order 1: the older batch first; the younger batch is refused.
    a, b, stock_a, stock_b = _shared_key_stock(market)
    order_a, _ = market.make_order(a)
    order_b, _ = market.make_order(b, buyer="buyer2")
    record_a, _ = market.deliver(order_a, stock_a)
    with reverts("EscrowKeyAlreadyDelivered", fingerprint=record_a.fingerprint):
        market.deliver(order_b, stock_b, merchant="merchant2")
    first_holder = market.client("stranger").delivery_of(record_a.fingerprint)

    # Delivery order 2 (same chain state, reversed): the younger delivers first, then the older
    # one takes the key anyway.
    a2, b2, stock_a2, stock_b2 = _shared_key_stock(market, "RESOLD-BY-SUPPLIER-0002-ABCD")
    order_a2, _ = market.make_order(a2)
    order_b2, _ = market.make_order(b2, buyer="buyer2")
    record_b2, _ = market.deliver(order_b2, stock_b2, merchant="merchant2")
    record_a2, result = market.deliver(order_a2, stock_a2)
    displaced = single_event(result, "KeyDisplaced").args
    assert displaced["byOrder"] == order_a2
    stranger = market.client("stranger")
    assert stranger.delivery_of(record_a2.fingerprint) == record_a2.record_hash(order_a2, 0)
    # In both orders the older batch's order holds the key.
    assert first_holder == record_a.record_hash(order_a, 0)
    assert stranger.order(order_a2).status == OrderStatus.DELIVERED
    assert stranger.is_displaced(displaced["displaced"])


def test_a_buyer_who_received_a_true_duplicate_is_refunded_and_compensated_in_one_call(market):
    a, b, stock_a, stock_b = _shared_key_stock(market)
    order_a, _ = market.make_order(a)
    order_b, _ = market.make_order(b, buyer="buyer2")
    record_b, _ = market.deliver(order_b, stock_b, merchant="merchant2")
    market.deliver(order_a, stock_a)
    before = credits(market)

    result = market.client("stranger").prove_duplicate(order_b, record_b)

    assert single_event(result, "DuplicateProven").args == {
        "orderId": order_b,
        "fingerprint": record_b.fingerprint,
    }
    assert single_event(result, "OrderRefunded").args == {
        "orderId": order_b,
        "cause": RefundCause.DUPLICATE,
        "buyerAmount": PRICE + BOND,
        "compensation": BOND,
    }
    assert credited_since(market, before) == {"buyer2": PRICE + BOND}
    assert market.client("stranger").order(order_b).status == OrderStatus.REFUNDED


def test_a_duplicate_proof_of_an_order_that_holds_its_key_is_refused(market):
    deal = delivered_order(market)
    with reverts("EscrowNotDisplaced", orderId=deal.order_id):
        market.client("stranger").prove_duplicate(deal.order_id, deal.record)


def test_a_displaced_delivery_cannot_be_used_for_a_misdelivery_proof(market):
    a, b, stock_a, stock_b = _shared_key_stock(market)
    order_a, _ = market.make_order(a)
    order_b, key_b = market.make_order(b, buyer="buyer2")
    record_b, _ = market.deliver(order_b, stock_b, merchant="merchant2")
    market.deliver(order_a, stock_a)
    with reverts("EscrowRecordMismatch", orderId=order_b):
        market.client("buyer2").prove_misdelivery(order_b, key_b.secret, record_b)


def test_a_root_copied_from_a_pending_commit_proves_nothing_for_the_copier(market):
    """Leaves bind the merchant: the squatter's older copy of the root cannot deliver the
    merchant's keys once their leaves and proofs are public, so it cannot displace them."""
    listing = market.make_listing()
    squat = market.make_listing(merchant="merchant2", bond_per_unit=0)
    units = market.make_units(2)
    stock = Stock(listing, units, build_stock_tree(units, market.address("merchant")))
    market.client("merchant2").commit_stock(squat, stock.root, 2)  # the front-run copy
    market.client("merchant").commit_stock(listing, stock.root, 2)
    order_id, _ = market.make_order(listing)
    record = market.sealed_record(order_id, stock, units[0])
    market.client("merchant").deliver(order_id, record, stock.tree.proof(0))
    copier_order, _ = market.make_order(squat, buyer="buyer2")
    with reverts("EscrowInvalidProof", root=stock.root, unitIndex=0):
        market.client("merchant2").deliver(copier_order, record, stock.tree.proof(0))
    assert market.client("stranger").order(order_id).status == OrderStatus.DELIVERED


# ------------------------------------------------------------------ the price the buyer saw


def test_a_price_raised_in_front_of_a_payment_makes_it_revert(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    key = market.new_order_key()
    buyer = market.client("buyer")
    balance = market.eth_balance("buyer")
    with reverts("EscrowPriceAboveLimit", listingId=listing, price=100 * PRICE, maxPrice=PRICE):
        # The buyer saw PRICE; the merchant's setPrice landed first.
        market.client("merchant").set_price(listing, 100 * PRICE)
        buyer.pay(listing, key.x, key.y, price=100 * PRICE, max_price=PRICE)
    assert market.eth_balance("buyer") == balance  # a reverted call costs nothing in ETH here
    assert market.client("stranger").listing(listing).stock_available == 1


def test_an_erc20_price_front_run_takes_nothing_and_the_sdk_never_grants_an_unlimited_allowance(
    market,
):
    token = market.session.contract("TestToken", market.token_address)
    for role in ("merchant", "buyer"):
        market.session.with_account(market.accounts[role]).send(
            token.functions.mint(market.address(role), 1000 * PRICE)
        )
    listing = market.make_listing(token=market.token_address)
    market.make_stock(listing, 2)
    buyer = market.client("buyer")
    allowance = token.functions.allowance(market.address("buyer"), market.escrow_address)

    order_key = market.new_order_key()
    buyer.pay(listing, order_key.x, order_key.y)
    assert allowance.call() == 0  # approved exactly the price, and the payment took it all

    market.client("merchant").set_price(listing, 100 * PRICE)
    key = market.new_order_key()
    with reverts("EscrowPriceAboveLimit", price=100 * PRICE, maxPrice=PRICE):
        buyer.session.send(buyer.f.pay(listing, PRICE, key.x, key.y))
    assert token.functions.balanceOf(market.address("buyer")).call() == 999 * PRICE
    assert allowance.call() != ERC20_MAX


# ------------------------------------------------------------------ refunds that pre-empt a proof


def test_a_merchant_who_front_runs_a_misdelivery_proof_with_a_refund_still_pays_the_bond(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, key = market.make_order(listing)
    _, record = wrong_content_record(market, order_id, stock)
    market.client("merchant").deliver(order_id, record, stock.tree.proof(record.unit_index))
    before = credits(market)

    market.client("merchant").refund(order_id)  # seen the buyer's pending proof: refunds first
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.REFUNDED):
        market.client("buyer").prove_misdelivery(order_id, key.secret, record)

    assert credited_since(market, before) == {"buyer": PRICE + BOND}  # exactly what a proof pays


def test_refunding_a_dispute_that_claims_a_provable_fault_pays_the_bond(market):
    deal = delivered_order(market)
    dispute(deal, DisputeReason.WRONG_CONTENT)
    before = credits(market)
    result = deal.client("merchant").refund(deal.order_id)
    assert single_event(result, "OrderRefunded").args["compensation"] == BOND
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND + BOND}


# ------------------------------------------------------------------ canonical keys

INVISIBLE = {
    "zero-width space": "USED-KEY-0001\u200b".encode(),
    "byte-order mark": "\ufeffUSED-KEY-0001".encode(),
    "NUL": b"USED-KEY\x000001",
    "stray 0xFF": b"USED-KEY-0001\xff",
    "soft hyphen": "USED-KEY-\u00ad0001".encode(),
    "variation selector": "USED-KEY-0001\ufe0f".encode(),
    "no-break space inside": "USED-KEY\u00a00001".encode(),
    "overlong slash": b"USED-KEY\xc0\xaf0001",
    "UTF-8 surrogate": b"USED-KEY\xed\xa0\x800001",
}


def _deliver_raw_key(market, raw: bytes, **terms):
    """A merchant delivers exactly `raw` as the key (bypassing the SDK's import check)."""
    listing = (
        market.make_listing(**terms)
        if terms.get("key_alphabet") is None
        else (market.client("merchant").create_listing(market.terms(), terms["key_alphabet"]))
    )
    salt = new_salt()
    unit = HandUnit(0, salt + raw, keccak(salt + raw), fingerprint(raw))
    stock = commit_hand_units(market, listing, [unit])
    order_id, key = market.make_order(listing)
    record = market.sealed_record(order_id, stock, unit)
    market.client("merchant").deliver(order_id, record, stock.tree.proof(0))
    return order_id, key, record


@pytest.mark.parametrize("raw", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_a_delivered_key_with_an_invisible_or_invalid_character_is_a_provable_fault(market, raw):
    assert canonical_problem(raw) is not None  # the SDK refuses the same key at import
    order_id, key, record = _deliver_raw_key(market, raw)
    result = market.client("buyer").prove_misdelivery(order_id, key.secret, record)
    assert single_event(result, "MisdeliveryProven").args["fault"] == FAULT_NOT_CANONICAL
    assert single_event(result, "OrderRefunded").args["compensation"] == BOND


@pytest.mark.parametrize(
    "key", ["ABCD-EFGH-1234", "激活码-ABCD-1234", "Ключ 42", "🎮-GAME-0001", "A B C"]
)
def test_a_canonical_text_key_is_not_a_fault(market, key):
    raw = key.encode()
    assert canonical_problem(raw) is None
    order_id, secret_key, record = _deliver_raw_key(market, raw)
    with reverts("EscrowDeliveryMatchesCommitment", orderId=order_id):
        market.client("buyer").prove_misdelivery(order_id, secret_key.secret, record)


def test_a_non_ascii_key_in_a_printable_ascii_listing_is_a_provable_fault(market):
    raw = "ABCD-ЕFGH-1234".encode()  # a Cyrillic Е among Latin letters: looks the same
    assert canonical_problem(raw) is None
    assert canonical_problem(raw, KeyAlphabet.PRINTABLE_ASCII) is not None
    order_id, key, record = _deliver_raw_key(market, raw, key_alphabet=KeyAlphabet.PRINTABLE_ASCII)
    result = market.client("buyer").prove_misdelivery(order_id, key.secret, record)
    assert single_event(result, "MisdeliveryProven").args["fault"] == FAULT_NOT_CANONICAL


def test_the_contract_and_the_sdk_hold_the_same_table_of_forbidden_code_points():
    source = (PROJECT_ROOT / "contracts/libraries/KeyCanon.sol").read_text()
    table = bytes.fromhex(re.search(r'FORBIDDEN = hex"([0-9a-f]+)"', source).group(1))
    ranges = tuple(
        (int.from_bytes(table[i : i + 3], "big"), int.from_bytes(table[i + 3 : i + 6], "big"))
        for i in range(0, len(table), 6)
    )
    assert ranges == FORBIDDEN_RANGES
    assert f"RANGES = {len(FORBIDDEN_RANGES)};" in source
