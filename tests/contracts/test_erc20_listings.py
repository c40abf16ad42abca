"""Listings priced in an ERC-20 (the demo TestToken, 6 decimals): bonds and payments are pulled by
allowance, credits and withdrawals are in the token, and fee-on-transfer tokens are refused."""

from __future__ import annotations

import os

import pytest

from fairkey.chain.types import ETH, CompletionCause, OrderStatus, RefundCause
from tests.support.rules import fee_of, mint, reverts, send, token_balance

USD = 10**6  # TestToken has 6 decimals
PRICE = 25 * USD
BOND = 5 * USD
DISPUTE_BOND = 1 * USD


def _mint(market, role: str, amount: int, token: str | None = None) -> None:
    mint(market, market.address(role), amount, token)


def _token_listing(market, **overrides) -> int:
    values = dict(
        token=market.token_address, price=PRICE, bond_per_unit=BOND, dispute_bond=DISPUTE_BOND
    )
    values.update(overrides)
    return market.make_listing(**values)


@pytest.fixture
def funded(market):
    """The demo token minted to the merchant (bonds) and both buyers (payments)."""
    _mint(market, "merchant", 100 * USD)
    _mint(market, "buyer", 100 * USD)
    _mint(market, "buyer2", 100 * USD)
    return market


def _balance(market, role_or_address: str, token: str | None = None) -> int:
    owner = (
        market.address(role_or_address) if role_or_address in market.accounts else role_or_address
    )
    return token_balance(market, owner, token)


# ------------------------------------------------------------------ stock


def test_committing_stock_pulls_the_bond_in_tokens_by_allowance(funded):
    market = funded
    listing = _token_listing(market)
    stock = market.make_stock(listing, 3)
    assert _balance(market, "merchant") == 100 * USD - 3 * BOND
    assert _balance(market, market.escrow_address) == 3 * BOND
    assert market.w3.eth.get_balance(market.escrow_address) == 0
    assert market.client("stranger").listing(listing).stock_available == 3
    assert market.client("stranger").batch(stock.root).count == 3


def test_committing_stock_without_allowance_is_refused_by_the_token(funded):
    market = funded
    listing = _token_listing(market)
    with reverts("ERC20InsufficientAllowance", allowance=0, needed=2 * BOND):
        send(
            market.client("merchant"),
            lambda f: f.commitStock(listing, os.urandom(32), 2, b"\0" * 32),
        )


def test_sending_eth_with_an_erc20_bond_is_refused(funded):
    market = funded
    listing = _token_listing(market)
    with reverts("EscrowWrongPayment", expected=0, received=2 * BOND):
        send(
            market.client("merchant"),
            lambda f: f.commitStock(listing, os.urandom(32), 2, b"\0" * 32),
            2 * BOND,
        )


def test_revoking_an_erc20_batch_credits_the_bond_in_tokens(funded):
    market = funded
    listing = _token_listing(market)
    stock = market.make_stock(listing, 4)
    market.client("merchant").revoke_batch(stock.root)
    assert market.credit("merchant", market.token_address) == 4 * BOND
    assert market.credit("merchant", ETH) == 0


# ------------------------------------------------------------------ orders


def test_paying_an_erc20_listing_pulls_the_price_by_allowance(funded):
    market = funded
    listing = _token_listing(market)
    market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    assert market.client("stranger").order(order_id).status == OrderStatus.PAID
    assert market.client("stranger").order_paid(order_id).args["price"] == PRICE
    assert _balance(market, "buyer") == 100 * USD - PRICE
    assert _balance(market, market.escrow_address) == 2 * BOND + PRICE


def test_sending_eth_with_an_erc20_payment_is_refused(funded):
    market = funded
    listing = _token_listing(market)
    market.make_stock(listing, 2)
    key = market.new_order_key()
    buyer = market.client("buyer")
    buyer.session.send(
        market.session.contract("TestToken", market.token_address).functions.approve(
            market.escrow_address, PRICE
        )
    )
    with reverts("EscrowWrongPayment", expected=0, received=1):
        send(buyer, lambda f: f.pay(listing, PRICE, key.x, key.y), 1)
    assert _balance(market, "buyer") == 100 * USD


def test_paying_an_erc20_listing_without_funds_is_refused_by_the_token(market):
    _mint(market, "merchant", 100 * USD)
    listing = _token_listing(market)
    market.make_stock(listing, 1)
    key = market.new_order_key()
    with reverts("ERC20InsufficientBalance", balance=0, needed=PRICE):
        market.client("stranger").pay(listing, key.x, key.y)


def test_an_erc20_order_pays_out_exact_token_amounts_after_confirmation(funded):
    market = funded
    token = market.token_address
    listing = _token_listing(market)
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    result = market.client("buyer").confirm(order_id)
    assert result.event("OrderCompleted").args == {
        "orderId": order_id,
        "cause": CompletionCause.BUYER_CONFIRMED,
        "merchantAmount": PRICE - fee_of(PRICE),
        "fee": fee_of(PRICE),
    }
    assert market.credit("merchant", token) == PRICE - fee_of(PRICE) + BOND == 29_750_000
    assert market.credit("treasury", token) == fee_of(PRICE) == 250_000
    assert market.credit("merchant", ETH) == 0

    market.client("merchant").withdraw(token)
    market.client("treasury").withdraw(token)
    assert _balance(market, "merchant") == 100 * USD - 2 * BOND + 29_750_000
    assert _balance(market, "treasury") == 250_000
    assert _balance(market, "buyer") == 100 * USD - PRICE
    assert _balance(market, market.escrow_address) == BOND  # the unit still on sale
    assert market.credit("merchant", token) == 0


def test_an_erc20_withdrawal_emits_the_event_and_cannot_repeat(funded):
    market = funded
    token = market.token_address
    listing = _token_listing(market)
    stock = market.make_stock(listing, 1)
    market.client("merchant").revoke_batch(stock.root)
    result = market.client("merchant").withdraw(token)
    assert result.event("Withdrawn").args == {
        "account": market.address("merchant"),
        "token": token,
        "to": market.address("merchant"),
        "amount": BOND,
    }
    with reverts("EscrowNothingToWithdraw", token=token, account=market.address("merchant")):
        market.client("merchant").withdraw(token)


def test_an_erc20_credit_cannot_be_withdrawn_as_eth(funded):
    market = funded
    listing = _token_listing(market)
    stock = market.make_stock(listing, 1)
    market.client("merchant").revoke_batch(stock.root)
    with reverts("EscrowNothingToWithdraw", token=ETH, account=market.address("merchant")):
        market.client("merchant").withdraw(ETH)


def test_an_undelivered_erc20_order_refunds_price_and_bond_in_tokens(funded):
    market = funded
    token = market.token_address
    listing = _token_listing(market)
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.clock.advance_past(market.client("stranger").order(order_id).deadline)
    result = market.client("stranger").refund_undelivered(order_id)
    assert result.event("OrderRefunded").args == {
        "orderId": order_id,
        "cause": RefundCause.NOT_DELIVERED,
        "buyerAmount": PRICE + BOND,
        "compensation": BOND,
    }
    market.client("buyer").withdraw_to(token, market.address("buyer2"))
    assert _balance(market, "buyer2") == 100 * USD + PRICE + BOND
    assert _balance(market, market.escrow_address) == 0


# ------------------------------------------------------------------ fee-on-transfer tokens


def _fee_token(market) -> str:
    return market.session.deploy("FeeOnTransferToken")


def test_paying_with_a_fee_on_transfer_token_is_refused(market):
    fee_token = _fee_token(market)
    _mint(market, "buyer", 100 * USD, fee_token)
    listing = _token_listing(market, token=fee_token, bond_per_unit=0)
    market.make_stock(listing, 1)  # no bond: nothing is pulled at commit
    key = market.new_order_key()
    with reverts(
        "EscrowFeeOnTransferToken", token=fee_token, expected=PRICE, received=PRICE - PRICE // 100
    ):
        market.client("buyer").pay(listing, key.x, key.y)
    assert market.client("stranger").listing(listing).stock_available == 1


def test_bonding_stock_with_a_fee_on_transfer_token_is_refused(market):
    fee_token = _fee_token(market)
    _mint(market, "merchant", 100 * USD, fee_token)
    listing = _token_listing(market, token=fee_token)
    with reverts(
        "EscrowFeeOnTransferToken",
        token=fee_token,
        expected=2 * BOND,
        received=2 * BOND - 2 * BOND // 100,
    ):
        market.client("merchant").commit_stock(listing, os.urandom(32), 2)
