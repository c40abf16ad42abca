"""`fairkey index show …` and `fairkey index order ORDER`: the reputation tables as people read
them — what a buyer checks before paying, a merchant before delivering, an operator daily.

Read-only: the tables come from `fairkey index run|backfill` (make up runs the indexer); every
query is in indexer/queries.py, this module only formats. Registered on the `index`
sub-app in fairkey/cli/index_cmd.py.
"""

from __future__ import annotations

from collections.abc import Iterator
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

# SQLAlchemy and indexer.queries are imported where the index is read (the tables themselves:
# fairkey/cli/reputation_views.py): `fairkey --help` and the commands without an index load neither.

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


def show(
    ctx: typer.Context,
    view: Annotated[View, typer.Argument(help="Which table.")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL (as `index run`).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to show.")] = TOP,
) -> None:
    """Reputation tables: merchants, listings, alerts, suppliers, buyers, arbitrators, platform."""
    from fairkey.cli.reputation_views import VIEWS

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
