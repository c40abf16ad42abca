"""Baskets from the command line: `buy --quantity N` is one payment for N unit orders with N
fresh order keys (reserved before paying); `order show --basket` and `confirm --basket` work on
every order of the basket any of its orders belongs to; `order list` groups a basket."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import DisputeReason, Order, OrderStatus, order_ref, parse_order_ref
from fairkey.cli.order_list import grouped, newest
from fairkey.flows.baskets import basket_of
from fairkey.flows.buyer import Held, max_basket, plan_confirm
from tests.indexer.conftest import sqlite_url  # noqa: F401 - fixture
from tests.support.market import PRICE

ID = r"(0x[0-9a-fA-F]{40})"


def _bought(out: str) -> tuple[str, list[str]]:
    """The basket id and the order ids `buy --quantity N` printed."""
    basket = re.search(rf"basket {ID} paid", out)
    assert basket, out
    orders = re.findall(rf"^\s+\d+\s+{ID}\s*$", out, re.M)
    return basket.group(1), orders


def _buy(cli, listing: int, quantity: int, role: str = "buyer") -> tuple[str, list[str]]:
    return _bought(cli(role, "buy", str(listing), "--quantity", str(quantity)).output)


def _line(out: str, text: str) -> str:
    """The output line holding `text`, cells separated by single spaces."""
    lines = (" ".join(ln.replace("│", " ").split()) for ln in out.splitlines())
    line = next((ln for ln in lines if text in ln), None)
    assert line is not None, f"{text} not in:\n{out}"
    return line


def _orders_json(cli, market) -> dict:
    path = cli.home / "accounts" / market.address("buyer") / "orders.json"
    return json.loads(path.read_text())


@pytest.fixture
def shop(market):
    """A listing with 5 committed keys whose plain keys the test knows (to deliver them)."""
    listing = market.make_listing()
    return listing, market.make_stock(listing, 5)


def test_buy_quantity_pays_once_for_one_order_per_fresh_key(cli, market, shop):
    listing, _ = shop
    nonce = market.w3.eth.get_transaction_count(market.address("buyer"))
    out = cli("buyer", "buy", str(listing), "--quantity", "5").output
    assert "5 keys × 0.01 ETH = 0.05 ETH" in out
    assert out.index("0.05 ETH") < out.index("paid")  # the total is shown before paying
    basket, orders = _bought(out)
    assert len(orders) == 5 and orders[0] == basket and len(set(orders)) == 5
    assert re.search(r"total\s+0\.05 ETH", out) and re.search(r"order key indexes\s+0–4", out)
    assert f"fairkey confirm {basket} --basket" in out
    # One transaction (ETH needs no approval), five unit orders of the buyer.
    assert market.w3.eth.get_transaction_count(market.address("buyer")) == nonce + 1
    reader = market.client("stranger")
    for order in orders:
        on_chain = reader.order(parse_order_ref(order))
        assert on_chain.status is OrderStatus.PAID and on_chain.buyer == market.address("buyer")
    assert reader.listing(listing).stock_available == 0
    # Any order of the basket finds it; the basket's orders are in the order paid.
    found = basket_of(reader, parse_order_ref(orders[3]))
    assert found is not None and found.basket_id == parse_order_ref(basket)
    assert [order_ref(o) for o in found.order_ids] == orders and found.total == 5 * PRICE


def test_a_single_buy_is_no_basket_and_takes_the_next_free_key(cli, market, shop):
    listing, _ = shop
    _, orders = _buy(cli, listing, 2)
    single = cli.buy(listing)
    assert basket_of(market.client("stranger"), parse_order_ref(single)) is None
    book = _orders_json(cli, market)
    assert [o["index"] for o in book["orders"]] == [0, 1, 2]
    assert [o["order"] for o in book["orders"]] == [*orders, single]


@pytest.mark.parametrize("quantity", ["0", "-1", "101"])
def test_a_quantity_outside_one_to_max_basket_is_refused_before_paying(cli, market, shop, quantity):
    listing, _ = shop
    assert max_basket(market.client("stranger")) == 100
    nonce = market.w3.eth.get_transaction_count(market.address("buyer"))
    out = " ".join(cli("buyer", "buy", str(listing), "--quantity", quantity, code=1).output.split())
    assert f"--quantity {quantity} is out of range: one payment buys 1 to 100 keys" in out
    assert market.w3.eth.get_transaction_count(market.address("buyer")) == nonce


def test_more_keys_than_the_stock_says_how_many_are_left(cli, market, shop):
    listing, _ = shop
    _buy(cli, listing, 2)
    out = " ".join(cli("buyer", "buy", str(listing), "--quantity", "4", code=1).output.split())
    assert f"listing {listing} has only 3 left, not the 4 asked for" in out
    assert "buy at most 3 (--quantity 3); nothing was paid" in out
    _buy(cli, listing, 3)
    out = " ".join(cli("buyer", "buy", str(listing), "--quantity", "2", code=1).output.split())
    assert "has no committed stock left" in out


def test_a_price_raised_while_paying_pays_nothing_and_burns_the_keys(
    cli, market, shop, monkeypatch
):
    listing, _ = shop
    pay_basket = EscrowClient.pay_basket

    def raised_first(self, *args, **kwargs):  # the merchant's raise lands first
        market.client("merchant").set_price(listing, 2 * PRICE)
        return pay_basket(self, *args, **kwargs)

    monkeypatch.setattr(EscrowClient, "pay_basket", raised_first)
    out = " ".join(cli("buyer", "buy", str(listing), "--quantity", "3", code=1).output.split())
    assert "now costs" in out and "more than the" in out and "nothing was paid" in out
    assert "(revert: EscrowPriceAboveLimit(" in out
    assert market.client("stranger").listing(listing).stock_available == 5
    monkeypatch.undo()
    # The three keys of the failed payment are never used again.
    out = cli("buyer", "buy", str(listing), "--quantity", "2").output
    assert "2 keys × 0.02 ETH = 0.04 ETH" in out
    assert re.search(r"order key indexes\s+3–4", out)


def test_order_show_basket_shows_every_order_and_the_total(cli, market, shop):
    listing, stock = shop
    basket, orders = _buy(cli, listing, 3)
    market.deliver(parse_order_ref(orders[0]), stock, stock.units[0])
    market.deliver(parse_order_ref(orders[1]), stock, stock.units[1])
    out = cli("buyer", "order", "show", orders[2], "--basket").output
    assert f"basket {basket}" in out
    assert "3 · 2 delivered, 1 paid" in _line(out, "keys")
    assert "0.03 ETH (3 × 0.01 ETH)" in _line(out, "total")
    first = _line(out, f"{orders[0]} DELIVERED")
    assert "confirm by" in first and "confirm or dispute" in first
    assert stock.units[0].key.decode() in first and "✓" in first
    third = _line(out, f"{orders[2]} PAID")
    assert "deliver by" in third and "wait for delivery" in third and third.endswith("—")
    assert f"fairkey confirm {basket} --basket confirms the 2 delivered" in out
    # Anyone may look, but sees no key; without --basket the command is what it was.
    other = cli("stranger", "order", "show", orders[0], "--basket").output
    assert "your key" not in other and stock.units[0].key.decode() not in other
    one = cli("buyer", "order", "show", orders[0]).output
    assert f"order {orders[0]}" in one and f"basket {basket}" not in one
    # An order paid alone: said, and shown alone.
    single = cli.buy(listing)
    alone = cli("buyer", "order", "show", single, "--basket").output
    assert "was paid on its own, not in a basket: showing it alone" in alone
    assert f"order {single}" in alone


def test_confirm_basket_confirms_the_delivered_in_one_tx_and_reports_the_rest(
    cli, market, shop, monkeypatch
):
    listing, stock = shop
    basket, orders = _buy(cli, listing, 5)
    ids = [parse_order_ref(o) for o in orders]
    for oid, unit in zip(ids[:4], stock.units, strict=False):
        market.deliver(oid, stock, unit)
    buyer = market.client("buyer")
    buyer.confirm(ids[2])  # already final
    buyer.dispute(ids[3], DisputeReason.OTHER)  # the buyer's own dispute stands
    confirm_many = EscrowClient.confirm_many

    def refunded_first(self, order_ids):  # the merchant refunds one just before
        market.client("merchant").refund(ids[1])
        return confirm_many(self, order_ids)

    monkeypatch.setattr(EscrowClient, "confirm_many", refunded_first)
    nonce = market.w3.eth.get_transaction_count(market.address("buyer"))
    out = cli("buyer", "confirm", orders[4], "--basket").output
    assert market.w3.eth.get_transaction_count(market.address("buyer")) == nonce + 1
    assert f"basket {basket}: confirm" in out
    assert "confirmed: the merchant receives 0.0099 ETH" in _line(out, f"{orders[0]} COMPLETED")
    assert "REFUNDED refused: order" in _line(out, orders[1])
    assert "EscrowUnexpectedStatus" in _line(out, orders[1])
    assert "skipped: already COMPLETED" in _line(out, orders[2])
    disputed = _line(out, orders[3])
    assert "DISPUTED skipped: your dispute stands" in disputed
    assert f"(to withdraw it and pay: fairkey confirm {orders[3]})" in disputed
    assert "PAID skipped: not delivered yet" in _line(out, orders[4])
    assert "1 of 5 orders confirmed in one transaction" in out
    statuses = [market.client("stranger").order(oid).status for oid in ids]
    assert statuses == [OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.COMPLETED,
                        OrderStatus.DISPUTED, OrderStatus.PAID]  # fmt: skip
    monkeypatch.undo()
    # Again: nothing left to confirm is no error; only the buyer may confirm.
    again = cli("buyer", "confirm", orders[0], "--basket").output
    assert "nothing to confirm now" in again
    assert "was paid by" in cli("stranger", "confirm", orders[0], "--basket", code=1).output


def _order(status: OrderStatus) -> Order:
    return Order("0x" + "11" * 20, 1, status, 0, 1, DisputeReason.NONE, 1)


def test_a_confirm_sweep_never_withdraws_a_dispute_or_pays_for_a_bad_key():
    orders = {n: _order(s) for n, s in enumerate(OrderStatus) if s is not OrderStatus.NONE}
    orders[99] = _order(OrderStatus.DELIVERED)
    asked: list[int] = []

    def key_ok(order_id: int) -> bool:
        asked.append(order_id)
        return order_id != 99

    plan = plan_confirm(orders, key_ok)
    assert plan.confirm == (int(OrderStatus.DELIVERED),)
    assert asked == [int(OrderStatus.DELIVERED), 99]  # keys are opened only where it matters
    assert plan.held == {
        int(OrderStatus.PAID): Held.NOT_DELIVERED,
        int(OrderStatus.DISPUTED): Held.DISPUTED,
        int(OrderStatus.VERIFIER_REFUND_PENDING): Held.DISPUTED,
        int(OrderStatus.ARBITRATING): Held.WITH_COURT,
        int(OrderStatus.COMPLETED): Held.FINAL,
        int(OrderStatus.REFUNDED): Held.FINAL,
        int(OrderStatus.SPLIT): Held.FINAL,
        99: Held.KEY_BAD,
    }


def _row(order: int, block: int, basket: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        order_id=f"0x{order:040x}",
        paid_block=block,
        basket_id=None if basket is None else f"0x{basket:040x}",
    )


def test_the_list_limit_never_cuts_a_basket_in_two():
    rows = [_row(9, 5), _row(1, 4, 1), _row(2, 4, 1), _row(3, 4, 1), _row(7, 3), _row(8, 2)]
    shown, more = newest(rows, 2)
    assert [r.order_id for r in shown] == [rows[i].order_id for i in range(4)] and more
    assert newest(rows, 6) == (rows, False)
    entries = grouped(shown)
    assert [(b, len(m)) for b, m in entries] == [(None, 1), (f"0x{1:040x}", 3)]


def test_order_list_groups_a_basket_under_one_line(cli, market, shop, sqlite_url):  # noqa: F811
    listing, stock = shop
    first = cli.buy(listing)
    basket, orders = _buy(cli, listing, 3)
    market.deliver(parse_order_ref(orders[1]), stock, stock.units[0])
    last = cli.buy(listing)
    cli(None, "index", "backfill", "--no-progress", "--db", sqlite_url)
    out = cli("buyer", "order", "list", "--db", sqlite_url).output
    group = _line(out, f"basket {basket}")
    assert f" {listing} 0.03 ETH 3 keys · 1 delivered, 2 paid" in group
    for order in orders:
        assert _line(out, f"└ {order}").startswith(f"└ {order} {listing} 0.01 ETH")
    assert _line(out, first).startswith(first) and _line(out, last).startswith(last)
    assert out.index(last) < out.index(basket) < out.index(first)
    # --limit 2 reaches into the basket: it is shown whole, the older order is not.
    page = cli("buyer", "order", "list", "--db", sqlite_url, "--limit", "2").output
    assert all(o in page for o in orders) and last in page and first not in page
    assert "(the newest 4 shown: --limit N shows more)" in page
