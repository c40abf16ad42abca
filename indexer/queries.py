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
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import Connection, Row

from fairkey.chain.types import order_id_hex
from fairkey.flows.actions import Role
from indexer.models import IndexCursor, RawLog
from indexer.projections import court_models as cm
from indexer.projections import models as m
from indexer.projections.names import BAD_VERDICTS, ORDER_STATUS, TERMINAL
from indexer.projections.scoring import bps, nearest_rank, wilson_lower_bps
from indexer.projections.sql import count_if, ranked_value
from indexer.projections.tiers import TIERS
from indexer.projections.windows import DAY
from indexer.store import Cursor, any_cursor

# The sides of an order by the SDK's names (the CLI, the API and the order actions take them).
BUYER, MERCHANT = Role.BUYER.value, Role.MERCHANT.value
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


_PROJECTION_STATE = sa.select(
    m.ProjectionState.__table__.c.name, m.ProjectionState.__table__.c.value
)


def projection_state(conn: Connection) -> dict[str, int]:
    """What the figures refer to: `head_block`, `head_time`, `window_day` (empty: not yet)."""
    return {name: value for name, value in conn.execute(_PROJECTION_STATE)}


# ---------------------------------------------------------------------------- orders


# Built once, with the order id as a parameter: the API runs them on every order it shows, and
# building a statement costs more than running it.
_ORDER = sa.select(m.OrderRow.__table__).where(
    m.OrderRow.__table__.c.order_id == sa.bindparam("order_id")
)
# The order, its timeline and the figures' head in one statement (the order LEFT JOIN its
# events): on PostgreSQL one round trip instead of three, which is most of a cold read's time.
_EVENT_FIELDS = tuple(c.name for c in m.OrderEvent.__table__.c if c.name != "order_id")
_HEAD_BLOCK = (
    sa.select(m.ProjectionState.__table__.c.value)
    .where(m.ProjectionState.__table__.c.name == "head_block")
    .scalar_subquery()
)
_ORDER_WITH_TIMELINE = (
    sa.select(
        m.OrderRow.__table__,
        *(m.OrderEvent.__table__.c[f].label(f"event__{f}") for f in _EVENT_FIELDS),
        _HEAD_BLOCK.label("index_head_block"),
    )
    .select_from(
        m.OrderRow.__table__.outerjoin(
            m.OrderEvent.__table__,
            m.OrderEvent.__table__.c.order_id == m.OrderRow.__table__.c.order_id,
        )
    )
    .where(m.OrderRow.__table__.c.order_id == sa.bindparam("order_id"))
    .order_by(m.OrderEvent.__table__.c.block_number, m.OrderEvent.__table__.c.log_index)
)


class TimelineEvent(NamedTuple):
    """One event of an order's timeline, with the status the chain had right after it."""

    block_number: int
    log_index: int
    block_time: int
    tx_hash: str
    event: str
    status: str
    detail: str | None
    deadline: int | None


class OrderHistory(NamedTuple):
    order: Row  # the orders row (its columns; the joined ones are extra attributes)
    timeline: list[TimelineEvent]
    head_block: int | None  # projection_state's head_block: what the figures refer to


def order_history(conn: Connection, order_id: int) -> OrderHistory | None:
    """One order's row, its events in chain order, and the projection head, in one
    statement; None when the index has not seen the order paid."""
    rows = conn.execute(_ORDER_WITH_TIMELINE, {"order_id": order_id_hex(order_id)}).all()
    if not rows:
        return None
    timeline = [
        TimelineEvent(**{f: getattr(r, f"event__{f}") for f in _EVENT_FIELDS})
        for r in rows
        if r.event__block_number is not None  # an order without events (never: OrderPaid)
    ]
    return OrderHistory(rows[0], timeline, rows[0].index_head_block)


def order(conn: Connection, order_id: int) -> Row | None:
    """One order's row, or None when the index has not seen it paid."""
    return conn.execute(_ORDER, {"order_id": order_id_hex(order_id)}).first()


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


# ---------------------------------------------------------------------------- notifications
# A position is (block_number, log_index): the chain's own total order of logs, shared by the
# escrow's and the courts' events, so one cursor covers both feeds.


def _build_index_head() -> Any:
    t = IndexCursor.__table__
    columns = (t.c.block_number, t.c.block_time, t.c.reorgs, t.c.last_reorg_ancestor)
    query = sa.select(*columns, t.c.finalized_block)
    return query.order_by(t.c.block_number.desc()).limit(1)


_INDEX_HEAD = _build_index_head()  # built once: the API reads it on every listing page


def index_head(conn: Connection, escrow: str | None = None) -> Row | None:
    """Where the index stands (index_cursor): `block_number`, `block_time`, `reorgs`,
    `last_reorg_ancestor`, `finalized_block` of `escrow`'s cursor (any escrow's when None: an
    index usually holds one); None before the first run."""
    t = IndexCursor.__table__
    query = _INDEX_HEAD
    if escrow is not None:
        query = query.where(t.c.address == escrow.lower())
    return conn.execute(query).first()


def _after(block: Any, log: Any, position: tuple[int, int]) -> Any:
    return sa.or_(block > position[0], sa.and_(block == position[0], log > position[1]))


def order_notifications(
    conn: Connection, address: str, after: tuple[int, int], limit: int
) -> list[Row]:
    """Events of the orders `address` bought or sold, after position `after`, in chain order,
    at most `limit`: order_events' columns with the order's `listing_id`, `buyer`, `merchant`."""
    e = m.OrderEvent.__table__
    o = m.OrderRow.__table__
    address = address.lower()
    query = (
        sa.select(e, o.c.listing_id, o.c.buyer, o.c.merchant)
        .join(o, o.c.order_id == e.c.order_id)
        .where(sa.or_(o.c.buyer == address, o.c.merchant == address))
        .where(o.c.last_block >= after[0])  # an order with a newer event was touched since
        .where(_after(e.c.block_number, e.c.log_index, after))
        .order_by(e.c.block_number, e.c.log_index)
        .limit(limit)
    )
    return list(conn.execute(query))


def case_notifications(
    conn: Connection, address: str, after: tuple[int, int], limit: int
) -> list[Row]:
    """Court events of the cases `address` is a party to or holds a seat in, after position
    `after`, in chain order, at most `limit`: the case-wide ones (no `account`: rounds, periods,
    rulings, execution) and those naming `address` (drawn, its own commit and reveal, its
    evidence), never another juror's. court_case_events' columns with the case's `order_id`,
    `buyer`, `merchant` and `seated` (whether `address` holds a seat in it)."""
    ce = cm.CourtCaseEvent.__table__
    c = cm.CourtCaseRow.__table__
    v = cm.CourtVoteRow.__table__
    address = address.lower()
    seats = sa.select(v.c.court, v.c.case_id).where(v.c.juror == address).distinct().subquery()
    same_case = (c.c.court == ce.c.court) & (c.c.case_id == ce.c.case_id)
    seated = (seats.c.court == ce.c.court) & (seats.c.case_id == ce.c.case_id)
    query = (
        sa.select(
            ce,
            c.c.order_id,
            c.c.buyer,
            c.c.merchant,
            seats.c.case_id.is_not(None).label("seated"),
        )
        .join(c, same_case)
        .outerjoin(seats, seated)
        .where(sa.or_(c.c.buyer == address, c.c.merchant == address, seats.c.case_id.is_not(None)))
        .where(c.c.last_block >= after[0])
        .where(sa.or_(ce.c.account.is_(None), ce.c.account == address))
        .where(_after(ce.c.block_number, ce.c.log_index, after))
        .order_by(ce.c.block_number, ce.c.log_index)
        .limit(limit)
    )
    return list(conn.execute(query))


# ---------------------------------------------------------------------------- marketplace pages
#
# Keyset pagination: each page query takes the sort key of the last row of the previous page
# (`after`, as the row's `key` below gives it) and returns rows strictly after it, so pages never
# skip or repeat a row while new ones arrive. Callers wrap the key into an opaque cursor.

LISTING_SORTS = ("newest", "price", "price_desc", "success", "delivery", "score")
_ListingKey = tuple[int, Any, int]  # (value is NULL: 1, else 0), value, listing_id


def _listing_sort(sort: str) -> tuple[Any, Any, bool]:
    """(NULL flag, value, descending) of a listing sort (NULL values always sort last; the flag
    is None for a value that is never NULL)."""
    lt = m.ListingRow.__table__.c
    mt = m.MerchantRow.__table__.c
    unscored = sa.or_(mt.settled.is_(None), mt.settled == 0)
    choices: dict[str, tuple[Any, Any, bool]] = {
        "newest": (None, lt.listing_id, True),
        "price": (None, lt.price, False),
        "price_desc": (None, lt.price, True),
        "success": (sa.case((lt.success_7d_bps.is_(None), 1), else_=0), lt.success_7d_bps, True),
        "delivery": (sa.case((lt.latency_p95_s.is_(None), 1), else_=0), lt.latency_p95_s, False),
        "score": (sa.case((unscored, 1), else_=0), mt.score_bps, True),
    }
    if sort not in choices:
        raise ValueError(f"unknown sort {sort!r}: one of {', '.join(LISTING_SORTS)}")
    return choices[sort]


def _build_listing_select() -> Any:
    lt = m.ListingRow.__table__
    mt = m.MerchantRow.__table__
    return sa.select(
        lt, mt.c.score_bps.label("merchant_score_bps"), mt.c.settled.label("merchant_settled")
    ).select_from(lt.outerjoin(mt, mt.c.merchant == lt.c.merchant))


_LISTING_SELECT = _build_listing_select()  # built once: the API runs it on every page


def _listing_select() -> Any:
    return _LISTING_SELECT


def listing(conn: Connection, listing_id: int) -> Row | None:
    """One listing's row (projections/listings.py) with its merchant's `merchant_score_bps` and
    `merchant_settled` (None: the merchant has no row yet), or None when not indexed."""
    lt = m.ListingRow.__table__.c
    return conn.execute(_listing_select().where(lt.listing_id == listing_id)).first()


def listing_page(
    conn: Connection,
    *,
    sort: str = "newest",
    merchant: str | None = None,
    token: str | None = None,
    in_stock: bool | None = None,
    description_hashes: Collection[str] | None = None,
    after: _ListingKey | None = None,
    limit: int = 20,
) -> list[Row]:
    """A page of listings (rows as `listing` gives them) in `sort` order (LISTING_SORTS:
    newest first, cheapest, dearest, best 7-day success rate, fastest delivery p95, best
    merchant score; listings without the figure last, then by id), filtered by merchant, token,
    `in_stock` (active with stock on sale: True; the others: False) and description hashes
    (None: any). `listing_key(row, sort)` is a row's `after`."""
    lt = m.ListingRow.__table__.c
    flag, value, desc = _listing_sort(sort)
    query = _listing_select()
    if merchant is not None:
        query = query.where(lt.merchant == merchant.lower())
    if token is not None:
        query = query.where(lt.token == token.lower())
    if in_stock is not None:
        buyable = sa.and_(lt.active.is_(True), lt.stock_available > 0)
        query = query.where(buyable if in_stock else sa.not_(buyable))
    if description_hashes is not None:
        hashes = sorted({h.lower() for h in description_hashes})
        if not hashes:
            return []
        query = query.where(lt.description_hash.in_(hashes))
    if after is not None:
        query = query.where(_after_listing(after, flag, value, desc, sort))
    if sort == "newest":
        order = [lt.listing_id.desc()]
    else:
        by_value = value.desc() if desc else value.asc()
        order = [by_value, lt.listing_id] if flag is None else [flag, by_value, lt.listing_id]
    return list(conn.execute(query.order_by(*order).limit(limit)))


def _after_listing(key: _ListingKey, flag: Any, value: Any, desc: bool, sort: str) -> Any:
    lt = m.ListingRow.__table__.c
    null, last, lid = key
    if sort == "newest":
        return lt.listing_id < lid
    beyond = value < last if desc else value > last
    same = sa.and_(value == last, lt.listing_id > lid)
    if flag is None:
        return sa.or_(beyond, same)
    if null:  # the NULL tail: by id only
        return sa.and_(flag == 1, lt.listing_id > lid)
    return sa.or_(flag == 1, sa.and_(flag == 0, sa.or_(beyond, same)))


def listing_key(row: Row, sort: str) -> _ListingKey:
    """The `after` of `listing_page` for the page that follows `row`."""
    value = {
        "newest": row.listing_id,
        "price": row.price,
        "price_desc": row.price,
        "success": row.success_7d_bps,
        "delivery": row.latency_p95_s,
        "score": row.merchant_score_bps if row.merchant_settled else None,
    }[sort]
    return (1 if value is None else 0, value, row.listing_id)


def listing_tokens(conn: Connection) -> list[str]:
    """The tokens listings are priced in."""
    lt = m.ListingRow.__table__.c
    return list(conn.execute(sa.select(lt.token).distinct().order_by(lt.token)).scalars())


def merchant(conn: Connection, address: str) -> Row | None:
    """One merchant's record (projections/merchants.py), or None when it has none."""
    t = m.MerchantRow.__table__
    return conn.execute(sa.select(t).where(t.c.merchant == address.lower())).first()


_OrderKey = tuple[int, str, str]  # paid_block, basket or order id, order_id


def orders_page(
    conn: Connection,
    address: str,
    roles: Collection[str] = (BUYER, MERCHANT),
    statuses: Collection[str] | None = None,
    after: _OrderKey | None = None,
    limit: int = 20,
) -> list[Row]:
    """A page of `orders_of` (same order: newest first, a basket's orders together), after the
    order whose `order_key` is `after`."""
    t = m.OrderRow.__table__
    address = address.lower()
    sides = [{BUYER: t.c.buyer, MERCHANT: t.c.merchant}[role] == address for role in roles]
    if not sides:
        return []
    group = sa.func.coalesce(t.c.basket_id, t.c.order_id)
    query = sa.select(t).where(sa.or_(*sides))
    if statuses is not None:
        query = query.where(t.c.status.in_(list(statuses)))
    if after is not None:
        block, basket, oid = after
        query = query.where(
            sa.or_(
                t.c.paid_block < block,
                sa.and_(t.c.paid_block == block, group > basket),
                sa.and_(t.c.paid_block == block, group == basket, t.c.order_id > oid),
            )
        )
    query = query.order_by(t.c.paid_block.desc(), group, t.c.order_id).limit(limit)
    return list(conn.execute(query))


def order_key(row: Row) -> _OrderKey:
    return (row.paid_block, row.basket_id or row.order_id, row.order_id)


# ---------------------------------------------------------------------------- history by day


@dataclass(frozen=True)
class MerchantDay:
    """A merchant's figures on one UTC day (`day`: days since 1970-01-01)."""

    day: int
    sales: int  # orders paid that day
    settled: int  # orders that ended that day (Completed + Refunded + Split)
    completed: int
    refunded: int
    split: int
    disputes: int  # orders first disputed that day
    success_bps: int | None  # completed / settled of that day
    settled_to_date: int  # orders settled up to the end of the day (0: still unscored)
    score_bps: int  # the merchant's score (merchants.py) as it stood at the end of the day


def merchant_history(
    conn: Connection, address: str, first_day: int, last_day: int
) -> list[MerchantDay]:
    """One `MerchantDay` per UTC day from `first_day` to `last_day` (inclusive), from the orders
    of the index: a pure function of it. The score is the Wilson lower bound of all orders
    completed / settled up to the end of that day, so on the head's day it is `merchants`'
    `score_bps`."""

    o = m.OrderRow.__table__.c
    mine = o.merchant == address.lower()
    since, until = first_day * DAY, (last_day + 1) * DAY
    terminal = o.status.in_(TERMINAL)
    resolved_day = (o.resolved_time // DAY).label("day")
    counts: dict[int, dict[str, int]] = {}

    def add(day: int, **values: int) -> None:
        counts.setdefault(int(day), {}).update(values)

    for day, sales in conn.execute(
        sa.select((o.paid_time // DAY).label("day"), sa.func.count())
        .where(mine, o.paid_time >= since, o.paid_time < until)
        .group_by("day")
    ):
        add(day, sales=int(sales))
    for day, settled, completed, refunded, split in conn.execute(
        sa.select(
            resolved_day,
            sa.func.count(),
            count_if(o.status == "Completed"),
            count_if(o.status == "Refunded"),
            count_if(o.status == "Split"),
        )
        .where(mine, terminal, o.resolved_time >= since, o.resolved_time < until)
        .group_by("day")
    ):
        add(day, settled=int(settled), completed=int(completed), refunded=int(refunded),
            split=int(split))  # fmt: skip
    for day, disputes in conn.execute(
        sa.select((o.first_disputed_time // DAY).label("day"), sa.func.count())
        .where(mine, o.first_disputed_time >= since, o.first_disputed_time < until)
        .group_by("day")
    ):
        add(day, disputes=int(disputes))
    settled_before, completed_before = conn.execute(
        sa.select(sa.func.count(), count_if(o.status == "Completed")).where(
            mine, terminal, o.resolved_time < since
        )
    ).one()
    total_settled, total_completed = int(settled_before), int(completed_before)
    days = []
    for day in range(first_day, last_day + 1):
        c = counts.get(day, {})
        settled, completed = c.get("settled", 0), c.get("completed", 0)
        total_settled += settled
        total_completed += completed
        days.append(
            MerchantDay(
                day=day,
                sales=c.get("sales", 0),
                settled=settled,
                completed=completed,
                refunded=c.get("refunded", 0),
                split=c.get("split", 0),
                disputes=c.get("disputes", 0),
                success_bps=bps(completed, settled),
                settled_to_date=total_settled,
                score_bps=wilson_lower_bps(total_completed, total_settled),
            )
        )
    return days


def supplier_rows(conn: Connection, supplier: str) -> list[Row]:
    """The `suppliers` rows of one supplier tag (0x + 64 hex), one per merchant using it."""
    t = m.SupplierRow.__table__
    query = sa.select(t).where(t.c.supplier == supplier.lower()).order_by(t.c.merchant)
    return list(conn.execute(query))


@dataclass(frozen=True)
class SupplierDay:
    day: int
    delivered: int  # units of the supplier delivered that day
    disputed: int  # of those, disputed while the buyer held them
    bad_keys: int  # of those, attested invalid or redeemed by a verifier
    misdeliveries: int  # of those, proven not as committed


def supplier_history(
    conn: Connection, supplier: str, first_day: int, last_day: int
) -> list[SupplierDay]:
    """One `SupplierDay` per UTC day of delivery from `first_day` to `last_day` (inclusive):
    what became of the units the supplier provided, by the day they were delivered."""

    d = m.OrderDelivery.__table__.c
    day = (d.block_time // DAY).label("day")
    rows = conn.execute(
        sa.select(
            day,
            sa.func.count(),
            count_if(d.disputed),
            count_if(d.verdict.in_(BAD_VERDICTS)),
            count_if(d.misdelivery_fault.is_not(None)),
        )
        .where(
            d.supplier == supplier.lower(),
            d.block_time >= first_day * DAY,
            d.block_time < (last_day + 1) * DAY,
        )
        .group_by("day")
    )
    found = {int(r[0]): [int(v) for v in r[1:]] for r in rows}
    return [
        SupplierDay(day, *found.get(day, (0, 0, 0, 0))) for day in range(first_day, last_day + 1)
    ]


# ---------------------------------------------------------------------------- platform


@dataclass(frozen=True)
class TierHandling:
    tier: int
    cases: int
    median_s: int | None  # nearest-rank percentiles of handling_s (projections/tiers.py)
    p95_s: int | None


def tier_handling(conn: Connection) -> list[TierHandling]:
    """After-sales cases per tier (1, 2, 3) with the median and p95 handling time, read off the
    (tier, handling_s) index."""

    o = m.OrderRow.__table__.c
    counts = dict(
        conn.execute(
            sa.select(o.tier, sa.func.count()).where(o.tier.is_not(None)).group_by(o.tier)
        ).all()
    )
    found = []
    for tier in TIERS:
        n = int(counts.get(tier, 0))
        found.append(
            TierHandling(
                tier,
                n,
                ranked_value(conn, o.handling_s, nearest_rank(n, 50), o.tier == tier),
                ranked_value(conn, o.handling_s, nearest_rank(n, 95), o.tier == tier),
            )
        )
    return found
