"""`fairkey order list`: the signing account's orders — bought, sold, or both — from the index,
with their status, the deadline of the current phase and what can be done next.

The rows come from the index (`fairkey index run`, which make up runs), read through
indexer/queries.py; deadlines are compared with the chain's clock (the index's head time
when the node does not answer). Registered on the `order` sub-app in fairkey/cli/orders.py.
"""

from __future__ import annotations

import enum
import time
from typing import Annotated, Any

import requests
import typer
from eth_utils import to_checksum_address
from web3.exceptions import Web3Exception

from fairkey.chain.types import OrderStatus, order_id_hex
from fairkey.cli import phases
from fairkey.cli.context import AppState, state
from fairkey.cli.errors import CliError
from fairkey.cli.output import say, table
from fairkey.cli.reputation_cmd import index_reader, when
from fairkey.cli.tokens import ETHER, Token
from fairkey.flows.actions import Role as Side
from fairkey.units import format_amount

# indexer.queries and indexer.projections bring SQLAlchemy and every projection: imported where
# the index is read, not by `fairkey --help` nor the other order commands.

TOP = 50  # orders shown per table unless --limit says otherwise
_ONE_BASKET = 100  # the escrow's MAX_BASKET: the most a basket cut by --limit adds to a page


class Role(enum.StrEnum):
    """The sides an account has orders on, by the SDK's names (the index's too)."""

    buyer = Side.BUYER.value
    merchant = Side.MERCHANT.value


class StatusChoice(enum.StrEnum):
    open = "open"  # every status that is not final
    paid = "paid"
    delivered = "delivered"
    disputed = "disputed"
    verifier_refund_pending = "verifier-refund-pending"
    arbitrating = "arbitrating"
    completed = "completed"
    refunded = "refunded"
    split = "split"

    @property
    def index_names(self) -> tuple[str, ...]:
        """The Solidity names the index stores for this choice."""
        from indexer.projections.names import ORDER_STATUS
        from indexer.queries import OPEN_STATUSES

        if self is StatusChoice.open:
            return OPEN_STATUSES
        return (ORDER_STATUS[OrderStatus[self.name.upper()]],)


def _status(name: str) -> OrderStatus | None:
    """The SDK's status of an index row's Solidity name (None for a name this build lacks)."""
    from indexer.projections.names import ORDER_STATUS

    try:
        return OrderStatus(ORDER_STATUS.index(name))
    except ValueError:
        return None


def _status_text(name: str) -> str:
    """The status as `order show` prints it (PAID, DELIVERED, …)."""
    status = _status(name)
    return status.name if status is not None else name


def _deadline(row: Any, now: int) -> str:
    status = _status(row.status)
    return "—" if status is None else phases.deadline_text(status, row.deadline, now)


def _next(row: Any, role: str, now: int) -> str:
    status = _status(row.status)
    return "—" if status is None else phases.next_step(status, row.deadline, role, now)


def _basket(row: Any) -> str | None:
    """The row's basket (its first order's id, 0x + 40 hex), None for an order paid alone."""
    value = row.basket_id
    if value is None:
        return None
    return order_id_hex(value) if isinstance(value, int) else str(value).lower()


def newest(rows: list[Any], limit: int) -> tuple[list[Any], bool]:
    """The newest `limit` orders of `rows` (newest first), plus the rest of every basket they
    reach into, so a basket is never cut in two; and whether `rows` holds more beyond them."""
    taken = rows[:limit]
    reached = {b for b in map(_basket, taken) if b is not None}
    shown = taken + [r for r in rows[limit:] if _basket(r) in reached]
    return shown, len(rows) > len(shown)


def grouped(rows: list[Any]) -> list[tuple[str | None, list[Any]]]:
    """(basket id, its rows) per basket, where its newest order stands, and (None, [row]) for
    each order paid alone: the table's entries in order."""
    entries: list[tuple[str | None, list[Any]]] = []
    baskets: dict[str, list[Any]] = {}
    for row in rows:
        basket = _basket(row)
        if basket is None:
            entries.append((None, [row]))
        elif basket in baskets:
            baskets[basket].append(row)
        else:
            baskets[basket] = [row]
            entries.append((basket, baskets[basket]))
    return entries


def _page(
    conn: Any, me: str, role: str, statuses: list[str] | None, limit: int
) -> tuple[list[Any], bool]:
    """`newest(…, limit)` of `me`'s orders as `role`: the index lists a basket's orders
    together, so once a row beyond the page is read, the basket the page ends in is whole."""
    from indexer import queries

    fetch = limit + _ONE_BASKET
    while True:
        rows = queries.orders_of(conn, me, [role], statuses, fetch)
        shown, more = newest(rows, limit)
        if more or len(rows) < fetch:
            return shown, more
        fetch *= 2


class _Prices:
    """Amounts in their token's units: ETH always; an ERC-20 by asking the chain once (raw
    base units when the node does not answer)."""

    def __init__(self, app: AppState) -> None:
        self._app = app
        self._tokens: dict[str, Token | None] = {ETHER.address.lower(): ETHER}

    def show(self, token: str, amount: int) -> str:
        if token not in self._tokens:
            try:
                self._tokens[token] = self._app.tokens.get(token)
            except (CliError, requests.RequestException, Web3Exception, ValueError):
                self._tokens[token] = None
        known = self._tokens[token]
        if known is None:
            return f"{amount} units of {token}"
        return format_amount(amount, known.decimals, known.symbol)


def _chain_now(app: AppState, head_time: int | None) -> int:
    """The chain's clock (deadlines are the escrow's), else the index head's time."""
    try:
        return app.chain_now()
    except (requests.RequestException, Web3Exception, OSError):
        return head_time if head_time is not None else int(time.time())


def list_orders(
    ctx: typer.Context,
    as_: Annotated[
        Role | None,
        typer.Option(
            "--as",
            help="Your orders as buyer or as merchant (default: every side the signing account "
            "has orders on).",
            show_default=False,
        ),
    ] = None,
    status: Annotated[
        list[StatusChoice] | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Only orders in this state (repeatable): "
            + ", ".join(choice.value for choice in StatusChoice)
            + " (open: not yet completed, refunded or split).",
            show_default=False,
        ),
    ] = None,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (as `index run`).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Orders shown per side.")] = TOP,
) -> None:
    """Your orders from the index, newest first: status, deadline, and what can be done next.

    Signs nothing; the account (--dev-account N or FAIRKEY_PRIVATE_KEY) says whose orders."""
    from indexer import queries

    app = state(ctx)
    me = app.account.address
    statuses = None
    if status:
        statuses = sorted({name for choice in status for name in choice.index_names})
    with index_reader(ctx, db) as conn:
        roles = [as_.value] if as_ is not None else sorted(queries.roles_of(conn, me))
        found = {role: _page(conn, me, role, statuses, limit) for role in roles}
        head = queries.projection_state(conn)
    as_of = f"index at block {head['head_block']}" if "head_block" in head else "index"
    if not roles:
        say(f"no orders of {me} in the {as_of}: buy with `fairkey buy LISTING`")
        return
    now = _chain_now(app, head.get("head_time"))
    prices = _Prices(app)
    for role in roles:
        rows, more = found[role]
        other = "merchant" if role == Role.buyer else "buyer"
        title = f"orders of {me} as {role} ({as_of}; newest first)"
        if not rows:
            filtered = " with that status" if statuses is not None else ""
            say(f"no orders of {me} as {role}{filtered} in the {as_of}")
            continue

        def line(r: Any, order: str, role: str = role) -> list[str]:
            return [
                order,
                str(r.listing_id),
                prices.show(r.token, r.price),
                _status_text(r.status),
                _deadline(r, now),
                _next(r, role, now),
                to_checksum_address(r.merchant if role == Role.buyer else r.buyer),
                when(r.paid_time),
            ]

        lines: list[list[str]] = []
        for basket, members in grouped(rows):
            if basket is None:
                lines.append(line(members[0], to_checksum_address(members[0].order_id)))
                continue
            lines.append(_basket_line(basket, members, line, prices))
            lines += [line(r, f" └ {to_checksum_address(r.order_id)}") for r in members]
        table(
            title,
            ["order", "listing", "price", "status", "deadline", "next", other, "paid (UTC)"],
            lines,
        )
        if more:
            say(f"(the newest {len(rows)} shown: --limit N shows more)")


def _basket_line(basket: str, members: list[Any], line: Any, prices: _Prices) -> list[str]:
    """The group line over a basket's orders: its id, how many keys, their states, the total."""
    first = members[0]
    statuses = [s for s in map(_status, (r.status for r in members)) if s is not None]
    keys = f"{len(members)} key{'s' if len(members) != 1 else ''}"
    cells = line(first, f"basket {to_checksum_address(basket)}")
    cells[2] = prices.show(first.token, sum(r.price for r in members))
    cells[3] = f"{keys} · {phases.status_summary(statuses)}"
    cells[4] = cells[5] = ""
    return cells
