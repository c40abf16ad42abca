"""The read side of the index: every query the CLI (and, next, the API) runs on the derived
tables, so that callers format rows and never write SQL themselves. Court queries take the
court's address: case ids are a court's own counter.

Each function takes an open SQLAlchemy `Connection` on an index database (SQLite or PostgreSQL)
and returns plain rows (attribute access by column name, as in projections/models.py): addresses
are 0x + 40 lowercase hex, statuses the Solidity enum names, times unix seconds of the block.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Row

from fairkey.chain.types import order_id_hex
from indexer.models import RawLog
from indexer.projections import court_models as cm
from indexer.projections import models as m
from indexer.projections.names import ORDER_STATUS, TERMINAL
from indexer.store import Cursor, any_cursor

BUYER, MERCHANT = "buyer", "merchant"
OPEN_STATUSES = tuple(s for s in ORDER_STATUS[1:] if s not in TERMINAL)


def is_indexed(conn: Connection) -> bool:
    """Whether the derived tables exist (an indexer ran on this database at least once)."""
    return sa.inspect(conn).has_table(m.ProjectionState.__tablename__)


def _top(conn: Connection, model: Any, order_by: list[Any], limit: int | None) -> list[Row]:
    query = sa.select(model.__table__).order_by(*order_by)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


# ---------------------------------------------------------------------------- reputation tables


def merchants(conn: Connection, limit: int | None = None) -> list[Row]:
    """Best score first (an unscored merchant, no settled order yet, has score_bps 0)."""
    t = m.MerchantRow.__table__.c
    return _top(conn, m.MerchantRow, [t.score_bps.desc(), t.merchant], limit)


def listings(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.ListingRow.__table__.c
    return _top(conn, m.ListingRow, [t.listing_id], limit)


def alerts(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.ListingAlert.__table__.c
    return _top(conn, m.ListingAlert, [t.since_day.desc(), t.listing_id], limit)


def suppliers(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.SupplierRow.__table__.c
    return _top(conn, m.SupplierRow, [t.bad_keys.desc(), t.merchant, t.supplier], limit)


def buyers(conn: Connection, limit: int | None = None) -> list[Row]:
    t = m.BuyerRow.__table__.c
    return _top(conn, m.BuyerRow, [t.disputes_lost.desc(), t.buyer], limit)


def arbitrators(conn: Connection, limit: int | None = None) -> list[Row]:
    """Most escrow cases first; a court's rows carry its own figures too (jurors, coherence)."""
    t = m.ArbitratorRow.__table__.c
    return _top(conn, m.ArbitratorRow, [t.cases.desc(), t.court_cases.desc(), t.arbitrator], limit)


def arbitrator(conn: Connection, address: str) -> Row | None:
    """One arbitrator's figures (projections/arbitrators.py), or None when it has none."""
    t = m.ArbitratorRow.__table__
    return conn.execute(sa.select(t).where(t.c.arbitrator == address.lower())).first()


def platform_stats(conn: Connection) -> dict[str, int | None]:
    """The platform figures by name (projections/platform.py)."""
    t = m.PlatformStat.__table__.c
    return {name: value for name, value in conn.execute(sa.select(t.name, t.value))}


def projection_state(conn: Connection) -> dict[str, int]:
    """What the figures refer to: `head_block`, `head_time`, `window_day` (empty: not yet)."""
    t = m.ProjectionState.__table__.c
    return {name: value for name, value in conn.execute(sa.select(t.name, t.value))}


# ---------------------------------------------------------------------------- orders


def order(conn: Connection, order_id: int) -> Row | None:
    """One order's row, or None when the index has not seen it paid."""
    t = m.OrderRow.__table__
    return conn.execute(sa.select(t).where(t.c.order_id == order_id_hex(order_id))).first()


def order_timeline(conn: Connection, order_id: int) -> list[Row]:
    """Every event of the order, in chain order, with the status right after it."""
    t = m.OrderEvent.__table__
    query = (
        sa.select(t)
        .where(t.c.order_id == order_id_hex(order_id))
        .order_by(t.c.block_number, t.c.log_index)
    )
    return list(conn.execute(query))


def roles_of(conn: Connection, address: str) -> set[str]:
    """{"buyer", "merchant"} or a part of it: the sides `address` has orders on."""
    t = m.OrderRow.__table__.c
    address = address.lower()
    roles = set()
    for role, column in ((BUYER, t.buyer), (MERCHANT, t.merchant)):
        if conn.execute(sa.select(t.order_id).where(column == address).limit(1)).first():
            roles.add(role)
    return roles


def orders_of(
    conn: Connection,
    address: str,
    roles: Collection[str] = (BUYER, MERCHANT),
    statuses: Collection[str] | None = None,
    limit: int | None = None,
) -> list[Row]:
    """Orders `address` bought (role buyer) or sold (role merchant), newest first, optionally
    only those in `statuses` (Solidity names, e.g. "Paid", "Delivered"). Each row's `basket_id`
    names the basket it was paid in (None: a single order); a basket's orders are adjacent."""
    t = m.OrderRow.__table__
    address = address.lower()
    sides = [{BUYER: t.c.buyer, MERCHANT: t.c.merchant}[role] == address for role in roles]
    if not sides:
        return []
    query = sa.select(t).where(sa.or_(*sides))
    if statuses is not None:
        query = query.where(t.c.status.in_(list(statuses)))
    # A basket's orders share a block: sorted by their basket's id, they sit together.
    group = sa.func.coalesce(t.c.basket_id, t.c.order_id)
    query = query.order_by(t.c.paid_block.desc(), group, t.c.order_id)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


def basket_orders(conn: Connection, basket_id: int) -> list[Row]:
    """The orders of one basket (its id is its first order's id), by order id; [] for an id
    that is not a basket the index has seen."""
    t = m.OrderRow.__table__
    query = sa.select(t).where(t.c.basket_id == order_id_hex(basket_id)).order_by(t.c.order_id)
    return list(conn.execute(query))


def refusals_of(conn: Connection, merchant: str) -> dict[str, int]:
    """How many times batch calls skipped the merchant's orders, by the custom error the single
    call would have reverted with (e.g. {"EscrowUnexpectedStatus": 2})."""
    t = m.BatchRefusal.__table__.c
    query = (
        sa.select(t.error, sa.func.count())
        .where(t.merchant == merchant.lower())
        .group_by(t.error)
        .order_by(t.error)
    )
    return {error: count for error, count in conn.execute(query)}


# ---------------------------------------------------------------------------- the court


@dataclass(frozen=True)
class CourtCase:
    """A court case with everything the index knows of it (projections/court_fold.py)."""

    case: Row  # court_cases: parties, order, where it stands, final ruling, time to ruling
    rounds: list[Row]  # court_rounds, by round: panel, votes per choice, ruling, funding
    votes: list[Row]  # court_votes, by seat: juror, times, choice (None until the reveal)
    evidence: list[Row]  # court_evidence, in chain order: party, URI, content hash
    timeline: list[Row]  # court_case_events, in chain order


def court_case(conn: Connection, court: str, case_id: int) -> CourtCase | None:
    """Case `case_id` of `court` with its rounds, seats, evidence and timeline; None when the
    index has not seen it opened."""
    key = {"court": court.lower(), "case_id": case_id}
    case = _rows(conn, cm.CourtCaseRow, key, ["case_id"])
    if not case:
        return None
    return CourtCase(
        case[0],
        _rows(conn, cm.CourtRoundRow, key, ["round"]),
        _rows(conn, cm.CourtVoteRow, key, ["seat"]),
        _rows(conn, cm.CourtEvidenceRow, key, ["block_number", "log_index"]),
        _rows(conn, cm.CourtCaseEvent, key, ["block_number", "log_index"]),
    )


def court_case_of_order(conn: Connection, order_id: int) -> CourtCase | None:
    """The court case the escrow opened for an order (its ArbitrationRequested), if any."""
    t = cm.CourtCaseRow.__table__.c
    found = conn.execute(
        sa.select(t.court, t.case_id)
        .where(t.order_id == order_id_hex(order_id))
        .order_by(t.opened_block.desc())
        .limit(1)
    ).first()
    return None if found is None else court_case(conn, found.court, found.case_id)


def court_cases(
    conn: Connection, court: str | None = None, open_only: bool = False, limit: int | None = None
) -> list[Row]:
    """Cases, newest first (of one court; only those not yet executed)."""
    t = cm.CourtCaseRow.__table__
    query = sa.select(t)
    if court is not None:
        query = query.where(t.c.court == court.lower())
    if open_only:
        query = query.where(t.c.executed_block.is_(None))
    query = query.order_by(t.c.opened_block.desc(), t.c.case_id.desc())
    return list(conn.execute(query if limit is None else query.limit(limit)))


def juror(conn: Connection, court: str, address: str) -> Row | None:
    """One juror's record at a court (projections/jurors.py)."""
    t = cm.JurorRow.__table__
    where = (t.c.court == court.lower(), t.c.juror == address.lower())
    return conn.execute(sa.select(t).where(*where)).first()


def juror_cases(
    conn: Connection, address: str, court: str | None = None, limit: int | None = None
) -> list[Row]:
    """The seats `address` held, newest first: each court_votes row with its case's `order_id`,
    `period` (as `case_period`), `final_ruling`, `opened_time` and `executed_time`."""
    v = cm.CourtVoteRow.__table__
    c = cm.CourtCaseRow.__table__
    query = (
        sa.select(
            v,
            c.c.order_id,
            c.c.period.label("case_period"),
            c.c.final_ruling,
            c.c.opened_time,
            c.c.executed_time,
        )
        .join(c, (c.c.court == v.c.court) & (c.c.case_id == v.c.case_id))
        .where(v.c.juror == address.lower())
    )
    if court is not None:
        query = query.where(v.c.court == court.lower())
    query = query.order_by(v.c.drawn_block.desc(), v.c.case_id.desc())
    return list(conn.execute(query if limit is None else query.limit(limit)))


def jurors(
    conn: Connection, court: str | None = None, min_judged: int = 0, limit: int | None = None
) -> list[Row]:
    """The juror leaderboard: highest coherence first (among jurors with at least `min_judged`
    judged seats), then most judged seats; jurors never judged last."""
    t = cm.JurorRow.__table__
    query = sa.select(t).where(t.c.judged >= min_judged)
    if court is not None:
        query = query.where(t.c.court == court.lower())
    order = [t.c.coherence_bps.desc().nulls_last(), t.c.judged.desc(), t.c.court, t.c.juror]
    query = query.order_by(*order)
    return list(conn.execute(query if limit is None else query.limit(limit)))


def _rows(conn: Connection, model: Any, key: dict[str, Any], order_by: list[str]) -> list[Row]:
    t = model.__table__
    query = sa.select(t).where(*(t.c[k] == v for k, v in key.items()))
    return list(conn.execute(query.order_by(*(t.c[name] for name in order_by))))


def saved_cursor(url: str, address: str) -> Cursor | None:
    """Where the index at `url` stands for the escrow at `address` (any chain), without a node:
    None when the database holds no index of it. Raises SQLAlchemyError if it is unreadable."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return any_cursor(conn, address.lower())
    finally:
        engine.dispose()


def court_case_timeline(conn: Connection, court: str, case_id: int) -> list[Row]:
    """Case `case_id`'s timeline at `court` (its court_case_events rows, in chain order), each
    row with its event's decoded arguments as `args` (raw_logs' JSON text, in decode.py's
    format). [] when the index has not seen the case."""
    e = cm.CourtCaseEvent.__table__
    raw = RawLog.__table__
    same_log = (
        (raw.c.address == e.c.court)
        & (raw.c.case_id == e.c.case_id)
        & (raw.c.block_number == e.c.block_number)
        & (raw.c.log_index == e.c.log_index)
    )
    query = (
        sa.select(e, raw.c.args)
        .join(raw, same_log)
        .where(e.c.court == court.lower(), e.c.case_id == case_id)
        .order_by(e.c.block_number, e.c.log_index)
    )
    return list(conn.execute(query))
