"""Refreshes the order tables (`orders`, `order_events`, `order_deliveries`,
`arbitration_cases`) of some orders from their events, in bulk: one query for all their events,
a fold per order in Python (order_fold.py), one delete and one insert per table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from indexer.projections.listing_terms import TermsBook
from indexer.projections.models import ArbitrationCase, OrderDelivery, OrderEvent, OrderRow
from indexer.projections.names import RULING_EVENT
from indexer.projections.order_fold import TERMINAL_EVENTS, FoldedOrder, fold_order
from indexer.projections.raw import Log, logs_of, logs_where, raw_logs
from indexer.projections.sql import delete_keys, insert_rows, select_where_in
from indexer.projections.stock import suppliers_of

orders = OrderRow.__table__
order_events = OrderEvent.__table__
order_deliveries = OrderDelivery.__table__
cases = ArbitrationCase.__table__


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

    folded: list[FoldedOrder] = []
    for order_id in sorted(by_order):
        result = fold_order(order_id, by_order[order_id], terms.get, supplier_of, rulings)
        if result is not None:
            folded.append(result)

    for table in (orders, order_events, order_deliveries, cases):
        delete_keys(conn, table, [table.c.order_id], order_ids)
    insert_rows(conn, orders, (f.order for f in folded))
    insert_rows(conn, order_events, (e for f in folded for e in f.events))
    insert_rows(conn, order_deliveries, (d for f in folded for d in f.deliveries))
    insert_rows(conn, cases, (f.case for f in folded if f.case is not None))

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
