"""The read side of the index: every query the CLI (and, next, the API) runs on the derived
tables, so that callers format rows and never write SQL themselves.

Each function takes an open SQLAlchemy `Connection` on an index database (SQLite or PostgreSQL)
and returns plain rows (attribute access by column name, as in projections/models.py): addresses
are 0x + 40 lowercase hex, statuses the Solidity enum names, times unix seconds of the block.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Row

from fairkey.chain.types import order_id_hex
from indexer.projections import models as m
from indexer.projections.names import ORDER_STATUS, TERMINAL
from indexer.store import Cursor, any_cursor

BUYER, MERCHANT = "buyer", "merchant"
OPEN_STATUSES = tuple(s for s in ORDER_STATUS[1:] if s not in TERMINAL)


def is_indexed(conn: Connection) -> bool:
    """Whether the derived tables exist (an indexer ran on this database at least once)."""
    return sa.inspect(conn).has_table(m.ProjectionState.__tablename__)


def _top(conn: Connection, model: Any, order_by: list[Any], limit: int | None) -> list[Row]:
    query = sa.select(model.__table__).order_by(*order_by)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


# ---------------------------------------------------------------------------- reputation tables


def merchants(conn: Connection, limit: int | None = None) -> list[Row]:
    """Best score first (an unscored merchant, no settled order yet, has score_bps 0)."""
    t = m.MerchantRow.__table__.c
    return _top(conn, m.MerchantRow, [t.score_bps.desc(), t.merchant], limit)


def listings(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.ListingRow.__table__.c
    return _top(conn, m.ListingRow, [t.listing_id], limit)


def alerts(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.ListingAlert.__table__.c
    return _top(conn, m.ListingAlert, [t.since_day.desc(), t.listing_id], limit)


def suppliers(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.SupplierRow.__table__.c
    return _top(conn, m.SupplierRow, [t.bad_keys.desc(), t.merchant, t.supplier], limit)


def buyers(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.BuyerRow.__table__.c
    return _top(conn, m.BuyerRow, [t.disputes_lost.desc(), t.buyer], limit)


def arbitrators(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.ArbitratorRow.__table__.c
    return _top(conn, m.ArbitratorRow, [t.cases.desc(), t.arbitrator], limit)


def platform_stats(conn: Connection) -> dict[str, int | None]:
    """The platform figures by name (projections/platform.py)."""
    t = m.PlatformStat.__table__.c
    return {name: value for name, value in conn.execute(sa.select(t.name, t.value))}


def projection_state(conn: Connection) -> dict[str, int]:
    """What the figures refer to: `head_block`, `head_time`, `window_day` (empty: not yet)."""
    t = m.ProjectionState.__table__.c
    return {name: value for name, value in conn.execute(sa.select(t.name, t.value))}


# ---------------------------------------------------------------------------- orders


def order(conn: Connection, order_id: int) -> Row | None:
    """One order's row, or None when the index has not seen it paid."""
    t = m.OrderRow.__table__
    return conn.execute(sa.select(t).where(t.c.order_id == order_id_hex(order_id))).first()


def order_timeline(conn: Connection, order_id: int) -> list[Row]:
    """Every event of the order, in chain order, with the status right after it."""
    t = m.OrderEvent.__table__
    query = (
        sa.select(t)
        .where(t.c.order_id == order_id_hex(order_id))
        .order_by(t.c.block_number, t.c.log_index)
    )
    return list(conn.execute(query))


def roles_of(conn: Connection, address: str) -> set[str]:
    """{"buyer", "merchant"} or a part of it: the sides `address` has orders on."""
    t = m.OrderRow.__table__.c
    address = address.lower()
    roles = set()
    for role, column in ((BUYER, t.buyer), (MERCHANT, t.merchant)):
        if conn.execute(sa.select(t.order_id).where(column == address).limit(1)).first():
            roles.add(role)
    return roles


def orders_of(
    conn: Connection,
    address: str,
    roles: Collection[str] = (BUYER, MERCHANT),
    statuses: Collection[str] | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Orders `address` bought (role buyer) or sold (role merchant), newest first, optionally
    only those in `statuses` (Solidity names, e.g. "Paid", "Delivered"). Each row's `basket_id`
    names the basket it was paid in (None: a single order); a basket's orders are adjacent."""
    t = m.OrderRow.__table__
    address = address.lower()
    sides = [{BUYER: t.c.buyer, MERCHANT: t.c.merchant}[role] == address for role in roles]
    if not sides:
        return []
    query = sa.select(t).where(sa.or_(*sides))
    if statuses is not None:
        query = query.where(t.c.status.in_(list(statuses)))
    # A basket's orders share a block: sorted by their basket's id, they sit together.
    group = sa.func.coalesce(t.c.basket_id, t.c.order_id)
    query = query.order_by(t.c.paid_block.desc(), group, t.c.order_id)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


def basket_orders(conn: Connection, basket_id: int) -> list[Row]:
    """The orders of one basket (its id is its first order's id), by order id; [] for an id
    that is not a basket the index has seen."""
    t = m.OrderRow.__table__
    query = sa.select(t).where(t.c.basket_id == order_id_hex(basket_id)).order_by(t.c.order_id)
    return list(conn.execute(query))


def refusals_of(conn: Connection, merchant: str) -> dict[str, int]:
    """How many times batch calls skipped the merchant's orders, by the custom error the single
    call would have reverted with (e.g. {"EscrowUnexpectedStatus": 2})."""
    t = m.BatchRefusal.__table__.c
    query = (
        sa.select(t.error, sa.func.count())
        .where(t.merchant == merchant.lower())
        .group_by(t.error)
        .order_by(t.error)
    )
    return {error: count for error, count in conn.execute(query)}


def saved_cursor(url: str, address: str) -> Cursor | None:
    """Where the index at `url` stands for the escrow at `address` (any chain), without a node:
    None when the database holds no index of it. Raises SQLAlchemyError if it is unreadable."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return any_cursor(conn, address.lower())
    finally:
        engine.dispose()
