"""Refreshes the court's case tables (`court_cases`, `court_rounds`, `court_votes`,
`court_evidence`, `court_case_events`) of some cases from their events, in bulk: one query for
all their events (by the indexed (address, case_id) of raw_logs), a fold per case in Python
(court_fold.py), one delete and one insert per table.

A case's key is (court, case id). The escrow's side of a case is its `arbitration_cases` row
(arbitrator, dispute_id), which the orders refresh writes first: it gives the case its order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from indexer.projections.court_fold import FoldedCase, fold_case
from indexer.projections.court_models import (
    CourtCaseEvent,
    CourtCaseRow,
    CourtEvidenceRow,
    CourtRoundRow,
    CourtVoteRow,
)
from indexer.projections.models import ArbitrationCase
from indexer.projections.names import COURT_CASE_EVENTS
from indexer.projections.raw import Log, chunks, logs_where, raw_logs
from indexer.projections.sql import delete_keys, insert_rows, key_filter, select_where_in

court_cases = CourtCaseRow.__table__
court_rounds = CourtRoundRow.__table__
court_votes = CourtVoteRow.__table__
court_evidence = CourtEvidenceRow.__table__
court_case_events = CourtCaseEvent.__table__
TABLES = (court_cases, court_rounds, court_votes, court_evidence, court_case_events)
arbitration_cases = ArbitrationCase.__table__

CaseKey = tuple[str, int]


@dataclass
class CourtAffected:
    """Keys whose aggregates depend on the refreshed cases (before and after)."""

    jurors: set[tuple[str, str]] = field(default_factory=set)  # (court, juror)
    courts: set[str] = field(default_factory=set)


def refresh_court_cases(conn: sa.Connection, keys: set[CaseKey] | None) -> CourtAffected:
    """Recomputes the rows of the cases `keys` (None: every case, into empty tables)."""
    affected = CourtAffected()
    if keys is not None:
        if not keys:
            return affected
        affected.courts = {court for court, _ in keys}
        columns = [court_votes.c.court, court_votes.c.juror]
        key_columns = [court_votes.c.court, court_votes.c.case_id]
        affected.jurors = {tuple(r) for r in select_where_in(conn, columns, key_columns, keys)}

    by_case: dict[CaseKey, list[Log]] = defaultdict(list)
    for log in _case_logs(conn, keys):
        by_case[(log.address, log.case_id)].append(log)  # type: ignore[index]
    orders = _orders_of(conn, set(by_case) if keys is None else keys)
    folded: list[FoldedCase] = []
    for court, case_id in sorted(by_case):
        result = fold_case(court, case_id, by_case[(court, case_id)], orders.get((court, case_id)))
        if result is not None:
            folded.append(result)

    for table in TABLES:
        delete_keys(conn, table, [table.c.court, table.c.case_id], keys)
    insert_rows(conn, court_cases, (f.case for f in folded))
    insert_rows(conn, court_rounds, (r for f in folded for r in f.rounds))
    insert_rows(conn, court_votes, (v for f in folded for v in f.votes))
    insert_rows(conn, court_evidence, (e for f in folded for e in f.evidence))
    insert_rows(conn, court_case_events, (e for f in folded for e in f.events))

    for f in folded:
        affected.courts.add(f.case["court"])
        affected.jurors.update((f.case["court"], v["juror"]) for v in f.votes)
    return affected


def _case_logs(conn: sa.Connection, keys: set[CaseKey] | None) -> list[Log]:
    """The court events of the cases `keys` (None: of every case), in canonical order."""
    names = raw_logs.c.name.in_(COURT_CASE_EVENTS)
    if keys is None:
        return logs_where(conn, raw_logs.c.case_id.is_not(None), names)
    found: list[Log] = []
    columns = [raw_logs.c.address, raw_logs.c.case_id]
    for part in chunks(keys):
        found.extend(logs_where(conn, key_filter(columns, part), names))
    found.sort(key=lambda log: log.position)
    return found


def _orders_of(conn: sa.Connection, keys: set[CaseKey]) -> dict[CaseKey, str]:
    """The escrow order of each case the escrow opened (its ArbitrationRequested)."""
    if not keys:
        return {}
    c = arbitration_cases.c
    rows = select_where_in(
        conn, [c.arbitrator, c.dispute_id, c.order_id], [c.arbitrator, c.dispute_id], keys
    )
    return {(r.arbitrator, int(r.dispute_id)): r.order_id for r in rows}
