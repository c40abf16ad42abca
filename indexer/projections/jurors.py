"""`jurors`: one row per court and juror, from the juror's seats (`court_votes`, refreshed just
before) and its own events (StakeSet, JurorLeftPool, SeatSettled), found by the indexed
(address, juror) of raw_logs.

- `stake`: the `staked` of the juror's last StakeSet (the amount it set, queued or not; NULL when
  the index saw none). The court lowers a stake without a StakeSet when a seat forfeits its lock
  (SeatSettled, incoherent): `forfeits_since_stake` counts those after the last StakeSet, so the
  court's own figure is stake - forfeits_since_stake x lockPerSeat (a deployment parameter no
  event carries).
- `in_pool`: the last StakeSet set more than 0 and no JurorLeftPool (absent from a vote)
  followed it. An `applyStake` re-emits StakeSet; for a juror who left the pool while a panel
  was being drawn it reads as back in (the court's `weightOf` is the authority there).
- `cases`: seats held (one per case at most, seats of aborted rounds included); `committed`,
  `revealed` (votes cast); `judged`: seats of executed cases in rounds that voted; `coherent`
  among them and `coherence_bps` = coherent / judged (rounded down; NULL before any); `absent`:
  seats of ruled rounds without a reveal; `forfeited`: seats settled incoherent (the lock lost);
  `fees_earned` / `stake_earned`: what SeatSettled paid the juror.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from indexer.projections.court_models import CourtVoteRow, JurorRow
from indexer.projections.names import JUROR_EVENTS, STAKE_EVENT
from indexer.projections.raw import Log, chunks, logs_where, raw_logs
from indexer.projections.scoring import bps
from indexer.projections.sql import key_filter, replace_rows, select_where_in

jurors = JurorRow.__table__
votes = CourtVoteRow.__table__

JurorKey = tuple[str, str]


def refresh_jurors(conn: sa.Connection, keys: set[JurorKey] | None) -> set[str]:
    """Recomputes the rows of (court, juror) `keys` (None: all, into an empty table); returns
    the courts whose figures depend on them."""
    if keys is not None and not keys:
        return set()
    seats: dict[JurorKey, list[Any]] = defaultdict(list)
    for row in select_where_in(conn, [votes], [votes.c.court, votes.c.juror], keys):
        seats[(row.court, row.juror)].append(row)
    events: dict[JurorKey, list[Log]] = defaultdict(list)
    for log in _juror_logs(conn, keys):
        events[(log.address, log.juror)].append(log)  # type: ignore[index]
    found = set(seats) | set(events)
    rows = [_juror_row(key, seats.get(key, []), events.get(key, [])) for key in sorted(found)]
    replace_rows(conn, jurors, [jurors.c.court, jurors.c.juror], keys, rows)
    return {court for court, _ in found | (keys or set())}


def _juror_logs(conn: sa.Connection, keys: set[JurorKey] | None) -> list[Log]:
    names = raw_logs.c.name.in_(JUROR_EVENTS)
    if keys is None:
        return logs_where(conn, raw_logs.c.juror.is_not(None), names)
    found: list[Log] = []
    for part in chunks(keys):
        found.extend(
            logs_where(conn, key_filter([raw_logs.c.address, raw_logs.c.juror], part), names)
        )
    found.sort(key=lambda log: log.position)
    return found


def _juror_row(key: JurorKey, seats: list[Any], events: list[Log]) -> dict[str, Any]:
    stake: Log | None = None
    left = False
    forfeits = 0
    for log in events:  # canonical order
        if log.name == STAKE_EVENT:
            stake, left, forfeits = log, False, 0
        elif log.name == "JurorLeftPool":
            left = True
        elif log.name == "SeatSettled" and not log.args["coherent"]:
            forfeits += 1
    judged = [s for s in seats if s.coherent is not None]
    coherent = sum(1 for s in judged if s.coherent)
    return {
        "court": key[0],
        "juror": key[1],
        "stake": stake.args["staked"] if stake else None,
        "stake_queued": stake.args["queued"] if stake else None,
        "stake_time": stake.block_time if stake else None,
        "forfeits_since_stake": forfeits,
        "in_pool": bool(stake and stake.args["staked"] > 0 and not left),
        "cases": len(seats),
        "committed": sum(1 for s in seats if s.committed_time is not None),
        "revealed": sum(1 for s in seats if s.revealed_time is not None),
        "judged": len(judged),
        "coherent": coherent,
        "coherence_bps": bps(coherent, len(judged)),
        "absent": sum(1 for s in seats if s.absent),
        "forfeited": sum(1 for s in seats if s.settled and not s.coherent),
        "fees_earned": sum(s.reward_fee or 0 for s in seats),
        "stake_earned": sum(s.reward_stake or 0 for s in seats),
        "last_drawn_time": max((s.drawn_time for s in seats), default=None),
    }
