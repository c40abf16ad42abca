"""Supplier records (`suppliers`), per merchant and supplier tag (the bytes32 the merchant gave
each batch in StockCommitted): batches and units committed / revoked from `stock_batches`; units
delivered, disputes (deliveries disputed while the buyer held them), verifier-confirmed bad keys
(deliveries a VerifierAttested verdict called invalid or redeemed; a VALID verdict is no bad key)
and misdeliveries (deliveries proven not to be what was committed) from `order_deliveries`."""

from __future__ import annotations

import sqlalchemy as sa

from indexer.projections.models import OrderDelivery, StockBatch, SupplierRow
from indexer.projections.names import BAD_VERDICTS
from indexer.projections.sql import count_if, replace_rows, select_where_in

suppliers = SupplierRow.__table__
batches = StockBatch.__table__
deliveries = OrderDelivery.__table__

_ZERO = dict.fromkeys(
    (
        "batches",
        "units_committed",
        "units_revoked",
        "units_delivered",
        "disputes",
        "bad_keys",
        "misdeliveries",
    ),
    0,
)


def refresh_suppliers(conn: sa.Connection, keys: set[tuple[str, str]] | None) -> None:
    """Recomputes the rows of (merchant, supplier) `keys` (None: all, into an empty table)."""
    if keys is not None and not keys:
        return
    rows: dict[tuple[str, str], dict] = {}

    def row(merchant: str, supplier: str) -> dict:
        return rows.setdefault(
            (merchant, supplier), {"merchant": merchant, "supplier": supplier, **_ZERO}
        )

    b = batches.c
    key = [b.merchant, b.supplier]
    committed = [*key, sa.func.count(), sa.func.sum(b.units), sa.func.sum(b.revoked)]
    for merchant, supplier, count, units, revoked in select_where_in(
        conn, committed, key, keys, group_by=key
    ):
        r = row(merchant, supplier)
        r["batches"], r["units_committed"], r["units_revoked"] = count, int(units), int(revoked)

    d = deliveries.c
    key = [d.merchant, d.supplier]
    outcomes = [
        *key,
        sa.func.count(),
        count_if(d.disputed),
        count_if(d.verdict.in_(BAD_VERDICTS)),
        count_if(d.misdelivery_fault.is_not(None)),
    ]
    for merchant, supplier, delivered, disputes, bad, misdelivered in select_where_in(
        conn, outcomes, key, keys, d.supplier.is_not(None), group_by=key
    ):
        r = row(merchant, supplier)
        r["units_delivered"], r["disputes"] = delivered, int(disputes)
        r["bad_keys"], r["misdeliveries"] = int(bad), int(misdelivered)

    ordered = [rows[k] for k in sorted(rows)]
    replace_rows(conn, suppliers, [suppliers.c.merchant, suppliers.c.supplier], keys, ordered)
