"""`fairkey order show`, and the deadline actions anyone may run: `settle`, `refund-late`."""

from __future__ import annotations

from typing import Annotated

import typer

from fairkey.chain.types import Order, OrderStatus, order_ref
from fairkey.cli import order_actions, order_list, phases
from fairkey.cli.context import AppState, state
from fairkey.cli.errors import CliError
from fairkey.cli.lookup import (
    OrderArg,
    basket_orders,
    check_marks,
    existing_order,
    open_as_buyer,
)
from fairkey.cli.output import err, fields, ok, out, say, table
from fairkey.flows.baskets import Basket
from fairkey.flows.buyer import NotDelivered
from fairkey.units import format_deadline

app = typer.Typer(help="Inspect orders: one on chain (show), yours from the index (list).",
                  no_args_is_help=True)  # fmt: skip

# What the order's deadline means in each state.
_DEADLINE_NAMES = {
    OrderStatus.PAID: "delivery deadline",
    OrderStatus.DELIVERED: "confirm deadline",
    OrderStatus.DISPUTED: "merchant must answer by",
    OrderStatus.VERIFIER_REFUND_PENDING: "appeal deadline",
    OrderStatus.ARBITRATING: "court timeout",
}


@app.command("show")
def show(
    ctx: typer.Context,
    order_id: OrderArg,
    basket: Annotated[
        bool,
        typer.Option(
            "--basket",
            help="ORDER is any order of a basket: one row per order of it (status, deadline, "
            "next step; the buyer's keys), and the basket's total.",
        ),
    ] = False,
) -> None:
    """Status, price and deadlines; the buyer also sees the key, checked against its commitment."""
    app_state = state(ctx)
    order = existing_order(app_state, order_id)
    if basket:
        found, _ = basket_orders(app_state, order_id, "showing")
        if found is not None:
            _show_basket(app_state, found)
            return
    reader = app_state.reader
    listing = reader.listing(order.listing_id)
    token = app_state.tokens.get(listing.token)
    now = app_state.chain_now()
    rows = [
        ("status", order.status.name),
        ("listing", str(order.listing_id)),
        ("price", token.show(reader.price_of(order_id))),
        ("buyer", order.buyer),
        ("merchant", listing.merchant),
    ]
    if order.status in _DEADLINE_NAMES:
        rows.append((_DEADLINE_NAMES[order.status], format_deadline(order.deadline, now)))
    rows.append(("deliveries", str(order.deliveries)))
    for event in reader.events("KeyDelivered", orderId=order_id):  # from the deployment block
        a = event.args
        rows.append(
            (
                f"  delivery {a['deliveryNo']}",
                f"unit {a['unitIndex']} of batch 0x{a['root'].hex()[:12]}…, fingerprint "
                f"0x{a['fingerprint'].hex()[:12]}…, block {event.block_number}",
            )
        )
    fields(f"order {order_ref(order_id)}", rows)
    account = app_state.maybe_account
    if account is not None and account.address == order.buyer and order.deliveries:
        _show_key(app_state, order_id)
    order_actions.show(app_state, order_id, order, listing, now)


app.command("list")(order_list.list_orders)


def _show_basket(app_state: AppState, basket: Basket) -> None:
    """`order show --basket`: the basket's facts, then one row per order."""
    reader = app_state.reader
    listing = reader.listing(basket.listing_id)
    token = app_state.tokens.get(listing.token)
    now = app_state.chain_now()
    orders = {oid: reader.order(oid) for oid in basket.order_ids}
    account = app_state.maybe_account
    me = account.address if account is not None else None
    role = phases.MERCHANT if me == listing.merchant else phases.BUYER
    keys = len(basket.order_ids)
    fields(
        f"basket {order_ref(basket.basket_id)}",
        [
            ("keys", f"{keys} · {phases.status_summary(o.status for o in orders.values())}"),
            ("listing", str(basket.listing_id)),
            ("total", f"{token.show(basket.total)} ({keys} × {token.show(basket.total // keys)})"),
            ("buyer", basket.buyer),
            ("merchant", listing.merchant),
            ("paid in", f"transaction {basket.tx_hash}, block {basket.block_number}"),
        ],
    )
    columns = ["order", "status", "deadline", "next"]
    rows = [
        [
            order_ref(oid),
            o.status.name,
            phases.deadline_text(o.status, o.deadline, now),
            phases.next_step(o.status, o.deadline, role, now),
        ]
        for oid, o in orders.items()
    ]
    bad: list[int] = []
    if me == basket.buyer:  # the buyer also reads each delivered key, checked
        columns.append("your key")
        for row, (oid, o) in zip(rows, orders.items(), strict=True):
            row.append(_key_cell(app_state, oid, o, bad))
    table(f"orders of basket {order_ref(basket.basket_id)}", columns, rows)
    for oid in bad:
        err.print(
            f"[bold red]THE KEY OF {order_ref(oid)} DOES NOT CHECK OUT[/]: do not use it; "
            f"`fairkey order show {order_ref(oid)}` says what to do"
        )
    delivered = sum(o.status is OrderStatus.DELIVERED for o in orders.values())
    if me == basket.buyer and delivered:
        say(
            f"next: fairkey confirm {order_ref(basket.basket_id)} --basket confirms the "
            f"{delivered} delivered order(s) whose key checks out, in one transaction"
        )


def _key_cell(app_state: AppState, order_id: int, order: Order, bad: list[int]) -> str:
    """The buyer's decrypted key with its check, "—" before delivery."""
    if not order.deliveries:
        return "—"
    try:
        opened, _ = open_as_buyer(app_state, order_id)
    except NotDelivered:
        return "—"
    if not opened.check.ok:
        bad.append(order_id)
        return f"✗ does not check out ({check_marks(opened)})"
    return f"✓ {opened.key_text}"


def _show_key(app_state: AppState, order_id: int) -> None:
    try:
        opened, _ = open_as_buyer(app_state, order_id)
    except NotDelivered:
        return
    check = opened.check
    if check.key is not None:
        out.print("[bold]your key:[/bold] ", end="")
        say(opened.key_text or "")
    if check.ok:
        out.print(
            f"[bold green]{check_marks(opened)}[/bold green] — the key is exactly what the "
            "merchant committed"
        )
        return
    err.print(
        f"[bold red]THE DELIVERED KEY DOES NOT CHECK OUT: {check_marks(opened)}"
        + ("" if check.provable_misdelivery else ", key not in canonical form")
        + "[/]"
    )
    if check.provable_misdelivery:
        err.print(
            f"Do not use or confirm it. Prove it on chain (refund + the key's bond): "
            f"[bold]fairkey prove {order_ref(order_id)}[/bold]"
        )
    else:
        err.print(
            f"Dispute it: [bold]fairkey dispute {order_ref(order_id)} --reason wrong-content[/bold]"
        )


def settle(ctx: typer.Context, order_id: OrderArg) -> None:
    """After the confirm window passed without a dispute, pay the merchant (anyone may run it)."""
    app_state = state(ctx)
    order = existing_order(app_state, order_id)
    if order.status is not OrderStatus.DELIVERED:
        raise CliError(
            f"order {order_ref(order_id)} is {order.status.name}; only a DELIVERED order settles"
        )
    _not_before(app_state, order_id, order.deadline, "confirm window")
    args = app_state.client.settle(order_id).event("OrderCompleted").args
    token = app_state.tokens.get(app_state.reader.listing(order.listing_id).token)
    ok(
        f"order {order_ref(order_id)} settled: the merchant is credited "
        f"{token.show(args['merchantAmount'])}"
    )


def refund_late(ctx: typer.Context, order_id: OrderArg) -> None:
    """Refund the buyer when the merchant missed a deadline (anyone may run it).

    PAID past the delivery deadline, DISPUTED past the response window, or a verifier's verdict
    past its appeal window.
    """
    app_state = state(ctx)
    order = existing_order(app_state, order_id)
    client = app_state.client
    if order.status is OrderStatus.PAID:
        _not_before(app_state, order_id, order.deadline, "delivery window")
        result = client.refund_undelivered(order_id)
    elif order.status is OrderStatus.DISPUTED:
        _not_before(app_state, order_id, order.deadline, "merchant's response window")
        result = client.refund_unanswered(order_id)
    elif order.status is OrderStatus.VERIFIER_REFUND_PENDING:
        _not_before(app_state, order_id, order.deadline, "appeal window")
        result = client.execute_verifier_refund(order_id)
    else:
        raise CliError(
            f"order {order_ref(order_id)} is {order.status.name}: no late refund "
            "applies (PAID, DISPUTED or VERIFIER_REFUND_PENDING only)"
        )
    args = result.event("OrderRefunded").args
    token = app_state.tokens.get(app_state.reader.listing(order.listing_id).token)
    ok(
        f"order {order_ref(order_id)} refunded: the buyer is credited "
        f"{token.show(args['buyerAmount'])} (compensation {token.show(args['compensation'])})"
    )


def _not_before(app_state: AppState, order_id: int, deadline: int, what: str) -> None:
    now = app_state.chain_now()
    if now <= deadline:
        raise CliError(
            f"order {order_ref(order_id)}: the {what} is still open until "
            f"{format_deadline(deadline, now)}"
        )
