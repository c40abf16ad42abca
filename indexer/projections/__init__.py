"""Derived reputation tables: pure functions of the canonical `raw_logs` and the indexed head.

The ingester calls, inside the transaction that stored a chunk of logs (or removed orphaned ones),
on every move of the indexed head (also when nothing was touched: the windows follow the head):

    refresh(conn, touched_by(new_rows + deleted_rows), head)

`rebuild(conn, head)` recomputes everything from scratch (`fairkey index reindex`). Both paths
run the same code (a key set, or None for "every key"), so live tables equal a rebuild at the same
head row for row. One escrow (one chain) per database: keys are not qualified by chain.

Refresh order, each step feeding the keys of the next:
listing terms -> stock batches -> orders (with timelines, deliveries, the escrow's court cases)
-> listings and alerts (all of them when the head entered a new UTC day) -> merchants, buyers,
suppliers -> the court's cases (rounds, votes, evidence, timelines) -> jurors -> arbitrators ->
platform figures -> projection_state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from fairkey.chain.types import order_id_hex
from indexer.projections.arbitrators import refresh_arbitrators
from indexer.projections.buyers import refresh_buyers
from indexer.projections.court_cases import refresh_court_cases
from indexer.projections.court_models import COURT_MODELS
from indexer.projections.jurors import refresh_jurors
from indexer.projections.listing_terms import TermsBook, fold_terms
from indexer.projections.listings import all_listing_ids, refresh_listings
from indexer.projections.merchants import refresh_merchants
from indexer.projections.models import DERIVED_MODELS, PlatformStat
from indexer.projections.names import (
    ARBITRATION_REQUESTED,
    BASKET_EVENT,
    COURT_CASE_EVENTS,
    LISTING_EVENTS,
    RULING_EVENT,
    STOCK_EVENTS,
)
from indexer.projections.orders import orders_of_cases, refresh_orders
from indexer.projections.platform import refresh_platform
from indexer.projections.raw import parse_args
from indexer.projections.stock import refresh_batches
from indexer.projections.suppliers import refresh_suppliers
from indexer.projections.windows import day_of, save_head, stored_day

__all__ = ["DERIVED_TABLES", "Head", "Touched", "rebuild", "refresh", "touched_by"]

DERIVED_TABLES: list[sa.Table] = [model.__table__ for model in (*DERIVED_MODELS, *COURT_MODELS)]


@dataclass(frozen=True)
class Head:
    """The indexed head after the current transaction; `time` is "now" for 7-/30-day windows."""

    number: int
    time: int


@dataclass
class Touched:
    """Keys named by inserted or deleted raw logs. Aggregates (merchants, buyers, suppliers,
    jurors, arbitrators) are found from these inside `refresh`, before and after the change."""

    order_ids: set[str] = field(default_factory=set)
    listing_ids: set[int] = field(default_factory=set)  # every listing an event names
    listing_events: set[int] = field(default_factory=set)  # created / price / active changed
    stock_listings: set[int] = field(default_factory=set)  # stock committed / revoked
    cases: set[tuple[str, int]] = field(default_factory=set)  # (arbitrator, disputeId) ruled
    court_cases: set[tuple[str, int]] = field(default_factory=set)  # (court, caseId)
    jurors: set[tuple[str, str]] = field(default_factory=set)  # (court, juror)

    def __bool__(self) -> bool:
        return bool(
            self.order_ids or self.listing_ids or self.cases or self.court_cases or self.jurors
        )

    def update(self, other: Touched) -> Touched:
        self.order_ids |= other.order_ids
        self.listing_ids |= other.listing_ids
        self.listing_events |= other.listing_events
        self.stock_listings |= other.stock_listings
        self.cases |= other.cases
        self.court_cases |= other.court_cases
        self.jurors |= other.jurors
        return self


def touched_by(rows: Iterable[Mapping[str, Any]]) -> Touched:
    """The keys raw_logs rows (inserted or deleted) touch. Rows need `name`, `order_id`,
    `listing_id`, `address`, `case_id`, `juror` and `args` (JSON text or dict; only parsed for
    Ruling, BasketPaid and ArbitrationRequested events: a basket names its orders, which its own
    OrderPaid rows also touch; an ArbitrationRequested names the court case of its order)."""
    touched = Touched()
    for row in rows:
        name = row["name"]
        if name is None:
            continue
        if row.get("case_id") is not None and name in COURT_CASE_EVENTS:
            touched.court_cases.add((row["address"], int(row["case_id"])))
        if row.get("juror") is not None:
            touched.jurors.add((row["address"], row["juror"]))
        if row["order_id"] is not None:
            touched.order_ids.add(row["order_id"])
        listing_id = row["listing_id"]
        if listing_id is not None:
            listing_id = int(listing_id)
            touched.listing_ids.add(listing_id)
            if name in LISTING_EVENTS:
                touched.listing_events.add(listing_id)
            elif name in STOCK_EVENTS:
                touched.stock_listings.add(listing_id)
        if name == RULING_EVENT:
            args = parse_args(row["args"])
            touched.cases.add((args["arbitrator"], int(args["disputeId"])))
        elif name == BASKET_EVENT:
            touched.order_ids.update(order_id_hex(i) for i in parse_args(row["args"])["orderIds"])
        elif name == ARBITRATION_REQUESTED:
            args = parse_args(row["args"])
            if int(args["disputeId"]) < 2**63:  # a court's case ids fit a BIGINT
                touched.court_cases.add((args["arbitrator"], int(args["disputeId"])))
    return touched


def refresh(conn: sa.Connection, touched: Touched, head: Head) -> None:
    """Recomputes every derived row that depends on a touched key, from the canonical raw_logs
    now in the database; and every listing's windows when the head entered a new UTC day."""
    new_day = stored_day(conn) != day_of(head.time)
    terms = TermsBook(conn, fold_terms(conn, touched.listing_events))
    supplier_keys = refresh_batches(conn, touched.stock_listings, terms)
    order_ids = touched.order_ids | orders_of_cases(conn, touched.cases)
    affected = refresh_orders(conn, order_ids, terms)
    listing_ids = touched.listing_ids | affected.listings
    if new_day:
        listing_ids |= all_listing_ids(conn)
    merchants = refresh_listings(conn, listing_ids, terms, head.time)
    refresh_merchants(conn, merchants | affected.merchants)
    refresh_buyers(conn, affected.buyers)
    refresh_suppliers(conn, supplier_keys | affected.suppliers)
    court = refresh_court_cases(conn, touched.court_cases)
    courts = refresh_jurors(conn, touched.jurors | court.jurors)
    refresh_arbitrators(conn, affected.arbitrators | court.courts | courts)
    if order_ids or _platform_empty(conn):
        refresh_platform(conn)
    save_head(conn, head.number, head.time)


def rebuild(conn: sa.Connection, head: Head) -> None:
    """Deletes every derived row and recomputes them all from raw_logs."""
    for table in reversed(DERIVED_TABLES):
        conn.execute(table.delete())
    terms = TermsBook(conn, fold_terms(conn, None))
    refresh_batches(conn, None, terms)
    refresh_orders(conn, None, terms)
    refresh_listings(conn, None, terms, head.time)
    refresh_merchants(conn, None)
    refresh_buyers(conn, None)
    refresh_suppliers(conn, None)
    refresh_court_cases(conn, None)
    refresh_jurors(conn, None)
    refresh_arbitrators(conn, None)
    refresh_platform(conn)
    save_head(conn, head.number, head.time)


def _platform_empty(conn: sa.Connection) -> bool:
    table = PlatformStat.__table__
    return conn.execute(sa.select(table.c.name).limit(1)).first() is None
