"""Attacks on the escrow that must fail: each one is refused with its named error, and no money
moves (the escrow's holdings, every ledger credit and every token wallet are as before)."""

from __future__ import annotations

import pytest
from eth_account import Account
from web3 import Web3

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import ERC20_MAX, supplier_tag
from fairkey.chain.types import ETH, OrderStatus
from fairkey.crypto.merkle import build_stock_tree
from tests.support.invariants import (
    ARBITRATION_FEE,
    balance_of,
    escrow_balance,
    money_snapshot,
    revert_name,
    send_as,
    sign_verdict,
)
from tests.support.market import BOND, PRICE, Stock

S = OrderStatus
FEE = PRICE * 100 // 10_000


def _escrow(market):
    return market.client("stranger").contract


def _calldata(market, fn: str, *args) -> bytes:
    return bytes.fromhex(_escrow(market).encode_abi(fn, args=list(args))[2:])


def _delivered_and_disputed(market, listing, stock, buyer="buyer"):
    order_id, key = market.make_order(listing, buyer)
    record, _ = market.deliver(order_id, stock)
    market.client(buyer).dispute(order_id, 3)  # KeyInvalid
    return order_id, key, record


# ---------------------------------------------------------------------------- re-entrancy


@pytest.fixture
def reentrant_token_listing(market):
    """A listing priced in ReentrantToken, with bonded stock; buyer and merchant hold tokens."""
    token = market.session.deploy("ReentrantToken")
    contract = market.session.contract("ReentrantToken", token)
    for role in ("merchant", "buyer"):
        send_as(market, role, contract.functions.mint(market.address(role), 10**24))
    listing = market.make_listing(token=token, price=10**18, bond_per_unit=10**17)
    stock = market.make_stock(listing, 2)
    return token, contract, listing, stock


@pytest.mark.parametrize("reentry", ["pay", "withdraw", "commitStock"])
def test_a_token_that_calls_back_into_the_escrow_during_payment_is_refused(
    market, reentrant_token_listing, reentry
):
    token, contract, listing, stock = reentrant_token_listing
    buyer = market.client("buyer")
    key = market.new_order_key()
    payloads = {
        "pay": lambda: _calldata(market, "pay", listing, 2**96, *market.new_order_key().point),
        "withdraw": lambda: _calldata(market, "withdraw", Web3.to_checksum_address(token)),
        "commitStock": lambda: _calldata(
            market, "commitStock", listing, b"\x11" * 32, 1, supplier_tag("evil")
        ),
    }
    # The buyer's allowance is set first, so the armed token only runs inside `pay`.
    send_as(market, "buyer", contract.functions.approve(market.escrow_address, ERC20_MAX))
    send_as(market, "stranger", contract.functions.arm(market.escrow_address, payloads[reentry]()))
    before = money_snapshot(market, (ETH, token))
    stock_before = buyer.listing(listing).stock_available

    assert revert_name(buyer.pay, listing, key.x, key.y) == "ReentrancyGuardReentrantCall"

    order_id = int(key.address, 16)
    assert buyer.order(order_id).status == S.NONE
    assert buyer.listing(listing).stock_available == stock_before
    assert money_snapshot(market, (ETH, token)) == before
    # The same payment goes through once the token stops calling back.
    send_as(market, "stranger", contract.functions.arm("0x" + "00" * 20, b""))
    buyer.pay(listing, key.x, key.y)
    assert buyer.order(order_id).status == S.PAID


@pytest.fixture(params=["merchant", "buyer"])
def credited_receiver(request, market):
    """A ReentrantReceiver with ETH credit in the escrow, earned as a merchant (a sale and a
    revoked unit) or as a buyer (a refunded order). Returns (receiver contract, its credit)."""
    address = market.session.deploy("ReentrantReceiver")
    receiver = market.session.contract("ReentrantReceiver", address)

    def as_receiver(fn: str, *args, value: int = 0):
        call = receiver.functions.exec(market.escrow_address, value, _calldata(market, fn, *args))
        return send_as(market, "stranger", call, value)

    if request.param == "merchant":
        terms = market.terms().as_tuple()
        result = as_receiver("createListing", terms, 0)
        listing = next(e for e in result.events if e.name == "ListingCreated").args["listingId"]
        units = market.make_units(2)
        stock = Stock(listing, units, build_stock_tree(units, address))
        as_receiver("commitStock", listing, stock.root, 2, supplier_tag("x"), value=2 * BOND)
        order_id, _ = market.make_order(listing)
        record = market.sealed_record(order_id, stock, units[0])
        as_receiver("deliver", order_id, record.as_struct(), stock.tree.proof(0))
        market.client("buyer").confirm(order_id)
        as_receiver("revokeBatch", listing, stock.root)
        credit = PRICE - FEE + 2 * BOND
    else:
        listing = market.make_listing()
        market.make_stock(listing, 1)
        key = market.new_order_key()
        result = as_receiver("pay", listing, PRICE, key.x, key.y, value=PRICE)
        order_id = next(e for e in result.events if e.name == "OrderPaid").args["orderId"]
        market.client("merchant").refund(order_id)
        credit = PRICE
    assert market.client("stranger").credit_of(ETH, address) == credit
    return receiver, credit


def test_a_receiver_that_reenters_withdraw_is_paid_exactly_once(market, credited_receiver):
    receiver, credit = credited_receiver
    withdraw = _calldata(market, "withdraw", ETH)
    send_as(market, "stranger", receiver.functions.setMode(1, market.escrow_address, withdraw))
    escrow_before = escrow_balance(market, ETH)
    wallet_before = balance_of(market, ETH, receiver.address)

    send_as(market, "stranger", receiver.functions.exec(market.escrow_address, 0, withdraw))

    assert balance_of(market, ETH, receiver.address) - wallet_before == credit
    assert escrow_before - escrow_balance(market, ETH) == credit
    assert receiver.functions.reentryAttempted().call()
    assert not receiver.functions.reentrySucceeded().call()
    assert market.client("stranger").credit_of(ETH, receiver.address) == 0


def test_a_receiver_that_refuses_eth_keeps_its_credit_and_can_withdraw_elsewhere(
    market, credited_receiver
):
    receiver, credit = credited_receiver
    send_as(market, "stranger", receiver.functions.setMode(2, "0x" + "00" * 20, b""))
    withdraw = receiver.functions.exec(market.escrow_address, 0, _calldata(market, "withdraw", ETH))
    before = money_snapshot(market, extra=(receiver.address,))

    assert revert_name(send_as, market, "stranger", withdraw) == "EscrowTransferFailed"
    assert money_snapshot(market, extra=(receiver.address,)) == before

    elsewhere = Account.create().address
    send_as(
        market,
        "stranger",
        receiver.functions.exec(
            market.escrow_address, 0, _calldata(market, "withdrawTo", ETH, elsewhere)
        ),
    )
    assert balance_of(market, ETH, elsewhere) == credit
    assert market.client("stranger").credit_of(ETH, receiver.address) == 0


# ---------------------------------------------------------------------------- keys sold twice


def test_a_unit_already_delivered_cannot_be_delivered_to_another_order(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    first, _ = market.make_order(listing)
    market.deliver(first, stock, stock.units[0])
    second, _ = market.make_order(listing)
    record = market.sealed_record(second, stock, stock.units[0])
    before = money_snapshot(market)

    err = revert_name(market.client("merchant").deliver, second, record, stock.tree.proof(0))

    assert err == "EscrowUnitAlreadyUsed"
    assert market.client("stranger").order(second).status == S.PAID
    assert money_snapshot(market) == before


def test_the_same_key_in_another_unit_cannot_be_delivered_to_another_order(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, keys=["DUPLICATE-KEY-0001", "DUPLICATE-KEY-0001", "OTHER"])
    first, _ = market.make_order(listing)
    market.deliver(first, stock, stock.units[0])
    second, _ = market.make_order(listing)
    before = money_snapshot(market)

    with pytest.raises(ContractRevert) as err:
        market.deliver(second, stock, stock.units[1])

    assert err.value.name == "EscrowKeyAlreadyDelivered"
    assert err.value.args_by_name["fingerprint"] == stock.units[1].fingerprint
    assert not market.client("stranger").is_unit_used(stock.root, 1)
    assert market.client("stranger").order(second).status == S.PAID
    assert money_snapshot(market) == before


def test_a_key_another_merchant_already_delivered_cannot_be_delivered_again(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, keys=["SHARED-SUPPLIER-KEY-42"])
    first, _ = market.make_order(listing)
    market.deliver(first, stock)
    other_listing = market.make_listing("merchant2")
    other_stock = market.make_stock(
        other_listing, merchant="merchant2", keys=["SHARED-SUPPLIER-KEY-42"]
    )
    second, _ = market.make_order(other_listing, "buyer2")
    before = money_snapshot(market)

    with pytest.raises(ContractRevert) as err:
        market.deliver(second, other_stock, merchant="merchant2")

    assert err.value.name == "EscrowKeyAlreadyDelivered"
    assert market.client("stranger").order(second).status == S.PAID
    assert money_snapshot(market) == before


@pytest.mark.parametrize("status", [S.DELIVERED, S.DISPUTED])
def test_a_misdelivery_claim_against_a_correct_delivery_is_refused(market, status):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    if status == S.DISPUTED:
        market.client("buyer").dispute(order_id, 1)  # WrongContent
    before = money_snapshot(market)

    err = revert_name(market.client("buyer").prove_misdelivery, order_id, key.secret, record)

    assert err == "EscrowDeliveryMatchesCommitment"
    assert market.client("stranger").order(order_id).status == status
    assert money_snapshot(market) == before


def test_withdrawing_twice_pays_once(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.client("merchant").refund(order_id)
    buyer = market.client("buyer")
    buyer.withdraw(ETH)
    before = money_snapshot(market)

    assert revert_name(buyer.withdraw, ETH) == "EscrowNothingToWithdraw"
    assert money_snapshot(market) == before


# ---------------------------------------------------------------------------- who may call what


@pytest.fixture
def busy_listing(market):
    """A listing with stock, a paid order and a disputed one (everything a merchant can act on)."""
    listing = market.make_listing()
    stock = market.make_stock(listing, 5)
    paid, _ = market.make_order(listing)
    disputed, _, _ = _delivered_and_disputed(market, listing, stock)
    return listing, stock, paid, disputed


def _merchant_only_call(market, function, client, listing, stock, paid, disputed):
    """Calls one merchant-only function with arguments that would work for the merchant."""
    if function == "deliver":
        record = market.sealed_record(paid, stock, stock.units[4])
        return client.deliver(paid, record, stock.tree.proof(4))
    if function == "replace":
        record = market.sealed_record(disputed, stock, stock.units[3])
        return client.replace(disputed, record, stock.tree.proof(3))
    calls = {
        "refund": lambda: client.refund(paid),
        "contest": lambda: client.contest(disputed, fee=ARBITRATION_FEE),
        "commitStock": lambda: client.commit_stock(listing, b"\x22" * 32, 1),
        "revokeBatch": lambda: client.revoke_batch(stock.root),
        "setPrice": lambda: client.set_price(listing, 1),
        "setActive": lambda: client.set_active(listing, False),
    }
    return calls[function]()


MERCHANT_ONLY = [
    "deliver",
    "replace",
    "refund",
    "contest",
    "commitStock",
    "revokeBatch",
    "setPrice",
    "setActive",
]


@pytest.mark.parametrize("function", MERCHANT_ONLY)
def test_only_the_merchant_may_act_on_a_listing(market, busy_listing, function):
    listing, stock, paid, disputed = busy_listing
    before = money_snapshot(market)
    for caller in ("buyer", "stranger"):
        with pytest.raises(ContractRevert) as err:
            _merchant_only_call(
                market, function, market.client(caller), listing, stock, paid, disputed
            )
        assert err.value.name == "EscrowNotMerchant"
        args = err.value.args_by_name
        assert args["listingId"] == listing
        assert Web3.to_checksum_address(args["caller"]) == market.address(caller)
    assert money_snapshot(market) == before
    reader = market.client("stranger")
    assert reader.order(paid).status == S.PAID
    assert reader.order(disputed).status == S.DISPUTED


@pytest.mark.parametrize("action", ["confirm", "dispute"])
def test_only_the_buyer_may_confirm_or_dispute(market, action):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    before = money_snapshot(market)
    for caller in ("stranger", "merchant", "buyer2"):
        client = market.client(caller)
        call = client.confirm if action == "confirm" else lambda o, c=client: c.dispute(o, 4)
        assert revert_name(call, order_id) == "EscrowNotBuyer"
    assert market.client("stranger").order(order_id).status == S.DELIVERED
    assert money_snapshot(market) == before


def test_only_the_court_of_a_case_can_rule_on_it(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _, _ = _delivered_and_disputed(market, listing, stock)
    result = market.client("merchant").contest(order_id)
    dispute_id = result.event("ArbitrationRequested").args["disputeId"]
    escrow = _escrow(market)
    before = money_snapshot(market)

    for ruling in (1, 2):  # a real case id, called by someone who is not its court
        with pytest.raises(ContractRevert) as err:
            send_as(market, "stranger", escrow.functions.rule(dispute_id, ruling))
        assert err.value.name == "EscrowUnknownDispute"
        caller = err.value.args_by_name["arbitrator"]
        assert Web3.to_checksum_address(caller) == market.address("stranger")

    assert market.client("stranger").order(order_id).status == S.ARBITRATING
    assert money_snapshot(market) == before


# ---------------------------------------------------------------------------- verifier replay


def test_a_verifier_verdict_cannot_be_replayed_on_another_order(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    a, _, record_a = _delivered_and_disputed(market, listing, stock)
    b, _, record_b = _delivered_and_disputed(market, listing, stock, "buyer2")
    deadline = market.clock.now() + 3600
    signature = sign_verdict(market, a, 0, record_a.fingerprint, 1, deadline)
    digest = market.client("stranger").verdict_digest(a, 0, record_a.fingerprint, 1, deadline)
    assert Account._recover_hash(digest, signature=signature) == market.address("verifier")
    submit = market.client("stranger").submit_verdict
    before = money_snapshot(market)

    assert revert_name(submit, b, record_b, 1, deadline, signature) == "EscrowInvalidAttestation"
    assert revert_name(submit, b, record_a, 1, deadline, signature) == "EscrowRecordMismatch"
    assert market.client("stranger").order(b).status == S.DISPUTED
    assert money_snapshot(market) == before
    # The verdict does what it says on the order it was signed for.
    submit(a, record_a, 1, deadline, signature)
    assert market.client("stranger").order(a).status == S.VERIFIER_REFUND_PENDING


def test_a_verifier_verdict_cannot_be_replayed_against_a_replacement_key(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    order_id, _, first = _delivered_and_disputed(market, listing, stock)
    deadline = market.clock.now() + 3600
    signature = sign_verdict(market, order_id, 0, first.fingerprint, 2, deadline)
    unit = stock.take()
    replacement = market.sealed_record(order_id, stock, unit)
    market.client("merchant").replace(order_id, replacement, stock.tree.proof(unit.index))
    market.client("buyer").dispute(order_id, 3)
    submit = market.client("stranger").submit_verdict
    before = money_snapshot(market)

    assert revert_name(submit, order_id, first, 2, deadline, signature) == "EscrowRecordMismatch"
    assert revert_name(submit, order_id, replacement, 2, deadline, signature) == (
        "EscrowInvalidAttestation"
    )
    forged = sign_verdict(market, order_id, 1, replacement.fingerprint, 2, deadline, "stranger")
    assert revert_name(submit, order_id, replacement, 2, deadline, forged) == (
        "EscrowInvalidAttestation"
    )
    assert market.client("stranger").order(order_id).status == S.DISPUTED
    assert money_snapshot(market) == before


# ---------------------------------------------------------------------------- copied buyer keys


def test_a_copied_order_key_cannot_open_a_second_order(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    order_id, key = market.make_order(listing)
    original = market.client("stranger").order(order_id)
    before = money_snapshot(market)
    wallet = market.eth_balance("buyer2")

    err = revert_name(market.client("buyer2").pay, listing, key.x, key.y)

    assert err == "EscrowOrderExists"
    assert market.client("stranger").order(order_id) == original
    assert market.client("stranger").listing(listing).stock_available == 1
    assert money_snapshot(market) == before
    assert market.eth_balance("buyer2") == wallet


def test_front_running_a_pending_payment_with_its_key_only_makes_the_buyer_pay_again(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    key = market.new_order_key()  # the buyer's payment is pending; an attacker copies its key
    market.client("buyer2").pay(listing, key.x, key.y)
    before = money_snapshot(market)
    wallet = market.eth_balance("buyer")

    assert revert_name(market.client("buyer").pay, listing, key.x, key.y) == "EscrowOrderExists"
    assert money_snapshot(market) == before
    assert market.eth_balance("buyer") == wallet
    retry, _ = market.make_order(listing)  # the next key index
    assert market.client("stranger").order(retry).buyer == market.address("buyer")
