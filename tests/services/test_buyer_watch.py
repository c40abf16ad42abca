"""The buyer's automatic check: a correct key is left alone, a provably wrong one is proven on
chain without the buyer doing anything (real Anvil)."""

from __future__ import annotations

from eth_utils import keccak
from web3 import Web3

from fairkey.chain.types import KeyAlphabet, OrderStatus
from fairkey.crypto.keys import fingerprint, new_salt
from fairkey.crypto.records import FAULT_COMMITMENT, FAULT_NOT_CANONICAL
from fairkey.services.buyer_watch import BuyerWatch, OutcomeKind, check_and_act
from tests.support.disputes import (
    HandUnit,
    commit_hand_units,
    credited_since,
    credits,
    delivered_order,
    disputed_order,
    wrong_content_record,
)
from tests.support.market import BOND, DISPUTE_BOND, PRICE

SEED = Web3.keccak(text="test buyer seed")  # the seed of the market's order keys


def sent_by(market, role: str) -> int:
    return market.w3.eth.get_transaction_count(market.address(role))


def deliver_wrong_key(market, order_id: int, stock) -> None:
    """The merchant commits one key but encrypts another (fault 3)."""
    committed, record = wrong_content_record(market, order_id, stock)
    market.client("merchant").deliver(order_id, record, stock.tree.proof(committed.index))


def watch(market) -> BuyerWatch:
    return BuyerWatch(market.client("buyer"), SEED, market.address("buyer"), from_block=0)


def test_a_correct_delivery_is_ok_and_nothing_is_sent(market):
    deal = delivered_order(market)
    nonce = sent_by(market, "buyer")

    outcome = check_and_act(market.client("buyer"), deal.key, deal.order_id)

    assert outcome.kind is OutcomeKind.OK
    assert outcome.delivery_no == 0
    assert sent_by(market, "buyer") == nonce
    assert deal.order().status == OrderStatus.DELIVERED


def test_an_order_without_a_delivery_is_reported_as_not_delivered_yet(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)

    outcome = check_and_act(market.client("buyer"), SEED, order_id)  # the seed finds the key

    assert outcome.kind is OutcomeKind.NOT_DELIVERED


def test_a_key_outside_the_listings_alphabet_is_proven_and_refunded(market):
    """A printable-ASCII listing delivers a Cyrillic key whose c and f match: the contract proves
    it (fault 6) under the listing's alphabet, so the buyer's check files that proof."""
    listing = market.client("merchant").create_listing(market.terms(), KeyAlphabet.PRINTABLE_ASCII)
    raw = "КЛЮЧ-0001".encode()
    plain = new_salt() + raw
    stock = commit_hand_units(
        market, listing, [HandUnit(0, plain, keccak(plain), fingerprint(raw))]
    )
    order_id, key = market.make_order(listing)
    market.deliver(order_id, stock)

    outcome = check_and_act(market.client("buyer"), key, order_id)

    assert outcome.kind is OutcomeKind.PROVED and outcome.fault == FAULT_NOT_CANONICAL
    assert market.client("buyer").order(order_id).status == OrderStatus.REFUNDED


def test_a_key_that_is_not_utf8_is_proven_not_canonical_and_refunded_with_the_bond(market):
    """c and f match the delivered bytes, but a stray 0xFF is not a canonical key: since issue 8
    that is a provable fault (a key resold with an invisible suffix dodged the registry)."""
    listing = market.make_listing()
    raw = b"KEY-\xff\xfe-NOT-UTF8"
    plain = new_salt() + raw
    stock = commit_hand_units(
        market, listing, [HandUnit(0, plain, keccak(plain), fingerprint(raw))]
    )
    order_id, key = market.make_order(listing)
    market.deliver(order_id, stock)

    outcome = check_and_act(market.client("buyer"), key, order_id)

    assert outcome.kind is OutcomeKind.PROVED
    assert outcome.fault == FAULT_NOT_CANONICAL
    assert outcome.check.commitment_ok and outcome.check.fingerprint_ok
    assert market.client("buyer").order(order_id).status == OrderStatus.REFUNDED


def test_the_watch_proves_a_wrong_key_by_itself_and_the_buyer_gets_price_and_bond(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 4)
    wrong, _ = market.make_order(listing)
    right, _ = market.make_order(listing)
    w = watch(market)
    assert w.step() == []  # paid, nothing delivered yet
    deliver_wrong_key(market, wrong, stock)
    market.deliver(right, stock)
    before = credits(market)

    outcomes = {o.order_id: o for o in w.step()}

    assert outcomes[right].kind is OutcomeKind.OK
    assert outcomes[wrong].kind is OutcomeKind.PROVED
    assert outcomes[wrong].fault == FAULT_COMMITMENT
    reader = market.client("stranger")
    assert reader.order(wrong).status == OrderStatus.REFUNDED
    assert reader.order(right).status == OrderStatus.DELIVERED
    assert credited_since(market, before) == {"buyer": PRICE + BOND}
    assert w.step() == []  # nothing new: nothing checked again


def test_a_restarted_watch_rechecks_from_the_events_and_sends_nothing_twice(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 4)
    wrong, _ = market.make_order(listing)
    right, _ = market.make_order(listing)
    deliver_wrong_key(market, wrong, stock)
    market.deliver(right, stock)
    watch(market).step()
    nonce = sent_by(market, "buyer")

    outcomes = {o.order_id: o.kind for o in watch(market).step()}

    assert outcomes == {wrong: OutcomeKind.CLOSED, right: OutcomeKind.OK}
    assert sent_by(market, "buyer") == nonce


def test_a_wrong_replacement_key_is_proven_too(market):
    deal = disputed_order(market)
    w = watch(market)
    assert [o.kind for o in w.step()] == [OutcomeKind.OK]  # the first key was fine
    before = credits(market)
    committed, record = wrong_content_record(market, deal.order_id, deal.stock)
    deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(committed.index))

    outcomes = w.step()

    assert [(o.kind, o.delivery_no) for o in outcomes] == [(OutcomeKind.PROVED, 1)]
    assert deal.order().status == OrderStatus.REFUNDED
    # the dispute bond came back with the replacement; the proof adds price and unit bond
    assert credited_since(market, before) == {
        "buyer": DISPUTE_BOND + PRICE + BOND,
        "merchant": BOND,
    }


def test_wrong_keys_delivered_together_are_proven_together_in_one_block(market):
    # N wrong keys at once must not take N blocks: the watch sends the proofs concurrently.
    listing = market.make_listing()
    stock = market.make_stock(listing, 8)
    orders = [market.make_order(listing)[0] for _ in range(4)]
    for order_id in orders:
        deliver_wrong_key(market, order_id, stock)
    w = watch(market)
    with market.clock.block_time(1):  # 1 s blocks while it works
        outcomes = w.step()

    assert sorted(o.order_id for o in outcomes if o.kind is OutcomeKind.PROVED) == sorted(orders)
    proofs = market.client("stranger").events("MisdeliveryProven")
    blocks = {e.block_number for e in proofs if e.args["orderId"] in orders}
    assert len(blocks) == 1
