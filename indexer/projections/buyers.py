"""Buyer records (`buyers`), as a merchant sees them before delivering.

- `disputes_opened`: OrderDisputed events (a buyer may dispute again after a replacement);
  `disputed_orders`: orders with at least one;
- `disputes_lost`: disputed orders that ended with the merchant paid for the disputed key: the
  buyer withdrew (DisputeWithdrawn), the court ruled for the merchant, or the listing's verifier
  found the key valid and the order was paid with that verdict standing. A dispute answered by
  a replacement the buyer then accepted is not lost: the merchant fixed it. Many lost disputes
  are the fraud signal;
- `refunds_won`: disputed orders that ended refunded; `misdeliveries_proven`: refunds the buyer
  obtained with a misdelivery proof.
"""

from __future__ import annotations

import sqlalchemy as sa

from indexer.projections.models import BuyerRow, OrderRow
from indexer.projections.sql import (
    count_if,
    outcome_counts,
    outcome_names,
    replace_rows,
    select_where_in,
)

buyers = BuyerRow.__table__
orders = OrderRow.__table__

_COUNTS = (
    "orders",
    *outcome_names(settled=False),
    "disputes_opened",
    "disputed_orders",
    "disputes_lost",
    "refunds_won",
    "misdeliveries_proven",
)


def refresh_buyers(conn: sa.Connection, keys: set[str] | None) -> None:
    """Recomputes the rows of buyers `keys` (None: all, into an empty table)."""
    if keys is not None and not keys:
        return
    o = orders.c
    refunded = o.status == "Refunded"
    columns = [
        o.buyer,
        sa.func.count().label("orders"),
        *outcome_counts(o, settled=False),
        sa.func.coalesce(sa.func.sum(o.disputes), 0).label("disputes_opened"),
        count_if(o.disputes > 0).label("disputed_orders"),
        count_if(o.dispute_lost).label("disputes_lost"),
        count_if(refunded & (o.disputes > 0)).label("refunds_won"),
        count_if(refunded & (o.cause == "Misdelivery")).label("misdeliveries_proven"),
    ]
    rows = [
        {"buyer": r.buyer, **{name: int(r._mapping[name]) for name in _COUNTS}}
        for r in select_where_in(conn, columns, [o.buyer], keys, group_by=[o.buyer])
    ]
    replace_rows(conn, buyers, [buyers.c.buyer], keys, rows)
