"""`fairkey order list`: a buyer's and a merchant's orders from the index (SQLite and
PostgreSQL), with status, deadline and what comes next; and an unscored merchant shows "—"."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from eth_utils import to_checksum_address

from fairkey.chain.types import order_ref
from tests.indexer.conftest import db_url, pg_url, sqlite_url  # noqa: F401 - fixtures

HOUR = 3600


@dataclass
class Shop:
    paid: str  # buyer's, listing 1, not delivered
    delivered: str  # buyer's, listing 1
    completed: str  # buyer2's, listing 1
    other_shop: str  # buyer's, listing 2 (merchant2)
    merchant2_bought: str  # merchant2 buys at listing 1
    db: str


@pytest.fixture
def shop(cli, market, db_url) -> Shop:  # noqa: F811 - the imported fixture
    first = market.make_listing()
    stock = market.make_stock(first, 5)
    paid, _ = market.make_order(first)
    delivered, _ = market.make_order(first)
    market.deliver(delivered, stock)
    completed, _ = market.make_order(first, "buyer2")
    market.deliver(completed, stock)
    market.client("buyer2").confirm(completed)
    second = market.make_listing("merchant2")
    market.make_stock(second, 2, merchant="merchant2")
    other, _ = market.make_order(second)
    bought, _ = market.make_order(first, "merchant2")
    cli(None, "index", "backfill", "--no-progress", "--db", db_url)
    return Shop(*(order_ref(o) for o in (paid, delivered, completed, other, bought)), db=db_url)


def _list(cli, shop: Shop, role: str | None, *args: str, code: int = 0) -> str:
    out = cli(role, "order", "list", "--db", shop.db, *args, code=code).output
    return out


def _row(out: str, order: str) -> str:
    """The table line of `order`, its cells separated by single spaces."""
    line = next((ln for ln in out.splitlines() if order in ln), None)
    assert line is not None, f"{order} not listed:\n{out}"
    return " ".join(line.replace("│", " ").split())


def test_a_buyer_sees_their_orders_with_status_deadline_and_next_step(cli, market, shop):
    me = market.address("buyer")
    out = _list(cli, shop, "buyer")
    assert f"orders of {me} as buyer" in out and "as merchant" not in out
    assert shop.completed not in out and shop.merchant2_bought not in out
    paid = _row(out, shop.paid)
    # (The chain's clock runs on while the test does: a minute may pass.)
    deliver_by = r" 1 0\.01 ETH PAID deliver by 20\d\d-\d\d-\d\d \d\d:\d\d UTC \(in (1 h|59 min)\)"
    assert re.search(deliver_by, paid), paid
    assert "wait for delivery" in paid and to_checksum_address(market.address("merchant")) in paid
    delivered = _row(out, shop.delivered)
    assert re.search(r"DELIVERED confirm by .* UTC \(in (24 h|23 h 59 min)\)", delivered)
    assert "order show, then confirm or dispute" in delivered
    assert "PAID" in _row(out, shop.other_shop)
    # Newest first.
    assert out.index(shop.other_shop) < out.index(shop.delivered) < out.index(shop.paid)

    only = _list(cli, shop, "buyer", "--status", "delivered")
    assert shop.delivered in only and shop.paid not in only and shop.other_shop not in only
    both = _list(cli, shop, "buyer", "--status", "paid", "--status", "delivered")
    assert all(o in both for o in (shop.paid, shop.delivered, shop.other_shop))
    assert "no orders of" in _list(cli, shop, "buyer", "--status", "refunded")

    # The deadlines are the chain's: two hours on, the delivery deadline has passed.
    market.clock.advance(2 * HOUR)
    late = _row(_list(cli, shop, "buyer"), shop.paid)
    assert re.search(r"PAID deliver by .* UTC \(passed\) anyone: refund-late", late)


def test_a_merchant_sees_what_they_sold(cli, market, shop):
    out = _list(cli, shop, "merchant")
    assert f"orders of {market.address('merchant')} as merchant" in out and "as buyer" not in out
    for order in (shop.paid, shop.delivered, shop.completed, shop.merchant2_bought):
        assert order in out
    assert shop.other_shop not in out
    assert "PAID" in _row(out, shop.paid) and " deliver " in _row(out, shop.paid) + " "
    assert "COMPLETED — —" in _row(out, shop.completed)
    assert "wait for the buyer" in _row(out, shop.delivered)
    opened = _list(cli, shop, "merchant", "--status", "open")
    assert shop.completed not in opened and shop.paid in opened
    assert shop.completed in _list(cli, shop, "merchant", "--status", "completed")


def test_an_account_on_both_sides_sees_both_unless_it_chooses(cli, market, shop):
    me = market.address("merchant2")
    out = _list(cli, shop, "merchant2")
    assert f"orders of {me} as buyer" in out and f"orders of {me} as merchant" in out
    assert out.index(shop.merchant2_bought) < out.index("as merchant")
    assert shop.other_shop in out[out.index("as merchant") :]
    as_buyer = _list(cli, shop, "merchant2", "--as", "buyer")
    assert shop.merchant2_bought in as_buyer and shop.other_shop not in as_buyer
    as_merchant = _list(cli, shop, "merchant2", "--as", "merchant")
    assert shop.other_shop in as_merchant and shop.merchant2_bought not in as_merchant


def test_nothing_to_list_and_no_account(cli, market, shop):
    out = _list(cli, shop, "stranger")
    assert f"no orders of {market.address('stranger')} in the index at block" in out
    assert "no account to sign with" in _list(cli, shop, None, code=1)
    assert "--as" in _list(cli, shop, "buyer", "--as", "seller", code=2)


def test_an_unscored_merchant_shows_a_dash_not_zero(cli, market, shop):
    out = cli(None, "index", "show", "merchants", "--db", shop.db).output
    scored = _row(out, market.address("merchant").lower())
    unscored = _row(out, market.address("merchant2").lower())
    assert re.search(r"0x[0-9a-f]{40} \d+\.\d% 1 ", scored)  # one settled order: a score
    assert re.search(r"0x[0-9a-f]{40} — 0 — — ", unscored), unscored
    assert "0.0%" not in unscored
