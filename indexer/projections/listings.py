"""Listing figures (`listings`) and after-sales alerts (`listing_alerts`).

Over all time: sales (orders paid), open / settled / completed / refunded / split, orders
disputed, stock (batches, units committed, revoked, delivered, and `stock_available` exactly as
the contract counts it: committed - revoked - orders paid - replacement units + units returned by
a merchant refund before delivery).

Windowed (see windows.py for the day-aligned 7-/30-day windows ending at the head):
- `sales_7d`/`sales_30d`: orders paid in the window;
- `success_*_bps`: of the orders settled in the window, the share Completed (NULL: none settled);
- `latency_p50_s`/`latency_p95_s`: nearest-rank percentiles of seconds from OrderPaid to the first
  KeyDelivered, over orders first delivered in the 30-day window;
- after-sales rate, its baseline and the alert episodes: see alerts.py.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from indexer.projections.alerts import after_sales
from indexer.projections.listing_terms import TERM_COLUMNS, TermsBook
from indexer.projections.models import ListingAlert, ListingRow, OrderRow, StockBatch
from indexer.projections.names import TERMINAL
from indexer.projections.scoring import bps, nearest_rank
from indexer.projections.sql import (
    count_if,
    outcome_counts,
    outcome_names,
    replace_rows,
    select_where_in,
)
from indexer.projections.windows import DAY, day_of, window_start

listings = ListingRow.__table__
alerts = ListingAlert.__table__
orders = OrderRow.__table__
batches = StockBatch.__table__


def all_listing_ids(conn: sa.Connection) -> set[int]:
    return set(conn.execute(sa.select(listings.c.listing_id)).scalars())


def refresh_listings(
    conn: sa.Connection, listing_ids: set[int] | None, terms: TermsBook, head_time: int
) -> set[str]:
    """Recomputes the rows and alerts of `listing_ids` (None: every listing whose terms `terms`
    holds, into empty tables); returns the merchants of those listings, before and after."""
    merchants: set[str] = set()
    if listing_ids is not None:
        columns = [listings.c.merchant]
        merchants.update(
            r.merchant for r in select_where_in(conn, columns, [listings.c.listing_id], listing_ids)
        )
        terms.load(listing_ids)
    known = terms.known()
    ids = set(known) if listing_ids is None else listing_ids
    ids = {lid for lid in ids if known.get(lid) is not None}
    key = None if listing_ids is None else ids  # None: no IN filter (a rebuild)

    stock = _stock_figures(conn, key)
    counts = _order_counts(conn, key, head_time)
    cohorts = _dispute_cohorts(conn, key)
    w30 = window_start(head_time, 30)
    head_day = day_of(head_time)

    rows, alert_rows = [], []
    for lid in sorted(ids):
        t = known[lid]
        row: dict[str, Any] = {"listing_id": lid, **{name: t[name] for name in TERM_COLUMNS}}
        row.update(_figures(counts.get(lid), stock.get(lid)))
        samples = row["latency_samples_30d"]
        row["latency_p50_s"] = _latency_percentile(conn, lid, w30, samples, 50)
        row["latency_p95_s"] = _latency_percentile(conn, lid, w30, samples, 95)
        today, episodes = after_sales(cohorts.get(lid, ()), head_day)
        row.update(
            delivered_7d=today.delivered,
            disputed_7d=today.disputed,
            after_sales_7d_bps=bps(today.disputed, today.delivered),
            baseline_delivered=today.baseline_delivered,
            baseline_disputed=today.baseline_disputed,
            baseline_after_sales_bps=bps(today.baseline_disputed, today.baseline_delivered),
        )
        rows.append(row)
        alert_rows.extend({"listing_id": lid, **e} for e in episodes)
        merchants.add(t["merchant"])

    replace_rows(conn, listings, [listings.c.listing_id], listing_ids, rows)
    replace_rows(conn, alerts, [alerts.c.listing_id], listing_ids, alert_rows)
    return merchants


def _stock_figures(conn: sa.Connection, ids: set[int] | None) -> dict[int, tuple[int, int, int]]:
    """(batches, units committed, units revoked) by listing."""
    columns = [
        batches.c.listing_id,
        sa.func.count(),
        sa.func.sum(batches.c.units),
        sa.func.sum(batches.c.revoked),
    ]
    key = [batches.c.listing_id]
    return {
        lid: (int(count), int(units or 0), int(revoked or 0))
        for lid, count, units, revoked in select_where_in(conn, columns, key, ids, group_by=key)
    }


def _order_counts(conn: sa.Connection, ids: set[int] | None, head_time: int) -> dict[int, dict]:
    """Every count of a listing's orders, all time and windowed, in one grouped scan."""
    o = orders.c
    w7, w30 = window_start(head_time, 7), window_start(head_time, 30)
    terminal = o.status.in_(TERMINAL)
    completed = o.status == "Completed"
    columns = [
        o.listing_id,
        sa.func.count().label("sales"),
        *outcome_counts(o),
        count_if(o.disputes > 0).label("disputed"),
        sa.func.coalesce(sa.func.sum(o.deliveries), 0).label("units_delivered"),
        sa.func.coalesce(
            sa.func.sum(sa.case((o.deliveries > 1, o.deliveries - 1), else_=0)), 0
        ).label("replacements"),
        count_if(
            (o.status == "Refunded") & (o.cause == "MerchantRefunded") & (o.deliveries == 0)
        ).label("returned"),
        count_if(o.paid_time >= w7).label("sales_7d"),
        count_if(terminal & (o.resolved_time >= w7)).label("settled_7d"),
        count_if(completed & (o.resolved_time >= w7)).label("completed_7d"),
        count_if(o.paid_time >= w30).label("sales_30d"),
        count_if(terminal & (o.resolved_time >= w30)).label("settled_30d"),
        count_if(completed & (o.resolved_time >= w30)).label("completed_30d"),
        count_if(o.first_delivered_time >= w30).label("latency_samples_30d"),
    ]
    return {
        r.listing_id: {k: int(v) for k, v in r._mapping.items() if k != "listing_id"}
        for r in select_where_in(conn, columns, [o.listing_id], ids, group_by=[o.listing_id])
    }


def _dispute_cohorts(
    conn: sa.Connection, ids: set[int] | None
) -> dict[int, list[tuple[int, int | None, int]]]:
    """(first delivery day, first dispute day, orders) by listing, for alerts.py."""
    o = orders.c
    delivered_day = (o.first_delivered_time // DAY).label("delivered_day")
    disputed_day = (o.first_disputed_time // DAY).label("disputed_day")
    columns = [o.listing_id, delivered_day, disputed_day, sa.func.count()]
    found: dict[int, list[tuple[int, int | None, int]]] = defaultdict(list)
    for lid, delivered, disputed, count in select_where_in(
        conn,
        columns,
        [o.listing_id],
        ids,
        o.first_delivered_time.is_not(None),
        group_by=[o.listing_id, delivered_day, disputed_day],
    ):
        found[lid].append((int(delivered), None if disputed is None else int(disputed), count))
    return found


def _latency_percentile(
    conn: sa.Connection, listing_id: int, since: int, samples: int, pct: int
) -> int | None:
    """Nearest-rank percentile of the listing's delivery latencies of orders first delivered
    since `since` (the database sorts; `samples` is their count)."""
    rank = nearest_rank(samples, pct)
    if rank is None:
        return None
    o = orders.c
    query = (
        sa.select(o.latency_s)
        .where(o.listing_id == listing_id, o.first_delivered_time >= since)
        .order_by(o.latency_s)
        .limit(1)
        .offset(rank - 1)
    )
    return conn.execute(query).scalar_one()


def _figures(counts: dict | None, stock: tuple[int, int, int] | None) -> dict[str, Any]:
    c = counts or dict.fromkeys(_COUNT_NAMES, 0)
    n_batches, committed, revoked = stock or (0, 0, 0)
    return {
        "batches": n_batches,
        "units_committed": committed,
        "units_revoked": revoked,
        "units_delivered": c["units_delivered"],
        "stock_available": committed - revoked - c["sales"] - c["replacements"] + c["returned"],
        **{name: c[name] for name in _PLAIN_COUNTS},
        "success_7d_bps": bps(c["completed_7d"], c["settled_7d"]),
        "success_30d_bps": bps(c["completed_30d"], c["settled_30d"]),
    }


_PLAIN_COUNTS = (
    "sales",
    *outcome_names(),
    "disputed",
    "sales_7d",
    "settled_7d",
    "completed_7d",
    "sales_30d",
    "settled_30d",
    "completed_30d",
    "latency_samples_30d",
)
_COUNT_NAMES = (*_PLAIN_COUNTS, "units_delivered", "replacements", "returned")
