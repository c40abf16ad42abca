"""Merchant records (`merchants`): only settled escrow orders count, against fake reviews.

- `orders`, `open`: every order paid to the merchant's listings, and those not yet settled;
- `settled` (Completed + Refunded + Split), `completion_bps` = completed / settled;
- `disputed`: settled orders that had at least one dispute, `dispute_bps` = disputed / settled;
- proven faults: `faults_misdelivery` (refunded by a misdelivery proof), `faults_late`
  (NotDelivered: no key by the delivery deadline), `faults_silent` (MerchantSilent: no answer
  within the response window), `faults_proven` their sum;
- `l1/l2/l3_cases` and `_median_s`: after-sales cases by tier (tiers.py) and the median handling
  time (nearest-rank lower median, seconds);
- `score_bps`: the 95% Wilson lower bound of completed / settled (scoring.py), so ten good sales
  do not outrank a thousand.
"""

from __future__ import annotations

import sqlalchemy as sa

from indexer.projections.models import ListingRow, MerchantRow, OrderRow
from indexer.projections.names import TERMINAL
from indexer.projections.scoring import bps, nearest_rank, wilson_lower_bps
from indexer.projections.sql import (
    count_if,
    outcome_counts,
    outcome_names,
    ranked_value,
    replace_rows,
    select_where_in,
)
from indexer.projections.tiers import TIERS

merchants = MerchantRow.__table__
orders = OrderRow.__table__
listings = ListingRow.__table__


def refresh_merchants(conn: sa.Connection, keys: set[str] | None) -> None:
    """Recomputes the rows of merchants `keys` (None: all, into an empty table)."""
    if keys is not None and not keys:
        return
    o = orders.c
    terminal = o.status.in_(TERMINAL)
    refunded = o.status == "Refunded"
    columns = [
        o.merchant,
        sa.func.count().label("orders"),
        *outcome_counts(o),
        count_if(terminal & (o.disputes > 0)).label("disputed"),
        count_if(refunded & (o.cause == "Misdelivery")).label("faults_misdelivery"),
        count_if(refunded & (o.cause == "NotDelivered")).label("faults_late"),
        count_if(refunded & (o.cause == "MerchantSilent")).label("faults_silent"),
        *(count_if(o.tier == tier).label(f"l{tier}_cases") for tier in TIERS),
    ]
    counts = {
        r.merchant: r._mapping
        for r in select_where_in(conn, columns, [o.merchant], keys, group_by=[o.merchant])
    }
    lc = listings.c
    listing_counts = dict(
        select_where_in(
            conn, [lc.merchant, sa.func.count()], [lc.merchant], keys, group_by=[lc.merchant]
        )
    )

    rows = []
    for merchant in sorted(set(counts) | set(listing_counts)):
        c = counts.get(merchant)
        row = {
            "merchant": merchant,
            "listings": int(listing_counts.get(merchant, 0)),
            **{
                name: int(c[name]) if c is not None else 0
                for name in (
                    "orders",
                    *outcome_names(),
                    "disputed",
                    "faults_misdelivery",
                    "faults_late",
                    "faults_silent",
                    *(f"l{tier}_cases" for tier in TIERS),
                )
            },
        }
        row["completion_bps"] = bps(row["completed"], row["settled"])
        row["dispute_bps"] = bps(row["disputed"], row["settled"])
        row["faults_proven"] = row["faults_misdelivery"] + row["faults_late"] + row["faults_silent"]
        for tier in TIERS:
            rank = nearest_rank(row[f"l{tier}_cases"], 50)
            where = (o.merchant == merchant, o.tier == tier)
            row[f"l{tier}_median_s"] = ranked_value(conn, o.handling_s, rank, *where)
        row["score_bps"] = wilson_lower_bps(row["completed"], row["settled"])
        rows.append(row)
    replace_rows(conn, merchants, [merchants.c.merchant], keys, rows)
