"""Refreshes the order tables (`orders`, `order_events`, `order_deliveries`,
`arbitration_cases`, `batch_refusals`) of some orders from their events, in bulk: one query for
all their events, a fold per order in Python (order_fold.py), one delete and one insert per table.

A basket's BasketPaid names its orders in its args (no `order_id` column): it is found in the
blocks and listings of the refreshed orders' OrderPaid, and must be the same transaction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from fairkey.chain.types import order_id_hex
from indexer.projections.listing_terms import TermsBook
from indexer.projections.models import (
    ArbitrationCase,
    BatchRefusal,
    OrderDelivery,
    OrderEvent,
    OrderRow,
)
from indexer.projections.names import BASKET_EVENT, RULING_EVENT
from indexer.projections.order_fold import TERMINAL_EVENTS, FoldedOrder, fold_order
from indexer.projections.raw import Log, chunks, logs_of, logs_where, raw_logs
from indexer.projections.refusals import refusal_rows
from indexer.projections.sql import delete_keys, insert_rows, select_where_in
from indexer.projections.stock import suppliers_of

orders = OrderRow.__table__
order_events = OrderEvent.__table__
order_deliveries = OrderDelivery.__table__
cases = ArbitrationCase.__table__
refusals = BatchRefusal.__table__


@dataclass
class Affected:
    """Aggregate keys whose rows depend on the refreshed orders (before and after)."""

    listings: set[int] = field(default_factory=set)
    merchants: set[str] = field(default_factory=set)
    buyers: set[str] = field(default_factory=set)
    suppliers: set[tuple[str, str]] = field(default_factory=set)
    arbitrators: set[str] = field(default_factory=set)

    def add_order(self, row: dict) -> None:
        self.listings.add(row["listing_id"])
        self.merchants.add(row["merchant"])
        self.buyers.add(row["buyer"])
        if row["arbitrator"] is not None:
            self.arbitrators.add(row["arbitrator"])


def orders_of_cases(conn: sa.Connection, case_keys: set[tuple[str, int]]) -> set[str]:
    """Order ids of court cases (a Ruling event names its case, not its order)."""
    columns = [cases.c.order_id]
    key_columns = [cases.c.arbitrator, cases.c.dispute_id]
    return {r.order_id for r in select_where_in(conn, columns, key_columns, case_keys)}


def refresh_orders(conn: sa.Connection, order_ids: set[str] | None, terms: TermsBook) -> Affected:
    """Recomputes the rows of `order_ids` (None: every order, into empty tables)."""
    affected = Affected()
    if order_ids is not None:
        if not order_ids:
            return affected
        _collect_previous(conn, order_ids, affected)

    by_order: dict[str, list[Log]] = defaultdict(list)
    for log in logs_of(conn, raw_logs.c.order_id, order_ids):
        by_order[log.order_id].append(log)
    paid_listings = {
        int(log.args["listingId"])
        for logs in by_order.values()
        for log in logs
        if log.name == "OrderPaid"
    }
    terms.load(paid_listings)
    roots = {
        log.args["root"] for logs in by_order.values() for log in logs if log.name == "KeyDelivered"
    }
    supplier_of = suppliers_of(conn, roots)
    rulings = _rulings(conn, by_order, everything=order_ids is None)
    basket_of = _baskets(conn, by_order, everything=order_ids is None)

    folded: list[FoldedOrder] = []
    refused: list[dict] = []
    for order_id in sorted(by_order):
        logs = by_order[order_id]
        result = fold_order(
            order_id, logs, terms.get, supplier_of, rulings, basket_of.get(order_id)
        )
        if result is not None:
            folded.append(result)
        refused += refusal_rows(order_id, logs, result.order["merchant"] if result else None)

    for table in (orders, order_events, order_deliveries, cases, refusals):
        delete_keys(conn, table, [table.c.order_id], order_ids)
    insert_rows(conn, orders, (f.order for f in folded))
    insert_rows(conn, order_events, (e for f in folded for e in f.events))
    insert_rows(conn, order_deliveries, (d for f in folded for d in f.deliveries))
    insert_rows(conn, cases, (f.case for f in folded if f.case is not None))
    insert_rows(conn, refusals, refused)

    for f in folded:
        affected.add_order(f.order)
        affected.suppliers.update(
            (d["merchant"], d["supplier"]) for d in f.deliveries if d["supplier"] is not None
        )
    return affected


def _collect_previous(conn: sa.Connection, order_ids: set[str], affected: Affected) -> None:
    columns = [orders.c.listing_id, orders.c.merchant, orders.c.buyer, orders.c.arbitrator]
    for row in select_where_in(conn, columns, [orders.c.order_id], order_ids):
        affected.add_order(row._mapping)
    columns = [order_deliveries.c.merchant, order_deliveries.c.supplier]
    for row in select_where_in(conn, columns, [order_deliveries.c.order_id], order_ids):
        if row.supplier is not None:
            affected.suppliers.add((row.merchant, row.supplier))


def _rulings(
    conn: sa.Connection, by_order: dict[str, list[Log]], everything: bool
) -> dict[tuple[str, int], Log]:
    """Ruling events of the folded orders' court cases, by (arbitrator, disputeId). A ruling is
    executed in the transaction that settles the order, so only settlement blocks of orders that
    went to court are searched."""
    if everything:
        found = logs_where(conn, raw_logs.c.name == RULING_EVENT)
    else:
        blocks = {
            log.block_number
            for logs in by_order.values()
            if any(log.name == "ArbitrationRequested" for log in logs)
            for log in logs
            if log.name in TERMINAL_EVENTS
        }
        if not blocks:
            return {}
        found = logs_of(conn, raw_logs.c.block_number, blocks, raw_logs.c.name == RULING_EVENT)
    return {(log.args["arbitrator"], int(log.args["disputeId"])): log for log in found}


def _baskets(
    conn: sa.Connection, by_order: dict[str, list[Log]], everything: bool
) -> dict[str, str]:
    """Basket id of each folded order paid in a basket. BasketPaid follows its N OrderPaid in
    the same transaction, so only the blocks (and listings) of their OrderPaid are searched."""
    paid = {
        order_id: log
        for order_id, logs in by_order.items()
        for log in logs
        if log.name == "OrderPaid"
    }
    if everything:
        found = logs_where(conn, raw_logs.c.name == BASKET_EVENT)
    else:
        found = []
        spots = {
            (log.listing_id, log.block_number)
            for log in paid.values()
            if log.listing_id is not None
        }
        key = sa.tuple_(raw_logs.c.listing_id, raw_logs.c.block_number)
        for part in chunks(spots):
            found += logs_where(conn, raw_logs.c.name == BASKET_EVENT, key.in_(part))
    basket_of: dict[str, str] = {}
    for basket in found:
        basket_id = order_id_hex(int(basket.args["basketId"]))
        for member in basket.args["orderIds"]:
            order_id = order_id_hex(int(member))
            if order_id in paid and paid[order_id].tx_hash == basket.tx_hash:
                basket_of[order_id] = basket_id
    return basket_of
