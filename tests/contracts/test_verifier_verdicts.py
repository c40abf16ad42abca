"""L1 verifier verdict (EIP-712): the listing's verifier attests that the disputed key is invalid
or redeemed (the buyer is refunded after the appeal window), or valid (a working key is a
delivered key: the order is Delivered again and the merchant is paid, with the buyer's dispute
bond, after the appeal window unless the buyer takes the verdict to the court). Signatures are
bound to chain, contract, order, delivery number and key, and expire."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import (
    ETH,
    CompletionCause,
    DisputeReason,
    OrderStatus,
    RefundCause,
    Ruling,
    Verdict,
)
from fairkey.crypto.secp256k1 import N
from tests.support.disputes import (
    ARBITRATION_FEE,
    EVIDENCE,
    Deal,
    credited_since,
    credits,
    delivered_order,
    dispute,
    disputed_order,
    set_next_timestamp,
    sign_verdict,
    single_event,
    submit,
    verdict_message,
)
from tests.support.disputes import reverts as expect_revert
from tests.support.market import BOND, DISPUTE_BOND, PRICE

APPEAL_WINDOW = 2 * 3600  # tests.support.market default terms


def _attested(market) -> Deal:
    deal = disputed_order(market)
    submit(deal, sign_verdict(deal))
    return deal


def _attested_args(deal: Deal, verdict: int, now: int) -> dict:
    """The VerifierAttested event a verdict submitted at `now` emits: the listing's verifier,
    whoever sent it, and an appeal window from now."""
    return {
        "orderId": deal.order_id,
        "verifier": deal.market.address("verifier"),
        "verdict": verdict,
        "appealDeadline": now + APPEAL_WINDOW,
    }


def _replace_key(deal: Deal) -> None:
    """The merchant answers the dispute with the next unit of the deal's stock."""
    market = deal.market
    unit = deal.stock.take()
    record = market.sealed_record(deal.order_id, deal.stock, unit)
    deal.client("merchant").replace(deal.order_id, record, deal.stock.tree.proof(unit.index))
    deal.record = record


# ---------------------------------------------------------------------------- the signed message


def test_eth_account_typed_data_digest_equals_the_contracts_verdict_digest(market):
    deal = disputed_order(market)
    signed = sign_verdict(deal, Verdict.REDEEMED)
    client = deal.client("stranger")
    assert signed.digest == client.verdict_digest(
        deal.order_id, 0, deal.record.fingerprint, Verdict.REDEEMED, signed.deadline
    )
    message = verdict_message(
        market.w3.eth.chain_id,
        market.escrow_address,
        deal.order_id,
        0,
        deal.record.fingerprint,
        Verdict.REDEEMED,
        signed.deadline,
    )
    domain_separator = client.session.call(client.f.domainSeparator())
    assert encode_typed_data(full_message=message).header == domain_separator


# ---------------------------------------------------------------------------- acts


@pytest.mark.parametrize("verdict", [Verdict.INVALID, Verdict.REDEEMED])
def test_a_verifier_verdict_moves_the_dispute_to_refund_pending_with_an_appeal_deadline(
    market, verdict
):
    deal = disputed_order(market)
    before = credits(market)
    response_deadline = deal.order().deadline
    market.clock.advance_past(response_deadline - APPEAL_WINDOW)  # less than a window left

    result = submit(deal, sign_verdict(deal, verdict))

    now = market.clock.now()
    order = deal.order()
    assert order.status == OrderStatus.VERIFIER_REFUND_PENDING
    assert order.deadline == now + APPEAL_WINDOW
    assert single_event(result, "VerifierAttested").args == _attested_args(deal, verdict, now)
    assert credited_since(market, before) == {}


def test_executing_the_verifier_refund_inside_the_appeal_window_is_refused(market):
    deal = _attested(market)
    deadline = deal.order().deadline
    set_next_timestamp(market, deadline)  # the last second of the window still belongs to it
    with expect_revert("EscrowDeadlineNotReached", orderId=deal.order_id, deadline=deadline):
        deal.client("stranger").execute_verifier_refund(deal.order_id)


def test_after_the_appeal_window_anyone_refunds_price_and_dispute_bond_and_the_bond_returns(
    market,
):
    deal = _attested(market)
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)

    result = deal.client("stranger").execute_verifier_refund(deal.order_id)

    assert deal.order().status == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND, "merchant": BOND}
    assert single_event(result, "OrderRefunded").args == {
        "orderId": deal.order_id,
        "cause": RefundCause.VERIFIER_ATTESTED,
        "buyerAmount": PRICE + DISPUTE_BOND,
        "compensation": 0,
    }


def test_the_buyer_may_still_accept_the_key_during_the_appeal_window(market):
    deal = _attested(market)
    before = credits(market)
    deal.client("buyer").confirm(deal.order_id)
    fee = PRICE // 100
    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before) == {
        "merchant": PRICE - fee + BOND,
        "treasury": fee,
        "buyer": DISPUTE_BOND,
    }


def test_the_merchant_may_refund_during_the_appeal_window(market):
    deal = _attested(market)
    before = credits(market)
    deal.client("merchant").refund(deal.order_id)
    assert deal.order().status == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND, "merchant": BOND}


def test_an_early_verdict_does_not_shorten_the_merchants_response_window(market):
    deal = disputed_order(market)
    response_deadline = deal.order().deadline
    submit(deal, sign_verdict(deal))
    assert deal.order().deadline == response_deadline  # the appeal ends no earlier


def test_a_verdict_after_the_response_window_is_refused_and_the_silent_rule_applies(market):
    deal = disputed_order(market)
    deadline = deal.order().deadline
    market.clock.advance_past(deadline)
    with expect_revert("EscrowDeadlinePassed", orderId=deal.order_id, deadline=deadline):
        submit(deal, sign_verdict(deal))
    deal.client("stranger").refund_unanswered(deal.order_id)
    assert deal.order().status == OrderStatus.REFUNDED


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("signer", ["stranger", "merchant", "buyer"])
def test_a_verdict_not_signed_by_the_listings_verifier_is_refused(market, signer):
    deal = disputed_order(market)
    with expect_revert(
        "EscrowInvalidAttestation", orderId=deal.order_id, verifier=market.address("verifier")
    ):
        submit(deal, sign_verdict(deal, signer=signer))
    assert deal.order().status == OrderStatus.DISPUTED


def test_an_expired_verdict_is_refused(market):
    deal = disputed_order(market)
    deadline = market.clock.now() - 1
    with expect_revert("EscrowAttestationExpired", deadline=deadline):
        submit(deal, sign_verdict(deal, deadline=deadline))


@pytest.mark.parametrize("verdict", [0, 4, 255])
def test_a_verdict_other_than_invalid_redeemed_or_valid_is_refused(market, verdict):
    deal = disputed_order(market)
    with expect_revert("EscrowUnknownVerdict", verdict=verdict):
        submit(deal, sign_verdict(deal, verdict))


def test_a_verdict_on_a_listing_without_verifier_is_refused(market):
    deal = disputed_order(market, verifier=ETH)
    with expect_revert("EscrowNoVerifier", listingId=deal.listing):
        submit(deal, sign_verdict(deal))


def test_a_verdict_on_an_undisputed_order_is_refused(market):
    deal = delivered_order(market)
    with expect_revert(
        "EscrowUnexpectedStatus", orderId=deal.order_id, current=OrderStatus.DELIVERED
    ):
        submit(deal, sign_verdict(deal))


def test_a_second_verdict_on_the_same_dispute_is_refused(market):
    deal = _attested(market)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.VERIFIER_REFUND_PENDING):
        submit(deal, sign_verdict(deal, Verdict.REDEEMED))


def test_executing_a_verifier_refund_without_a_verdict_is_refused(market):
    deal = disputed_order(market)
    market.clock.advance_past(deal.order().deadline)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.DISPUTED):
        deal.client("stranger").execute_verifier_refund(deal.order_id)


def test_a_verdict_for_one_order_cannot_be_replayed_on_another(market):
    deal = disputed_order(market)
    order_b, _ = market.make_order(deal.listing)
    record_b, _ = market.deliver(order_b, deal.stock)
    market.client("buyer").dispute(order_b, DisputeReason.KEY_INVALID)
    signed_for_a = sign_verdict(deal)
    with expect_revert("EscrowInvalidAttestation", orderId=order_b):
        submit(deal, signed_for_a, record=record_b, order_id=order_b)
    assert market.client("stranger").order(order_b).status == OrderStatus.DISPUTED


def test_a_verdict_signed_for_another_chain_is_refused(market):
    deal = disputed_order(market)
    with expect_revert("EscrowInvalidAttestation", orderId=deal.order_id):
        submit(deal, sign_verdict(deal, chain_id=1))


def test_a_verdict_signed_for_another_escrow_contract_is_refused(market):
    deal = disputed_order(market)
    other = market.session.deploy(
        "FairkeyEscrow",
        market.address("deployer"),
        market.address("treasury"),
        100,
        market.arbitrator_address,
    )
    signed = sign_verdict(deal, escrow=other)
    other_client = EscrowClient(market.session, other)
    # It is a valid signature over the other escrow's domain...
    assert signed.digest == other_client.verdict_digest(
        deal.order_id, 0, deal.record.fingerprint, signed.verdict, signed.deadline
    )
    # ...and worthless on this one.
    with expect_revert("EscrowInvalidAttestation", orderId=deal.order_id):
        submit(deal, signed)


def test_a_malleated_high_s_copy_of_a_valid_signature_is_refused(market):
    deal = disputed_order(market)
    signed = sign_verdict(deal)
    sig = signed.signature
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    flipped = r + (N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28
    with expect_revert("EscrowInvalidAttestation", orderId=deal.order_id):
        submit(deal, replace(signed, signature=flipped))


def test_a_record_that_is_not_the_orders_delivery_is_refused(market):
    deal = disputed_order(market)
    forged = replace(deal.record, ciphertext=keccak(deal.record.ciphertext) + b"\x00")
    with expect_revert("EscrowRecordMismatch", orderId=deal.order_id):
        submit(deal, sign_verdict(deal), record=forged)


def test_a_verdict_on_the_replaced_key_cannot_be_submitted_with_the_old_record(market):
    deal = disputed_order(market)
    old_record = deal.record
    on_first_key = sign_verdict(deal, delivery_no=0)
    _replace_key(deal)
    dispute(deal)
    with expect_revert("EscrowRecordMismatch", orderId=deal.order_id):
        submit(deal, on_first_key, record=old_record)


def test_a_verdict_on_the_replaced_key_is_refused_against_the_current_record(market):
    deal = disputed_order(market)
    on_first_key = sign_verdict(deal, delivery_no=0)
    _replace_key(deal)
    dispute(deal)
    with expect_revert("EscrowInvalidAttestation", orderId=deal.order_id):
        submit(deal, on_first_key)  # deal.record is now delivery 1
    assert deal.order().status == OrderStatus.DISPUTED


def test_a_verdict_on_the_replacement_key_is_accepted(market):
    deal = disputed_order(market)
    _replace_key(deal)
    dispute(deal)
    signed = sign_verdict(deal)
    assert signed.digest == deal.client("stranger").verdict_digest(
        deal.order_id, 1, deal.record.fingerprint, signed.verdict, signed.deadline
    )
    submit(deal, signed)
    assert deal.order().status == OrderStatus.VERIFIER_REFUND_PENDING


# ------------------------------------------------------- VALID: a working key is a delivered key

FEE = PRICE // 100
PAID_WITH_BOND = {"merchant": PRICE - FEE + BOND + DISPUTE_BOND, "treasury": FEE}


def _found_valid(market, reason: DisputeReason = DisputeReason.KEY_INVALID) -> Deal:
    deal = disputed_order(market, reason)
    submit(deal, sign_verdict(deal, Verdict.VALID))
    return deal


def _court(market):
    return market.session.contract("TestArbitrator", market.arbitrator_address)


@pytest.mark.parametrize(
    "reason", [DisputeReason.KEY_INVALID, DisputeReason.NOT_AS_DESCRIBED, DisputeReason.OTHER]
)
def test_a_valid_verdict_returns_any_dispute_to_delivered_and_keeps_the_bond(market, reason):
    deal = disputed_order(market, reason)
    market.clock.advance_past(deal.order().deadline - APPEAL_WINDOW)  # less than a window left
    before = credits(market)

    result = submit(deal, sign_verdict(deal, Verdict.VALID))

    now = market.clock.now()
    order = deal.order()
    assert order.status == OrderStatus.DELIVERED
    assert order.reason == reason  # kept: "a verifier found this delivery valid"
    assert order.verdict_stands
    assert order.deadline == now + APPEAL_WINDOW
    assert single_event(result, "VerifierAttested").args == _attested_args(deal, Verdict.VALID, now)
    assert credited_since(market, before) == {}  # the dispute bond stays held


def test_after_a_valid_verdicts_window_anyone_settles_and_the_merchant_gets_the_bond(market):
    deal = _found_valid(market)
    deadline = deal.order().deadline
    with expect_revert("EscrowDeadlineNotReached", orderId=deal.order_id, deadline=deadline):
        deal.client("stranger").settle(deal.order_id)
    market.clock.advance_past(deadline)
    before = credits(market)

    result = deal.client("stranger").settle(deal.order_id)

    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before) == PAID_WITH_BOND
    assert single_event(result, "OrderCompleted").args["cause"] == (
        CompletionCause.CONFIRM_WINDOW_PASSED
    )


def test_the_buyers_confirm_after_a_valid_verdict_pays_the_merchant_the_bond(market):
    deal = _found_valid(market)
    before = credits(market)

    result = deal.client("buyer").confirm(deal.order_id)

    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before) == PAID_WITH_BOND
    assert not [e for e in result.events if e.name == "DisputeWithdrawn"]  # nothing to withdraw


def test_a_delivery_found_valid_cannot_be_disputed_again(market):
    deal = _found_valid(market)
    with expect_revert("EscrowVerdictStands", orderId=deal.order_id):
        dispute(deal, DisputeReason.NOT_AS_DESCRIBED)
    assert deal.order().status == OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("ruling", "credited"),
    [
        (Ruling.PAY_MERCHANT, PAID_WITH_BOND),
        (Ruling.REFUND_BUYER, {"buyer": PRICE + DISPUTE_BOND, "merchant": BOND}),
    ],
)
def test_the_buyer_takes_a_valid_verdict_to_the_court_and_the_ruling_pays(market, ruling, credited):
    deal = _found_valid(market)
    court_before = market.eth_balance(market.arbitrator_address)

    result = deal.client("buyer").contest(deal.order_id, EVIDENCE)

    event = single_event(result, "ArbitrationRequested").args
    assert event["requester"] == market.address("buyer")
    assert event["evidenceHash"] == EVIDENCE
    assert deal.order().status == OrderStatus.ARBITRATING
    assert market.eth_balance(market.arbitrator_address) - court_before == ARBITRATION_FEE
    before = credits(market)
    market.session.send(_court(market).functions.giveRuling(event["disputeId"], int(ruling)))
    assert credited_since(market, before) == credited


@pytest.mark.parametrize("who", ["merchant", "stranger"])
def test_only_the_buyer_may_contest_a_valid_verdict(market, who):
    deal = _found_valid(market)
    with expect_revert("EscrowNotBuyer", orderId=deal.order_id, caller=market.address(who)):
        deal.client(who).contest(deal.order_id, EVIDENCE, fee=ARBITRATION_FEE)
    assert deal.order().status == OrderStatus.DELIVERED


def test_a_valid_verdict_cannot_be_contested_after_its_window(market):
    deal = _found_valid(market)
    deadline = deal.order().deadline
    market.clock.advance_past(deadline)
    with expect_revert("EscrowDeadlinePassed", orderId=deal.order_id, deadline=deadline):
        deal.client("buyer").contest(deal.order_id, EVIDENCE)


def test_an_undisputed_delivery_cannot_be_contested(market):
    deal = delivered_order(market)
    with expect_revert(
        "EscrowUnexpectedStatus", orderId=deal.order_id, current=OrderStatus.DELIVERED
    ):
        deal.client("buyer").contest(deal.order_id, EVIDENCE, fee=ARBITRATION_FEE)


def test_the_merchant_may_still_refund_after_a_valid_verdict(market):
    deal = _found_valid(market)
    before = credits(market)
    deal.client("merchant").refund(deal.order_id)
    assert deal.order().status == OrderStatus.REFUNDED
    # A refund of a delivered key pays the unit's bond as a proof would; the dispute bond goes back.
    assert credited_since(market, before) == {"buyer": PRICE + BOND + DISPUTE_BOND}


def test_a_valid_verdict_for_one_order_cannot_be_replayed_on_another(market):
    deal = disputed_order(market)
    order_b, _ = market.make_order(deal.listing)
    record_b, _ = market.deliver(order_b, deal.stock)
    market.client("buyer").dispute(order_b, DisputeReason.KEY_INVALID)
    with expect_revert("EscrowInvalidAttestation", orderId=order_b):
        submit(deal, sign_verdict(deal, Verdict.VALID), record=record_b, order_id=order_b)
    assert market.client("stranger").order(order_b).status == OrderStatus.DISPUTED


def test_a_valid_verdict_on_the_first_key_does_not_count_for_the_replacement(market):
    deal = disputed_order(market)
    on_first_key = sign_verdict(deal, Verdict.VALID, delivery_no=0)
    _replace_key(deal)
    dispute(deal)
    with expect_revert("EscrowInvalidAttestation", orderId=deal.order_id):
        submit(deal, on_first_key)
    assert deal.order().status == OrderStatus.DISPUTED


def test_a_valid_verdict_cannot_be_turned_into_a_refund_by_changing_its_verdict(market):
    deal = disputed_order(market)
    signed = sign_verdict(deal, Verdict.VALID)
    with expect_revert("EscrowInvalidAttestation", orderId=deal.order_id):
        submit(deal, replace(signed, verdict=int(Verdict.INVALID)))


def test_a_second_verdict_after_a_valid_one_is_refused(market):
    deal = _found_valid(market)
    with expect_revert("EscrowUnexpectedStatus", current=OrderStatus.DELIVERED):
        submit(deal, sign_verdict(deal, Verdict.INVALID))


# ------------------------------------------- a stranger relays the verifier's signed verdict first


@pytest.mark.parametrize(
    ("verdict", "status"),
    [
        (Verdict.VALID, OrderStatus.DELIVERED),
        (Verdict.INVALID, OrderStatus.VERIFIER_REFUND_PENDING),
        (Verdict.REDEEMED, OrderStatus.VERIFIER_REFUND_PENDING),
    ],
)
def test_a_verdict_copied_and_relayed_by_a_stranger_counts_as_the_verifiers_own(
    market, verdict, status
):
    # submitVerdict takes the signature, not the sender: a copy seen in the mempool lands the
    # same verdict, credits its sender nothing, and the verifier's own transaction is refused.
    deal = disputed_order(market)
    market.clock.advance_past(deal.order().deadline - APPEAL_WINDOW)  # less than a window left
    signed = sign_verdict(deal, verdict)
    before = credits(market)

    result = submit(deal, signed, submitter="stranger")

    now = market.clock.now()
    order = deal.order()
    assert order.status == status
    assert order.verdict_stands == (verdict == Verdict.VALID)
    assert order.reason == DisputeReason.KEY_INVALID
    assert order.deadline == now + APPEAL_WINDOW
    assert single_event(result, "VerifierAttested").args == _attested_args(deal, verdict, now)
    assert credited_since(market, before) == {}  # the relayer earns nothing, nor does anyone

    with expect_revert("EscrowUnexpectedStatus", orderId=deal.order_id, current=status):
        submit(deal, signed, submitter="verifier")
    assert deal.order() == order  # the refused copy changes nothing
