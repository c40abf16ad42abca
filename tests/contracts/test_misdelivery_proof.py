"""L1 proof of misdelivery: the buyer reveals the per-order secret, the contract decrypts the
delivery and refunds the buyer with the unit's bond when it differs from the commitment."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fairkey.chain.types import DisputeReason, OrderStatus, RefundCause, Verdict
from fairkey.crypto.order_keys import OrderKey
from fairkey.crypto.records import (
    FAULT_BAD_EPHEMERAL,
    FAULT_COMMITMENT,
    FAULT_FINGERPRINT,
    build_misdelivery_proof,
    find_fault,
)
from fairkey.crypto.secp256k1 import GX, N, base_mul
from fairkey.flows.buyer import open_delivery, prove_misdelivery
from tests.support.disputes import (
    Deal,
    commit_hand_units,
    credited_since,
    credits,
    delivered_order,
    dispute,
    misfingerprinted_unit,
    random_ciphertext,
    raw_record,
    sign_verdict,
    single_event,
    submit,
    wrong_content_record,
)
from tests.support.disputes import reverts as expect_revert
from tests.support.market import BOND, DISPUTE_BOND, PRICE

PROOF_GAS_LIMIT = 120_000


def _pay_with_secret(market, listing: int, secret: int) -> tuple[int, OrderKey]:
    """Pays with a per-order key whose secret the test chooses."""
    x, y = base_mul(secret)
    result = market.client("buyer").pay(listing, x, y)
    return result.event("OrderPaid").args["orderId"], OrderKey(0, secret, x, y)


def _misdelivered(
    market, kind: str = "commitment", key: str | None = None, secret: int | None = None
) -> Deal:
    """An order whose delivery is faulty in the given way (delivered, status DELIVERED)."""
    listing = market.make_listing()
    if kind == "fingerprint":
        text = key or "REAL-KEY-0001-ABCDEFGHIJKLMNOP"
        unit = misfingerprinted_unit(0, text, "SOLD-ELSEWHERE-0001-ABCDEFGHIJ")
        stock = commit_hand_units(market, listing, [unit])
        order_id, order_key = market.make_order(listing)
        record, _ = market.deliver(order_id, stock, unit)
        return Deal(market, listing, stock, order_id, order_key, record)
    keys = None if key is None else [key, "SPARE-KEY-0001"]
    stock = market.make_stock(listing, 2, keys=keys)
    if secret is None:
        order_id, order_key = market.make_order(listing)
    else:
        order_id, order_key = _pay_with_secret(market, listing, secret)
    if kind == "commitment":
        wrong = "WRONG-KEY-0000-ABCDEFGHIJKLMNOP" if key is None else "W" * len(key)
        committed, record = wrong_content_record(market, order_id, stock, wrong)
        market.client("merchant").deliver(order_id, record, stock.tree.proof(committed.index))
        return Deal(market, listing, stock, order_id, order_key, record)
    raise ValueError(kind)


def _bad_ephemeral(market, eph_x: int, parity: int) -> Deal:
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, order_key = market.make_order(listing)
    unit = stock.take()
    record = raw_record(unit, stock.root, eph_x, parity, random_ciphertext(len(unit.plaintext)))
    market.client("merchant").deliver(order_id, record, stock.tree.proof(unit.index))
    return Deal(market, listing, stock, order_id, order_key, record)


def _prove(deal: Deal, who: str = "buyer", secret: int | None = None, record=None):
    return deal.client(who).prove_misdelivery(
        deal.order_id,
        deal.key.secret if secret is None else secret,
        deal.record if record is None else record,
    )


def _assert_refunded_for_fault(
    deal: Deal, result, fault: int, before: dict[str, int], dispute_bond: int = 0
) -> None:
    market = deal.market
    assert deal.order().status == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + BOND + dispute_bond}
    assert single_event(result, "MisdeliveryProven").args == {
        "orderId": deal.order_id,
        "fingerprint": deal.record.fingerprint,
        "fault": fault,
    }
    assert single_event(result, "OrderRefunded").args == {
        "orderId": deal.order_id,
        "cause": RefundCause.MISDELIVERY,
        "buyerAmount": PRICE + BOND + dispute_bond,
        "compensation": BOND,
    }


# ---------------------------------------------------------------------------- proofs that refund


def test_a_key_other_than_the_committed_one_is_refunded_with_compensation_fault_3(market):
    deal = _misdelivered(market, "commitment")
    assert find_fault(deal.key.secret, deal.order_id, deal.record) == FAULT_COMMITMENT
    before = credits(market)
    result = _prove(deal)
    _assert_refunded_for_fault(deal, result, FAULT_COMMITMENT, before)


def test_a_commitment_with_the_fingerprint_of_another_key_is_refunded_fault_4(market):
    deal = _misdelivered(market, "fingerprint")
    assert find_fault(deal.key.secret, deal.order_id, deal.record) == FAULT_FINGERPRINT
    before = credits(market)
    result = _prove(deal)
    _assert_refunded_for_fault(deal, result, FAULT_FINGERPRINT, before)


@pytest.mark.parametrize(
    ("eph_x", "parity"),
    [(5, 0), (5, 1), (N, 0), (GX, 2)],
    ids=["x=5-not-on-curve-even", "x=5-not-on-curve-odd", "x=n", "parity=2"],
)
def test_an_ephemeral_point_the_buyer_cannot_use_is_refunded_fault_1(market, eph_x, parity):
    deal = _bad_ephemeral(market, eph_x, parity)
    assert find_fault(deal.key.secret, deal.order_id, deal.record) == FAULT_BAD_EPHEMERAL
    before = credits(market)
    result = _prove(deal)
    _assert_refunded_for_fault(deal, result, FAULT_BAD_EPHEMERAL, before)


def test_anyone_may_submit_the_proof_and_the_buyer_is_refunded(market):
    deal = _misdelivered(market, "commitment")
    before = credits(market)
    result = _prove(deal, who="stranger")
    _assert_refunded_for_fault(deal, result, FAULT_COMMITMENT, before)


def test_a_proof_from_a_disputed_order_also_returns_the_dispute_bond(market):
    deal = _misdelivered(market, "commitment")
    dispute(deal, DisputeReason.WRONG_CONTENT)
    before = credits(market)
    result = _prove(deal)
    _assert_refunded_for_fault(deal, result, FAULT_COMMITMENT, before, DISPUTE_BOND)


def test_a_proof_after_the_response_deadline_of_a_dispute_still_refunds(market):
    deal = _misdelivered(market, "commitment")
    dispute(deal, DisputeReason.WRONG_CONTENT)
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)
    result = _prove(deal)
    _assert_refunded_for_fault(deal, result, FAULT_COMMITMENT, before, DISPUTE_BOND)


def test_a_proof_during_a_verifier_appeal_window_refunds_with_compensation(market):
    deal = _misdelivered(market, "commitment")
    dispute(deal, DisputeReason.KEY_INVALID)
    submit(deal, sign_verdict(deal))
    assert deal.order().status == OrderStatus.VERIFIER_REFUND_PENDING
    before = credits(market)
    result = _prove(deal)
    _assert_refunded_for_fault(deal, result, FAULT_COMMITMENT, before, DISPUTE_BOND)


def test_a_proof_outranks_a_valid_verdict_and_returns_the_dispute_bond(market):
    deal = _misdelivered(market, "commitment")
    dispute(deal, DisputeReason.OTHER)
    submit(deal, sign_verdict(deal, Verdict.VALID))
    assert deal.order().status == OrderStatus.DELIVERED
    before = credits(market)
    result = _prove(deal)
    _assert_refunded_for_fault(deal, result, FAULT_COMMITMENT, before, DISPUTE_BOND)


def test_the_proof_costs_less_than_120k_gas(market):
    deal = _misdelivered(market, "commitment")
    result = _prove(deal)
    assert result.receipt["gasUsed"] < PROOF_GAS_LIMIT


def test_the_proof_of_a_longest_key_fingerprint_fault_costs_less_than_120k_gas(market):
    deal = _misdelivered(market, "fingerprint", key="K" * 256)  # 288-byte plaintext, all checks
    assert len(deal.record.ciphertext) == 288
    result = _prove(deal)
    assert single_event(result, "MisdeliveryProven").args["fault"] == FAULT_FINGERPRINT
    assert result.receipt["gasUsed"] < PROOF_GAS_LIMIT


# ---------------------------------------------------------------------------- buyer-side flow


def test_buyer_flow_sees_the_wrong_key_and_proves_it(market):
    deal = _misdelivered(market, "commitment")
    buyer = deal.client("buyer")
    opened = open_delivery(buyer, deal.order_id, deal.key)
    assert opened.delivery_no == 0
    assert opened.record == deal.record
    assert opened.check.ok is False
    assert opened.check.commitment_ok is False
    before = credits(market)
    result = prove_misdelivery(buyer, opened, deal.key)
    _assert_refunded_for_fault(deal, result, FAULT_COMMITMENT, before)


def test_buyer_flow_reports_an_unusable_ephemeral_point_as_a_failed_check_and_proves_it(market):
    deal = _bad_ephemeral(market, 5, 0)
    buyer = deal.client("buyer")
    opened = open_delivery(buyer, deal.order_id, deal.key)
    assert opened.check.ok is False
    before = credits(market)
    result = prove_misdelivery(buyer, opened, deal.key)
    _assert_refunded_for_fault(deal, result, FAULT_BAD_EPHEMERAL, before)


def test_buyer_flow_accepts_a_correct_delivery_and_builds_no_proof(market):
    deal = delivered_order(market)
    opened = open_delivery(deal.client("buyer"), deal.order_id, deal.key)
    assert opened.check.ok is True
    assert opened.key_text == deal.stock.units[0].key.decode()
    with pytest.raises(ValueError, match="matches its commitment"):
        build_misdelivery_proof(deal.order_id, 0, deal.record, deal.key.secret)


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("length", [32, 289], ids=["salt-only", "one-byte-too-long"])
def test_a_delivery_whose_plaintext_length_is_out_of_range_is_refused_at_delivery(market, length):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    unit = stock.take()
    sealed = market.sealed_record(order_id, stock, unit)
    ciphertext = random_ciphertext(length)
    record = raw_record(unit, stock.root, sealed.eph_x, sealed.eph_parity, ciphertext)
    with expect_revert("EscrowCiphertextLength", length=length):
        market.client("merchant").deliver(order_id, record, stock.tree.proof(unit.index))
    assert market.client("stranger").order(order_id).status == OrderStatus.PAID


def test_a_proof_against_a_correct_delivery_is_refused(market):
    deal = delivered_order(market)
    with expect_revert("EscrowDeliveryMatchesCommitment", orderId=deal.order_id):
        _prove(deal)
    assert deal.order().status == OrderStatus.DELIVERED


@pytest.mark.parametrize(
    "key",
    ["K", "A" * 31, "B" * 32, "C" * 33, "D" * 256, "ÄÖÜ-€-🎮-GIFT"],
    ids=["1-byte", "31-bytes", "32-bytes", "33-bytes", "256-bytes", "multibyte-utf8"],
)
def test_a_correct_delivery_of_any_key_length_is_not_provable(market, key):
    # The contract's decryption and in-place fingerprint must agree with the commitment for
    # every key length: a wrong result here would refund honest merchants' deliveries.
    listing = market.make_listing()
    stock = market.make_stock(listing, 1, keys=[key])
    order_id, order_key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    deal = Deal(market, listing, stock, order_id, order_key, record)
    with expect_revert("EscrowDeliveryMatchesCommitment", orderId=order_id):
        _prove(deal)


def test_a_proof_with_another_orders_secret_is_refused(market):
    deal = _misdelivered(market, "commitment")
    other = market.new_order_key()
    with expect_revert("EscrowInvalidOrderKey", orderId=deal.order_id):
        _prove(deal, secret=other.secret)


@pytest.mark.parametrize(
    "secret_of",
    [lambda b: 0, lambda b: N, lambda b: N + b, lambda b: 2**256 - 1],
    ids=["zero", "n", "n-plus-secret", "uint256-max"],
)
def test_a_proof_with_a_secret_outside_1_to_n_minus_1_is_refused(
    market, secret_of: Callable[[int], int]
):
    # A small secret, so that n + b still fits a uint256: the same point (b ≡ n + b mod n),
    # which only the range check refuses.
    deal = _misdelivered(market, "commitment", secret=123_456_789)
    assert find_fault(N + deal.key.secret, deal.order_id, deal.record) == FAULT_COMMITMENT
    with expect_revert("EscrowInvalidOrderKey", orderId=deal.order_id):
        _prove(deal, secret=secret_of(deal.key.secret))


def test_a_small_secret_order_key_proves_like_any_other(market):
    deal = _misdelivered(market, "commitment", secret=123_456_789)
    before = credits(market)
    result = _prove(deal)
    _assert_refunded_for_fault(deal, result, FAULT_COMMITMENT, before)


def test_a_proof_after_the_confirm_window_is_refused(market):
    deal = _misdelivered(market, "commitment")
    deadline = deal.order().deadline
    market.clock.advance_past(deadline)
    with expect_revert("EscrowDeadlinePassed", orderId=deal.order_id, deadline=deadline):
        _prove(deal)
    assert deal.order().status == OrderStatus.DELIVERED


def test_a_proof_with_another_orders_delivery_record_is_refused(market):
    deal = _misdelivered(market, "commitment")
    other = _misdelivered(market, "commitment")
    with expect_revert("EscrowRecordMismatch", orderId=deal.order_id):
        _prove(deal, record=other.record)


def test_a_proof_cannot_refund_an_order_twice(market):
    deal = _misdelivered(market, "commitment")
    _prove(deal)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.REFUNDED):
        _prove(deal)


def test_a_proof_outranks_the_court_and_closes_its_case(market):
    # A merchant cannot escape a cryptographic proof by contesting: the proof refunds with
    # compensation, and the court's later ruling is refused.
    deal = _misdelivered(market, "commitment")
    dispute(deal, DisputeReason.WRONG_CONTENT)
    deal.client("merchant").contest(deal.order_id)
    _prove(deal)
    assert deal.order().status == OrderStatus.REFUNDED
    escrow = deal.client("stranger")
    _, dispute_id = escrow.contract.functions.cases(deal.order_id).call()
    court = market.session.with_account(market.accounts["stranger"]).contract(
        "TestArbitrator", market.arbitrator_address
    )
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.REFUNDED):
        market.session.with_account(market.accounts["stranger"]).send(
            court.functions.giveRuling(dispute_id, 2)
        )
