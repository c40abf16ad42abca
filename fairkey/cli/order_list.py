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

from fairkey.chain.types import OrderStatus
from fairkey.cli.context import AppState, state
from fairkey.cli.errors import CliError
from fairkey.cli.output import say, table
from fairkey.cli.reputation_cmd import index_reader, when
from fairkey.cli.tokens import ETHER, Token
from fairkey.units import format_amount, relative
from indexer import queries
from indexer.projections.names import ORDER_STATUS

TOP = 50  # orders shown per table unless --limit says otherwise


class Role(enum.StrEnum):
    buyer = queries.BUYER
    merchant = queries.MERCHANT


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
        if self is StatusChoice.open:
            return queries.OPEN_STATUSES
        return (ORDER_STATUS[OrderStatus[self.name.upper()]],)


# What the order's deadline ends in each open state, and who acts next, per role: before the
# deadline, and after it (when anyone may enforce the rule).
_PHASE = {
    "Paid": ("deliver by", "deliver", "wait for delivery", "refund-late"),
    "Delivered": ("confirm by", "wait for the buyer", "order show, then confirm or dispute",
                  "settle"),
    "Disputed": ("answer by", "respond refund|replace|contest",
                 "wait for the merchant (key-invalid: verify)", "refund-late"),
    "VerifierRefundPending": ("appeal by", "respond replace|contest, or let it refund",
                              "wait: refunded after the appeal window", "refund-late"),
    "Arbitrating": ("court by", "the court decides", "the court decides",
                    "split (the keeper does it)"),
}  # fmt: skip


def _status(name: str) -> str:
    """The status as `order show` prints it (PAID, DELIVERED, …)."""
    try:
        return OrderStatus(ORDER_STATUS.index(name)).name
    except ValueError:
        return name


def _deadline(row: Any, now: int) -> str:
    phase = _PHASE.get(row.status)
    if phase is None or row.deadline is None:
        return "—"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(row.deadline))
    rest = relative(row.deadline, now) if row.deadline >= now else "passed"
    return f"{phase[0]} {stamp} ({rest})"


def _next(row: Any, role: str, now: int) -> str:
    phase = _PHASE.get(row.status)
    if phase is None:
        return "—"
    if row.deadline is not None and now > row.deadline:
        return f"anyone: {phase[3]}"
    return phase[1] if role == queries.MERCHANT else phase[2]


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
    app = state(ctx)
    me = app.account.address
    statuses = None
    if status:
        statuses = sorted({name for choice in status for name in choice.index_names})
    with index_reader(ctx, db) as conn:
        roles = [as_.value] if as_ is not None else sorted(queries.roles_of(conn, me))
        found = {role: queries.orders_of(conn, me, [role], statuses, limit) for role in roles}
        head = queries.projection_state(conn)
    as_of = f"index at block {head['head_block']}" if "head_block" in head else "index"
    if not roles:
        say(f"no orders of {me} in the {as_of}: buy with `fairkey buy LISTING`")
        return
    now = _chain_now(app, head.get("head_time"))
    prices = _Prices(app)
    for role in roles:
        rows = found[role]
        other = "merchant" if role == queries.BUYER else "buyer"
        title = f"orders of {me} as {role} ({as_of}; newest first)"
        if not rows:
            filtered = " with that status" if statuses is not None else ""
            say(f"no orders of {me} as {role}{filtered} in the {as_of}")
            continue
        table(
            title,
            ["order", "listing", "price", "status", "deadline", "next", other, "paid (UTC)"],
            [
                [
                    to_checksum_address(r.order_id),
                    str(r.listing_id),
                    prices.show(r.token, r.price),
                    _status(r.status),
                    _deadline(r, now),
                    _next(r, role, now),
                    to_checksum_address(r.merchant if role == queries.BUYER else r.buyer),
                    when(r.paid_time),
                ]
                for r in rows
            ],
        )
        if len(rows) == limit:
            say(f"(the newest {limit} shown: --limit N shows more)")
