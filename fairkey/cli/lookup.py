"""Finding things on chain for commands: orders, listings, the buyer's per-order key."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import (
    ORDER_ID_FORMAT,
    Listing,
    Order,
    OrderStatus,
    order_ref,
    parse_order_ref,
)
from fairkey.cli.context import AppState
from fairkey.cli.errors import CliError
from fairkey.cli.output import err
from fairkey.crypto.order_keys import OrderKey, derive_order_key, seed_from_account
from fairkey.flows.baskets import Basket, basket_of
from fairkey.flows.buyer import OpenedDelivery, open_delivery, order_key_for

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


ORDER_HELP = f"Order id, {ORDER_ID_FORMAT}."


def parse_order_id(text: str) -> int:
    """An order id typed by a person (the SDK's one rule, `chain.types.parse_order_ref`)."""
    return parse_order_ref(text)


def parse_order_arg(text: str) -> int:
    """`parse_order_id` for a command argument: a usage error (exit 2) on a bad id."""
    try:
        return parse_order_id(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


OrderArg = Annotated[
    int,
    typer.Argument(parser=parse_order_arg, metavar="ORDER", help=ORDER_HELP),
]
ListingArg = Annotated[int, typer.Argument(min=1, metavar="LISTING", help="Listing id.")]


def existing_order(app: AppState, order_id: int) -> Order:
    order = app.reader.order(order_id)
    if order.status is OrderStatus.NONE:
        raise ContractRevert("EscrowUnknownOrder", {"orderId": order_id})
    return order


def existing_listing(app: AppState, listing_id: int) -> Listing:
    listing = app.reader.listing(listing_id)
    if int(listing.merchant, 16) == 0:
        raise ContractRevert("EscrowUnknownListing", {"listingId": listing_id})
    return listing


def basket_orders(
    app: AppState, order_id: int, doing: str
) -> tuple[Basket | None, tuple[int, ...]]:
    """For `--basket`: the basket `order_id` was paid in and its orders (in the order paid), or
    (None, the order alone) for an order paid on its own, which is said (`doing` it alone)."""
    existing_order(app, order_id)
    found = basket_of(app.reader, order_id)
    if found is None:
        err.print(
            f"order {order_ref(order_id)} was paid on its own, not in a basket: {doing} it alone",
            markup=False,
        )
        return None, (order_id,)
    return found, found.order_ids


def require_status(order_id: int, order: Order, *allowed: OrderStatus, action: str) -> None:
    if order.status not in allowed:
        wanted = " or ".join(s.name for s in allowed)
        raise CliError(
            f"order {order_ref(order_id)} is {order.status.name}; {action} needs {wanted}"
        )


def require_merchant(app: AppState, order_id: int, listing: Listing) -> None:
    if listing.merchant != app.account.address:
        raise CliError(
            f"order {order_ref(order_id)} belongs to merchant {listing.merchant}; you are "
            f"{app.account.address}"
        )


def require_buyer(app: AppState, order_id: int, order: Order) -> None:
    if order.buyer != app.account.address:
        raise CliError(
            f"order {order_ref(order_id)} was paid by {order.buyer}; you are {app.account.address}"
        )


def buyer_order(app: AppState, order_id: int, *allowed: OrderStatus, action: str) -> Order:
    """The order, after checking that the caller is its buyer and it is in one of `allowed`."""
    order = existing_order(app, order_id)
    require_buyer(app, order_id, order)
    require_status(order_id, order, *allowed, action=action)
    return order


def buyer_key(app: AppState, order_id: int) -> OrderKey:
    """The order's secret key, re-derived from the wallet signature (never stored)."""
    deployment = app.deployment
    seed = seed_from_account(app.account, deployment.chain_id, deployment.escrow)
    ref = order_ref(order_id)
    index = app.order_book.index_of(deployment.chain_id, deployment.escrow, ref)
    if index is not None:
        key = derive_order_key(seed, index)
        if key.address == ref:
            return key
    with err.status("order not in orders.json: scanning this wallet's order keys…"):
        try:
            return order_key_for(app.reader, seed, order_id)
        except LookupError:
            raise CliError(
                f"order {ref} was not paid with an order key of {app.account.address}"
            ) from None


def open_as_buyer(app: AppState, order_id: int) -> tuple[OpenedDelivery, OrderKey]:
    key = buyer_key(app, order_id)
    return open_delivery(app.reader, order_id, key), key


def check_marks(opened: OpenedDelivery) -> str:
    check = opened.check
    mark = {True: "✓", False: "✗"}
    return f"commitment {mark[check.commitment_ok]} fingerprint {mark[check.fingerprint_ok]}"


def document_order_params(command: Any) -> None:
    """Every ORDER argument of `command` and its subcommands says what an order id looks like
    in its --help (a command that wrote its own help text gets the format appended)."""
    for param in getattr(command, "params", []):
        if getattr(param, "metavar", None) == "ORDER" and ORDER_ID_FORMAT not in (param.help or ""):
            own = (param.help or "").strip().rstrip(".")
            param.help = f"{own} ({ORDER_ID_FORMAT})." if own else ORDER_HELP
    for sub in getattr(command, "commands", {}).values():
        document_order_params(sub)
