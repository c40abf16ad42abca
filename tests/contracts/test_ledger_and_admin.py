"""Rules of the pull-payment ledger (withdraw, withdrawTo) and of administration (owner settings,
pause). The pause stops new money coming in and nothing else."""

from __future__ import annotations

import os

from fairkey.chain.types import ETH, EscrowConfig, OrderStatus, RefundCause
from tests.support.market import BOND, PRICE, fresh_account
from tests.support.rules import fee_of, gas_cost, reverts


def _completed_order(market) -> int:
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    market.client("buyer").confirm(order_id)
    return order_id


def _pause(market) -> None:
    market.client("deployer").set_paused(True)


# ------------------------------------------------------------------ withdraw


def test_withdraw_sends_the_exact_credit_and_zeroes_it(market):
    _completed_order(market)
    credit = PRICE - fee_of(PRICE) + BOND
    assert market.credit("merchant") == credit
    before = market.eth_balance("merchant")
    escrow_before = market.w3.eth.get_balance(market.escrow_address)
    result = market.client("merchant").withdraw(ETH)
    assert market.eth_balance("merchant") - before + gas_cost(result) == credit
    assert escrow_before - market.w3.eth.get_balance(market.escrow_address) == credit
    assert market.credit("merchant") == 0
    assert result.event("Withdrawn").args == {
        "account": market.address("merchant"),
        "token": ETH,
        "to": market.address("merchant"),
        "amount": credit,
    }


def test_the_escrow_holds_exactly_what_it_owes_after_everyone_withdraws(market):
    _completed_order(market)
    market.client("merchant").withdraw(ETH)
    market.client("treasury").withdraw(ETH)
    # What is left is the bond of the one unit still on sale.
    assert market.w3.eth.get_balance(market.escrow_address) == BOND


def test_a_second_withdraw_has_nothing_to_withdraw(market):
    _completed_order(market)
    market.client("merchant").withdraw(ETH)
    with reverts("EscrowNothingToWithdraw", token=ETH, account=market.address("merchant")):
        market.client("merchant").withdraw(ETH)


def test_an_account_without_credit_cannot_withdraw(market):
    with reverts("EscrowNothingToWithdraw", token=ETH, account=market.address("stranger")):
        market.client("stranger").withdraw(ETH)


def test_withdraw_to_sends_the_credit_to_another_address(market):
    _completed_order(market)
    credit = market.credit("treasury")
    assert credit == fee_of(PRICE)
    target = fresh_account().address
    before = market.eth_balance("treasury")
    result = market.client("treasury").withdraw_to(ETH, target)
    assert market.w3.eth.get_balance(target) == credit
    assert market.eth_balance("treasury") == before - gas_cost(result)
    assert market.credit("treasury") == 0
    assert result.event("Withdrawn").args == {
        "account": market.address("treasury"),
        "token": ETH,
        "to": target,
        "amount": credit,
    }


def test_withdraw_to_the_zero_address_is_refused(market):
    _completed_order(market)
    with reverts("EscrowZeroAddress"):
        market.client("merchant").withdraw_to(ETH, ETH)
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND


def test_credits_accumulate_across_orders_until_withdrawn(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    for buyer in ("buyer", "buyer2"):
        order_id, _ = market.make_order(listing, buyer=buyer)
        market.deliver(order_id, stock)
        market.client(buyer).confirm(order_id)
    assert market.credit("merchant") == 2 * (PRICE - fee_of(PRICE) + BOND)
    assert market.credit("treasury") == 2 * fee_of(PRICE)


# ------------------------------------------------------------------ owner settings


def test_the_deployment_has_the_expected_config(market):
    assert market.client("stranger").config() == EscrowConfig(
        market.address("treasury"), 100, False
    )


def test_a_fee_above_ten_percent_is_refused(market):
    with reverts("EscrowFeeTooHigh", feeBps=1001, maxBps=1000):
        market.client("deployer").set_fee(1001)
    assert market.client("stranger").config().fee_bps == 100


def test_a_fee_of_exactly_ten_percent_is_accepted(market):
    result = market.client("deployer").set_fee(1000)
    assert result.event("FeeChanged").args == {"feeBps": 1000}
    assert market.client("stranger").config().fee_bps == 1000


def test_only_the_owner_sets_the_fee(market):
    with reverts("OwnableUnauthorizedAccount", account=market.address("stranger")):
        market.client("stranger").set_fee(50)


def test_only_the_owner_pauses(market):
    with reverts("OwnableUnauthorizedAccount", account=market.address("merchant")):
        market.client("merchant").set_paused(True)


def test_only_the_owner_sets_the_treasury(market):
    with reverts("OwnableUnauthorizedAccount", account=market.address("treasury")):
        market.client("treasury").set_treasury(market.address("treasury"))


def test_a_zero_treasury_is_refused(market):
    with reverts("EscrowZeroAddress"):
        market.client("deployer").set_treasury(ETH)
    assert market.client("stranger").config().treasury == market.address("treasury")


def test_a_fee_change_applies_only_to_listings_created_after_it(market):
    listing = market.make_listing()  # created while the fee was 1 %
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    market.client("deployer").set_fee(500)
    result = market.client("buyer").confirm(order_id)
    assert result.event("OrderCompleted").args["fee"] == PRICE // 100
    assert market.credit("merchant") == PRICE - PRICE // 100 + BOND

    newer = market.make_listing()
    assert market.client("stranger").listing(newer).fee_bps == 500
    newer_stock = market.make_stock(newer, 1)
    newer_order, _ = market.make_order(newer)
    market.deliver(newer_order, newer_stock)
    result = market.client("buyer").confirm(newer_order)
    assert result.event("OrderCompleted").args["fee"] == PRICE * 5 // 100


def test_a_zero_fee_pays_the_merchant_the_whole_price(market):
    market.client("deployer").set_fee(0)
    _completed_order(market)
    assert market.credit("merchant") == PRICE + BOND
    assert market.credit("treasury") == 0


def test_fees_go_to_the_treasury_in_force_at_settlement(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    new_treasury = fresh_account().address
    result = market.client("deployer").set_treasury(new_treasury)
    assert result.event("TreasuryChanged").args == {"treasury": new_treasury}
    market.client("buyer").confirm(order_id)
    assert market.client("stranger").credit_of(ETH, new_treasury) == fee_of(PRICE)
    assert market.credit("treasury") == 0


def test_pausing_sets_the_flag_and_emits_the_event(market):
    result = market.client("deployer").set_paused(True)
    assert result.event("PausedSet").args == {"paused": True}
    assert market.client("stranger").config().paused is True


# ------------------------------------------------------------------ what the pause blocks


def test_pause_blocks_creating_a_listing(market):
    _pause(market)
    with reverts("EscrowPaused"):
        market.make_listing()


def test_pause_blocks_committing_stock(market):
    listing = market.make_listing()
    _pause(market)
    with reverts("EscrowPaused"):
        market.client("merchant").commit_stock(listing, os.urandom(32), 3)


def test_pause_blocks_paying(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    _pause(market)
    key = market.new_order_key()
    with reverts("EscrowPaused"):
        market.client("buyer").pay(listing, key.x, key.y)


def test_unpausing_lets_payments_in_again(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    _pause(market)
    market.client("deployer").set_paused(False)
    order_id, _ = market.make_order(listing)
    assert market.client("stranger").order(order_id).status == OrderStatus.PAID


# ------------------------------------------------------------------ what the pause never blocks


def test_pause_does_not_block_delivery(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    _pause(market)
    market.deliver(order_id, stock)
    assert market.client("stranger").order(order_id).status == OrderStatus.DELIVERED


def test_pause_does_not_block_confirmation(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    _pause(market)
    market.client("buyer").confirm(order_id)
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND


def test_pause_does_not_block_settlement(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    _pause(market)
    market.clock.advance_past(market.client("stranger").order(order_id).deadline)
    market.client("stranger").settle(order_id)
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND


def test_pause_does_not_block_the_late_delivery_refund(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    _pause(market)
    market.clock.advance_past(market.client("stranger").order(order_id).deadline)
    result = market.client("stranger").refund_undelivered(order_id)
    assert result.event("OrderRefunded").args["cause"] == RefundCause.NOT_DELIVERED
    assert market.credit("buyer") == PRICE + BOND


def test_pause_does_not_block_a_merchant_refund(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    _pause(market)
    market.client("merchant").refund(order_id)
    assert market.credit("buyer") == PRICE


def test_pause_does_not_block_revoking_stock(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    _pause(market)
    market.client("merchant").revoke_batch(stock.root)
    assert market.credit("merchant") == 2 * BOND


def test_pause_does_not_block_withdrawals(market):
    _completed_order(market)
    _pause(market)
    before = market.eth_balance("merchant")
    result = market.client("merchant").withdraw(ETH)
    assert (
        market.eth_balance("merchant") - before + gas_cost(result) == PRICE - fee_of(PRICE) + BOND
    )


def test_pause_does_not_block_withdrawing_to_another_address(market):
    _completed_order(market)
    _pause(market)
    target = fresh_account().address
    market.client("treasury").withdraw_to(ETH, target)
    assert market.w3.eth.get_balance(target) == fee_of(PRICE)


def test_a_withdrawal_to_an_address_that_refuses_eth_reverts_and_keeps_the_credit(market):
    _completed_order(market)
    credit = market.credit("merchant")
    refuser = market.token_address  # an ERC-20 contract: no receive(), it rejects plain ETH
    with reverts("EscrowTransferFailed", to=refuser, amount=credit):
        market.client("merchant").withdraw_to(ETH, refuser)
    assert market.credit("merchant") == credit
