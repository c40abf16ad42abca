"""The keeper proves a displaced delivery at once: a key two merchants were sold by one supplier
goes to the older batch, and the younger delivery's buyer is refunded with its bond (issue 8)."""

from __future__ import annotations

from fairkey.chain.types import OrderStatus, RefundCause
from fairkey.services.keeper import KeeperService
from tests.support.disputes import credited_since, credits
from tests.support.market import BOND, PRICE


def test_the_keeper_refunds_the_buyer_of_a_displaced_delivery_without_waiting(market):
    older = market.make_listing()
    younger = market.make_listing(merchant="merchant2")
    key = ["SOLD-TWICE-BY-THE-SUPPLIER-01"]
    older_stock = market.make_stock(older, keys=key)
    younger_stock = market.make_stock(younger, merchant="merchant2", keys=key)
    keeper = KeeperService(market.client("stranger"), from_block=0)
    displaced_order, _ = market.make_order(younger, buyer="buyer2")
    market.deliver(displaced_order, younger_stock, merchant="merchant2")
    holder, _ = market.make_order(older)
    market.deliver(holder, older_stock)
    before = credits(market)

    actions = keeper.step()  # no clock moved: the proof needs no deadline

    assert [(a.order_id, a.rule, a.outcome) for a in actions] == [
        (displaced_order, "prove_duplicate", "done")
    ]
    refund = market.client("stranger").events("OrderRefunded", orderId=displaced_order)
    assert refund[0].args["cause"] == RefundCause.DUPLICATE
    assert credited_since(market, before) == {"buyer2": PRICE + BOND}
    assert market.client("stranger").order(holder).status == OrderStatus.DELIVERED
    assert keeper.step() == []  # proven once


def test_a_second_keeper_that_lost_the_race_reports_it_as_handled(market):
    older = market.make_listing()
    younger = market.make_listing(merchant="merchant2")
    key = ["SOLD-TWICE-BY-THE-SUPPLIER-02"]
    older_stock = market.make_stock(older, keys=key)
    younger_stock = market.make_stock(younger, merchant="merchant2", keys=key)
    first = KeeperService(market.client("stranger"), from_block=0)
    second = KeeperService(market.client("treasury"), from_block=0)
    displaced_order, _ = market.make_order(younger, buyer="buyer2")
    market.deliver(displaced_order, younger_stock, merchant="merchant2")
    holder, _ = market.make_order(older)
    market.deliver(holder, older_stock)
    second.sync()
    first.step()

    [action] = second.act()

    assert (action.rule, action.outcome) == ("prove_duplicate", "already handled")
    assert market.client("stranger").order(displaced_order).status == OrderStatus.REFUNDED
