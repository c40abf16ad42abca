"""Stock batches: one row per committed Merkle root (StockCommitted), with the units revoked
since (StockRevoked). A batch's supplier tag is how deliveries, disputes and bad keys are
attributed to suppliers."""

from __future__ import annotations

import sqlalchemy as sa

from indexer.projections.listing_terms import TermsBook
from indexer.projections.models import StockBatch
from indexer.projections.names import STOCK_EVENTS
from indexer.projections.raw import logs_of, raw_logs
from indexer.projections.sql import replace_rows, select_where_in

batches = StockBatch.__table__


def refresh_batches(
    conn: sa.Connection, listing_ids: set[int] | None, terms: TermsBook
) -> set[tuple[str, str]]:
    """Recomputes the batches of `listing_ids` (None: all); returns the (merchant, supplier)
    keys they had before and have now."""
    keys: set[tuple[str, str]] = set()
    if listing_ids is not None:
        columns = [batches.c.merchant, batches.c.supplier]
        keys.update(
            tuple(r) for r in select_where_in(conn, columns, [batches.c.listing_id], listing_ids)
        )
    rows: dict[str, dict] = {}
    conditions = (raw_logs.c.name.in_(STOCK_EVENTS),)
    for log in logs_of(conn, raw_logs.c.listing_id, listing_ids, *conditions):
        a = log.args
        root = a["root"]
        if log.name == "StockCommitted":
            listing = terms.get(int(a["listingId"]))
            if listing is None:
                continue  # a batch of a listing the log never created: not ours to guess
            rows[root] = {
                "root": root,
                "listing_id": int(a["listingId"]),
                "merchant": listing["merchant"],
                "supplier": a["supplier"],
                "units": a["count"],
                "revoked": 0,
                "bond": a["bond"],
                "committed_block": log.block_number,
                "committed_time": log.block_time,
                "committed_tx": log.tx_hash,
            }
        elif root in rows:
            rows[root]["revoked"] += a["unitsRevoked"]
    replace_rows(conn, batches, [batches.c.listing_id], listing_ids, rows.values())
    keys.update((r["merchant"], r["supplier"]) for r in rows.values())
    return keys


def suppliers_of(conn: sa.Connection, roots: set[str]) -> dict[str, str]:
    """Supplier tag by batch root."""
    columns = [batches.c.root, batches.c.supplier]
    return {r.root: r.supplier for r in select_where_in(conn, columns, [batches.c.root], roots)}
