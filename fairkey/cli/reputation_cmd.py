"""`fairkey index show …` and `fairkey index order ORDER`: the reputation tables as people read
them — what a buyer checks before paying, a merchant before delivering, an operator daily.

Read-only: the tables come from `fairkey index run|backfill` (make up runs the indexer); every
query is in indexer/queries.py, this module only formats. Registered on the `index`
sub-app in fairkey/cli/index_cmd.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fairkey.chain.types import order_ref
from fairkey.cli.context import state
from fairkey.cli.db_urls import first_line_of, without_password
from fairkey.cli.errors import CliError
from fairkey.cli.lookup import ORDER_HELP, parse_order_id
from fairkey.cli.output import fields, say, table

if TYPE_CHECKING:
    from sqlalchemy import Connection

# SQLAlchemy and indexer.queries are imported where a table is read: `fairkey --help` and the
# commands that never open the index load neither.

TOP = 20  # rows shown per table unless --limit says otherwise


class View(StrEnum):
    merchants = "merchants"
    listings = "listings"
    alerts = "alerts"
    suppliers = "suppliers"
    buyers = "buyers"
    arbitrators = "arbitrators"
    platform = "platform"


# ---------------------------------------------------------------------------- formatting


def pct(bps: int | None) -> str:
    return "—" if bps is None else f"{bps / 100:.1f}%"


def score(row: Any) -> str:
    """A merchant's score; "—" while it has no settled order (unscored, not 0%)."""
    return pct(row.score_bps) if row.settled else "—"


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds} s"


def when(timestamp: int | None) -> str:
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def tag(supplier: str | None) -> str:
    """A bytes32 supplier tag as the text the merchant gave it (else its hex)."""
    if not supplier:
        return "—"
    raw = bytes.fromhex(supplier.removeprefix("0x")).rstrip(b"\0")
    try:
        return raw.decode() or "(untagged)"
    except UnicodeDecodeError:
        return supplier


def short(address: str) -> str:
    return f"{address[:8]}…{address[-4:]}"


# ---------------------------------------------------------------------------- reading


@contextmanager
def index_reader(ctx: typer.Context, db: str | None) -> Iterator[Connection]:
    """A read connection on the index (`--db`, FAIRKEY_INDEX_DB_URL or the data folder's
    SQLite); its failures become one-line messages."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from indexer import queries

    url = state(ctx).settings.index_db(db)
    try:
        engine = create_engine(url)
    except ArgumentError as exc:
        raise CliError(f"not a database URL: {url} ({exc})") from None
    try:
        with engine.connect() as conn:
            if not queries.is_indexed(conn):
                raise CliError(
                    "nothing indexed yet: run `fairkey index backfill` (make up runs the indexer)"
                )
            yield conn
    except SQLAlchemyError as exc:
        raise CliError(
            f"cannot read the index database {without_password(url)}: {first_line_of(exc)}"
        ) from None
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- views


def _merchants(conn: Connection, limit: int) -> None:
    from indexer import queries

    rows = queries.merchants(conn, limit)
    table(
        "merchants (score: 95% Wilson lower bound of completed / settled escrow orders)",
        ["merchant", "score", "settled", "completed", "disputed", "proven faults", "L1/L2/L3"],
        [
            [
                r.merchant,
                score(r),
                str(r.settled),
                pct(r.completion_bps),
                pct(r.dispute_bps),
                f"{r.faults_proven} (misdelivery {r.faults_misdelivery}, late "
                f"{r.faults_late}, silent {r.faults_silent})",
                f"{r.l1_cases}/{r.l2_cases}/{r.l3_cases}",
            ]
            for r in rows
        ],
    )


def _listings(conn: Connection, limit: int) -> None:
    from indexer import queries

    rows = queries.listings(conn, limit)
    table(
        "listings",
        [
            "id",
            "merchant",
            "sales",
            "stock",
            "7d success",
            "30d success",
            "delivery p50/p95",
            "after-sales 7d (baseline)",
        ],  # fmt: skip
        [
            [
                str(r.listing_id),
                short(r.merchant),
                f"{r.sales} ({r.sales_7d} in 7d)",
                str(r.stock_available),
                pct(r.success_7d_bps),
                pct(r.success_30d_bps),
                f"{duration(r.latency_p50_s)} / {duration(r.latency_p95_s)}",
                f"{pct(r.after_sales_7d_bps)} ({pct(r.baseline_after_sales_bps)})",
            ]
            for r in rows
        ],
    )


def _alerts(conn: Connection, limit: int) -> None:
    from indexer import queries

    rows = queries.alerts(conn, limit)
    table(
        "after-sales alerts (7-day rate ≥ 10% and ≥ 3× its 28-day baseline, ≥ 20 orders each)",
        ["listing", "since", "until", "rate", "baseline", "peak"],
        [
            [
                str(r.listing_id),
                str(r.since_day),
                str(r.until_day) if r.until_day else "ongoing",
                f"{pct(r.rate_bps)} ({r.disputed}/{r.delivered})",
                f"{pct(r.baseline_bps)} ({r.baseline_disputed}/{r.baseline_delivered})",
                pct(r.peak_rate_bps),
            ]
            for r in rows
        ],
    )


def _suppliers(conn: Connection, limit: int) -> None:
    from indexer import queries

    rows = queries.suppliers(conn, limit)
    table(
        "suppliers (from the tag of each stock batch)",
        [
            "merchant",
            "supplier",
            "units",
            "delivered",
            "disputes",
            "bad keys (verifier)",
            "misdeliveries",
        ],  # fmt: skip
        [
            [
                short(r.merchant),
                tag(r.supplier),
                f"{r.units_committed} ({r.units_revoked} revoked)",
                str(r.units_delivered),
                str(r.disputes),
                str(r.bad_keys),
                str(r.misdeliveries),
            ]
            for r in rows
        ],
    )


def _buyers(conn: Connection, limit: int) -> None:
    from indexer import queries

    rows = queries.buyers(conn, limit)
    table(
        "buyers (disputes lost: withdrawn, or ruled for the merchant)",
        ["buyer", "orders", "disputed", "lost", "refunds won", "misdeliveries proven"],
        [
            [
                r.buyer,
                str(r.orders),
                str(r.disputed_orders),
                str(r.disputes_lost),
                str(r.refunds_won),
                str(r.misdeliveries_proven),
            ]
            for r in rows
        ],
    )


def _arbitrators(conn: Connection, limit: int) -> None:
    from indexer import queries

    rows = queries.arbitrators(conn, limit)
    table(
        "arbitrators",
        [
            "arbitrator",
            "cases",
            "open",
            "ruled (refund/pay/split)",
            "timed out",
            "ended by proof",
            "time to ruling (median)",
        ],  # fmt: skip
        [
            [
                r.arbitrator,
                str(r.cases),
                str(r.open),
                f"{r.ruled} ({r.refund_rulings}/{r.pay_rulings}/{r.split_rulings})",
                str(r.timed_out),
                str(r.ended_by_proof),
                duration(r.ruling_median_s),
            ]
            for r in rows
        ],
    )


def _platform(conn: Connection, _limit: int) -> None:
    from indexer import queries

    stats = queries.platform_stats(conn)
    head = queries.projection_state(conn)
    rows: list[tuple[str, str]] = []
    if "head_block" in head:
        rows.append(("as of block", f"{head['head_block']} ({when(head['head_time'])} UTC)"))
    rows.append(
        (
            "orders",
            f"{stats.get('orders', 0)} ({stats.get('open', 0)} open, "
            f"{stats.get('completed', 0)} completed, {stats.get('refunded', 0)} "
            f"refunded, {stats.get('split', 0)} split)",
        )  # fmt: skip
    )
    rows.append(("after-sales cases", str(stats.get("cases", 0))))
    for tier, what in (("l1", "rule, no human"), ("l2", "merchant"), ("l3", "court")):
        rows.append(
            (
                f"  {tier.upper()} ({what})",
                f"{stats.get(f'cases_{tier}', 0)} = {pct(stats.get(f'share_{tier}_bps'))}, "
                f"handled in {duration(stats.get(f'handling_{tier}_median_s'))} median, "
                f"{duration(stats.get(f'handling_{tier}_avg_s'))} mean",
            )
        )
    rows.append(
        (
            "faults",
            f"supplier {stats.get('faults_supplier', 0)}, merchant "
            f"{stats.get('faults_merchant', 0)} (supplier share "
            f"{pct(stats.get('faults_supplier_bps'))})",
        )
    )
    fields("platform", rows)


VIEWS: dict[View, Callable[[Connection, int], None]] = {
    View.merchants: _merchants,
    View.listings: _listings,
    View.alerts: _alerts,
    View.suppliers: _suppliers,
    View.buyers: _buyers,
    View.arbitrators: _arbitrators,
    View.platform: _platform,
}


def show(
    ctx: typer.Context,
    view: Annotated[View, typer.Argument(help="Which table.")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL (as `index run`).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to show.")] = TOP,
) -> None:
    """Reputation tables: merchants, listings, alerts, suppliers, buyers, arbitrators, platform."""
    with index_reader(ctx, db) as conn:
        VIEWS[view](conn, limit)


def order(
    ctx: typer.Context,
    order_text: Annotated[str, typer.Argument(metavar="ORDER", help=ORDER_HELP)],
    db: Annotated[str | None, typer.Option("--db", help="Database URL (as `index run`).")] = None,
) -> None:
    """An order's truthful timeline: every state the chain recorded, with block, time and tx."""
    from indexer import queries

    try:
        order_id = parse_order_id(order_text)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with index_reader(ctx, db) as conn:
        found = queries.order_history(conn, order_id)
    if found is None:
        raise CliError(f"order {order_ref(order_id)} is not in the index (not paid yet?)")
    row, events = found.order, found.timeline
    fields(
        f"order {order_ref(order_id)}",
        [
            ("status", row.status),
            ("listing", str(row.listing_id)),
            ("deliveries", str(row.deliveries)),
            ("after-sales tier", f"L{row.tier}" if row.tier else "—"),
        ],
    )
    table(
        "timeline",
        ["block", "time (UTC)", "event", "detail", "status after", "tx"],
        [
            [str(e.block_number), when(e.block_time), e.event, e.detail or "", e.status, e.tx_hash]
            for e in events
        ],
    )
    say("")
