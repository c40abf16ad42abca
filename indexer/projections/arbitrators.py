"""Arbitrator records (`arbitrators`), per arbitrator contract: the escrow's view of its cases
there, from `arbitration_cases` (which the order fold writes: one row per ArbitrationRequested,
closed by the order's settlement), and for a court its own figures, from the court tables.

The escrow's view (every arbitrator):
- `cases`, `open`; `ruled` and the ruling split (`refund_rulings` 1, `pay_rulings` 2,
  `split_rulings` 0): rulings the escrow executed;
- `timed_out`: split by anyone after ARBITRATION_TIMEOUT without a ruling;
- `ended_by_proof`: a misdelivery proof settled the order first (a proof outranks any vote);
- time to ruling: seconds from ArbitrationRequested to the Ruling event, median (nearest-rank
  lower median) and mean (rounded down) over ruled cases. For a court this is its opened ->
  executed time of the same cases (both pairs of events share their transactions).

A court's own figures (0, coherence NULL, for an arbitrator that is not a Court):
- `court_cases`: cases opened there by any arbitrable; `executions_refused`: rulings the
  arbitrable refused (CaseExecuted accepted = false: the order was closed meanwhile);
- `appeals`: rounds after a case's first that were funded; `aborted_rounds`;
- `jurors`: in the pool now; `jurors_seated`: ever drawn;
- `seats_judged`, `seats_coherent`, `coherence_bps`: seats of executed cases whose round voted,
  those that revealed the final ruling, and their share (see jurors.py).
A row exists for every arbitrator with an escrow case, and for every court with a case or a juror.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from indexer.projections.court_models import CourtCaseRow, CourtRoundRow, CourtVoteRow, JurorRow
from indexer.projections.models import ArbitrationCase, ArbitratorRow
from indexer.projections.names import ARBITRATION_TIMEOUT
from indexer.projections.scoring import bps, nearest_rank
from indexer.projections.sql import count_if, ranked_value, replace_rows, select_where_in

arbitrators = ArbitratorRow.__table__
cases = ArbitrationCase.__table__
court_cases = CourtCaseRow.__table__
court_rounds = CourtRoundRow.__table__
court_votes = CourtVoteRow.__table__
jurors = JurorRow.__table__

COURT_FIGURES = (
    "court_cases",
    "executions_refused",
    "appeals",
    "aborted_rounds",
    "jurors",
    "jurors_seated",
    "seats_judged",
    "seats_coherent",
)
ESCROW_FIGURES = (
    "cases",
    "open",
    "ruled",
    "refund_rulings",
    "pay_rulings",
    "split_rulings",
    "timed_out",
    "ended_by_proof",
)


def refresh_arbitrators(conn: sa.Connection, keys: set[str] | None) -> None:
    """Recomputes the rows of arbitrators `keys` (None: all, into an empty table)."""
    if keys is not None and not keys:
        return
    found: dict[str, dict[str, Any]] = {}
    for address, figures in [*_escrow_view(conn, keys), *_court_view(conn, keys)]:
        row = found.setdefault(address, _empty(address))
        row.update(figures)
    for row in found.values():
        row["coherence_bps"] = bps(row["seats_coherent"], row["seats_judged"])
    replace_rows(conn, arbitrators, [arbitrators.c.arbitrator], keys, found.values())


def _empty(address: str) -> dict[str, Any]:
    return {
        "arbitrator": address,
        **dict.fromkeys((*ESCROW_FIGURES, *COURT_FIGURES), 0),
        "ruling_median_s": None,
        "ruling_avg_s": None,
    }


def _escrow_view(conn: sa.Connection, keys: set[str] | None) -> list[tuple[str, dict]]:
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
    found = []
    for r in select_where_in(conn, columns, [c.arbitrator], keys, group_by=[c.arbitrator]):
        row = {name: int(r._mapping[name]) for name in ESCROW_FIGURES}
        ruled, total = row["ruled"], int(r.ruling_total_s)
        where = (c.arbitrator == r.arbitrator, c.ruling.is_not(None))
        row["ruling_median_s"] = ranked_value(
            conn, c.time_to_ruling_s, nearest_rank(ruled, 50), *where
        )
        row["ruling_avg_s"] = total // ruled if ruled else None
        found.append((r.arbitrator, row))
    return found


def _court_view(conn: sa.Connection, keys: set[str] | None) -> list[tuple[str, dict]]:
    """The court figures, one grouped query per court table."""
    k, r, v, j = court_cases.c, court_rounds.c, court_votes.c, jurors.c
    counts = {  # figure: (the court column of its table, what it counts)
        "court_cases": (k.court, k.court.is_not(None)),
        "executions_refused": (k.court, k.accepted.is_(sa.false())),
        "appeals": (r.court, (r.round > 0) & r.fee_payer.is_not(None)),
        "aborted_rounds": (r.court, r.aborted),
        "jurors": (j.court, j.in_pool),
        "jurors_seated": (j.court, j.cases > 0),
        "seats_judged": (v.court, v.coherent.is_not(None)),
        "seats_coherent": (v.court, v.coherent),
    }
    tables: dict[str, tuple[sa.Column, list[str]]] = {}
    for name, (court, _) in counts.items():
        tables.setdefault(court.table.name, (court, []))[1].append(name)
    found = []
    for court, names in tables.values():
        columns = [court, *(count_if(counts[name][1]).label(name) for name in names)]
        for row in select_where_in(conn, columns, [court], keys, group_by=[court]):
            found.append((row[0], {name: int(row._mapping[name]) for name in names}))
    return found
