"""Arbitrator records (`arbitrators`), per arbitrator contract, from `arbitration_cases` (which the
order fold writes: one row per ArbitrationRequested, closed by the order's settlement).

- `ruled` and the ruling split (`refund_rulings` 1, `pay_rulings` 2, `split_rulings` 0);
- `timed_out`: split by anyone after ARBITRATION_TIMEOUT without a ruling;
- `ended_by_proof`: a misdelivery proof settled the order first (a proof outranks any vote);
- time to ruling: seconds from ArbitrationRequested to the Ruling event, median (nearest-rank
  lower median) and mean (rounded down) over ruled cases.
Per-juror participation and coherence come with the court contract (a later issue): its juror
rows will hang off `arbitration_cases` (arbitrator, dispute_id); nothing here invents votes.
"""

from __future__ import annotations

import sqlalchemy as sa

from indexer.projections.models import ArbitrationCase, ArbitratorRow
from indexer.projections.names import ARBITRATION_TIMEOUT
from indexer.projections.scoring import nearest_rank
from indexer.projections.sql import count_if, ranked_value, replace_rows, select_where_in

arbitrators = ArbitratorRow.__table__
cases = ArbitrationCase.__table__


def refresh_arbitrators(conn: sa.Connection, keys: set[str] | None) -> None:
    """Recomputes the rows of arbitrators `keys` (None: all, into an empty table)."""
    if keys is not None and not keys:
        return
    c = cases.c
    columns = [
        c.arbitrator,
        sa.func.count().label("cases"),
        count_if(c.outcome.is_(None)).label("open"),
        count_if(c.ruling.is_not(None)).label("ruled"),
        count_if(c.ruling == 1).label("refund_rulings"),
        count_if(c.ruling == 2).label("pay_rulings"),
        count_if(c.ruling == 0).label("split_rulings"),
        count_if(c.outcome == ARBITRATION_TIMEOUT).label("timed_out"),
        count_if(c.outcome == "Misdelivery").label("ended_by_proof"),
        sa.func.coalesce(sa.func.sum(c.time_to_ruling_s), 0).label("ruling_total_s"),
    ]
    rows = []
    for r in select_where_in(conn, columns, [c.arbitrator], keys, group_by=[c.arbitrator]):
        row = {name: (int(v) if name != "arbitrator" else v) for name, v in r._mapping.items()}
        ruled, total = row["ruled"], row.pop("ruling_total_s")
        rank = nearest_rank(ruled, 50)
        where = (c.arbitrator == r.arbitrator, c.ruling.is_not(None))
        row["ruling_median_s"] = ranked_value(conn, c.time_to_ruling_s, rank, *where)
        row["ruling_avg_s"] = total // ruled if ruled else None
        rows.append(row)
    replace_rows(conn, arbitrators, [arbitrators.c.arbitrator], keys, rows)
