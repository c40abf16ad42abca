"""`fairkey index show …` / `fairkey index order …`: the reputation tables as people read them,
from a real index of a real chain."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fairkey.chain.types import DisputeReason, order_ref
from fairkey.cli.main import app
from tests.indexer.support_chain import private_chain


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """A chain with a completed order, a misdelivered-then-refunded one and an open dispute,
    indexed into the data folder's default SQLite database by the CLI."""
    home = tmp_path_factory.mktemp("home")
    with private_chain() as chain:
        m = chain.market
        listing = m.make_listing()
        stock = m.make_stock(listing, 4, supplier="acme-cards")
        good, _ = m.make_order(listing)
        m.deliver(good, stock)
        m.client("buyer").confirm(good)
        disputed, _ = m.make_order(listing)
        m.deliver(disputed, stock)
        m.client("buyer").dispute(disputed, DisputeReason.NOT_AS_DESCRIBED)
        chain.deployment.save(home / "deployment.json")
        chain.home = home
        _fairkey(chain, "index", "backfill", "--no-progress")
        chain.good, chain.disputed, chain.listing = good, disputed, listing
        yield chain


def _fairkey(chain, *args: str, code: int = 0) -> str:
    env = {"FAIRKEY_INDEX_DB_URL": None, "FAIRKEY_HOME": None, "COLUMNS": "250"}
    result = CliRunner().invoke(
        app, ["--home", str(chain.home), "--rpc", chain.url, *args], env=env
    )
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_an_orders_timeline_is_what_the_chain_recorded(indexed):
    out = _fairkey(indexed, "index", "order", order_ref(indexed.good))
    assert "Completed" in out
    events = [e for e in ("OrderPaid", "KeyDelivered", "OrderCompleted") if e in out]
    assert events == ["OrderPaid", "KeyDelivered", "OrderCompleted"]
    assert out.index("OrderPaid") < out.index("KeyDelivered") < out.index("OrderCompleted")
    disputed = _fairkey(indexed, "index", "order", order_ref(indexed.disputed))
    assert "OrderDisputed" in disputed and "Disputed" in disputed


def test_the_tables_show_the_merchant_listing_supplier_and_platform(indexed):
    merchants = _fairkey(indexed, "index", "show", "merchants")
    assert indexed.market.address("merchant").lower() in merchants.lower()
    listings = _fairkey(indexed, "index", "show", "listings")
    assert f"\n│ {indexed.listing} " in listings or f"│ {indexed.listing}  " in listings
    assert "acme-cards" in _fairkey(indexed, "index", "show", "suppliers")
    platform = _fairkey(indexed, "index", "show", "platform")
    assert "2 (1 open, 1 completed, 0 refunded, 0 split)" in platform


def test_reading_mistakes_are_one_clear_line(indexed, tmp_path):
    unknown = "0x" + "ab" * 20
    assert "not in the index" in _fairkey(indexed, "index", "order", unknown, code=1)
    assert "not an order id" in _fairkey(indexed, "index", "order", "0x12zz", code=1)
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    out = _fairkey(indexed, "index", "show", "merchants", "--db", empty, code=1)
    assert "nothing indexed yet" in out
