"""Buyer commands: `buy`, `confirm`, `dispute`, `prove`, `contest` (a VALID verifier verdict)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from web3 import Web3

from fairkey.chain.types import DisputeReason, OrderStatus, order_ref
from fairkey.cli.context import AppState, state
from fairkey.cli.errors import CliError, describe_revert
from fairkey.cli.lookup import (
    ListingArg,
    OrderArg,
    basket_orders,
    buyer_order,
    check_marks,
    open_as_buyer,
    require_buyer,
)
from fairkey.cli.merchant import send_contest
from fairkey.cli.order_book import PaidOrder
from fairkey.cli.output import fields, ok, say, table, warn
from fairkey.cli.tokens import Token
from fairkey.crypto.order_keys import seed_from_account
from fairkey.flows.buyer import (
    Held,
    OrderKeysExhausted,
    Purchase,
    buy_keys,
    check_purchase,
    plan_confirm,
    prove_misdelivery,
)
from fairkey.units import format_deadline


class Reason(enum.StrEnum):
    wrong_content = "wrong-content"
    duplicate = "duplicate"
    key_invalid = "key-invalid"
    not_as_described = "not-as-described"
    other = "other"

    @property
    def on_chain(self) -> DisputeReason:
        return DisputeReason[self.name.upper()]


def buy(
    ctx: typer.Context,
    listing_id: ListingArg,
    quantity: Annotated[
        int,
        typer.Option(
            "--quantity",
            metavar="N",
            help="How many keys: one payment, one order (and order id) per key, at most the "
            "escrow's MAX_BASKET (100).",
        ),
    ] = 1,
) -> None:
    """Pay for keys of a listing, each with a fresh per-order key; prints the order id(s)."""
    app = state(ctx)
    # What the escrow would refuse, said before any key is derived or allowance granted.
    listing = check_purchase(app.reader, listing_id, quantity)
    token = app.tokens.get(listing.token)
    if quantity > 1:
        say(
            f"{quantity} keys × {token.show(listing.price)} = "
            f"{token.show(listing.price * quantity)} (listing {listing_id}; one payment, one "
            "order per key)"
        )
    deployment, book = app.deployment, app.order_book
    seed = seed_from_account(app.account, deployment.chain_id, deployment.escrow)
    try:
        # The price shown above is the most each key pays: a raise in between reverts.
        bought = buy_keys(
            app.client,
            seed,
            book.indexes(deployment.chain_id, deployment.escrow),
            listing_id,
            quantity,
            max_price=listing.price,
        )
    except OrderKeysExhausted as exc:
        raise CliError(f"{exc}; is orders.json stale?") from None
    escrow = Web3.to_checksum_address(deployment.escrow)
    book.add(
        *(
            PaidOrder(
                order_ref(oid), key.index, deployment.chain_id, escrow, listing_id, bought.tx_hash
            )
            for oid, key in zip(bought.order_ids, bought.keys, strict=True)
        )
    )
    deadline = format_deadline(bought.delivery_deadline, app.chain_now())
    if bought.basket_id is None:
        _paid_one(bought, token, deadline)
    else:
        _paid_basket(bought, token, deadline)


def _paid_one(bought: Purchase, token: Token, deadline: str) -> None:
    order = order_ref(bought.order_ids[0])
    ok(f"order {order} paid")
    fields(
        "order",
        [
            ("order id", order),
            ("listing", str(bought.listing_id)),
            ("price", token.show(bought.price)),
            ("delivery deadline", deadline),
            ("order key index", str(bought.keys[0].index)),
        ],
    )
    say(f"the merchant delivers before the deadline; then: fairkey order show {order}")


def _paid_basket(bought: Purchase, token: Token, deadline: str) -> None:
    basket = order_ref(bought.basket_id)
    ok(f"basket {basket} paid: {len(bought.order_ids)} orders in one payment")
    fields(
        "basket",
        [
            ("basket id", f"{basket} (its first order's id)"),
            ("listing", str(bought.listing_id)),
            ("price per key", token.show(bought.price)),
            ("total", token.show(bought.total)),
            ("delivery deadline", deadline),
            ("order key indexes", f"{bought.keys[0].index}–{bought.keys[-1].index}"),
            ("transaction", bought.tx_hash),
        ],
    )
    fields("orders", [(f"{n}", order_ref(oid)) for n, oid in enumerate(bought.order_ids, 1)])
    say(
        "each order is delivered (and can be disputed or refunded) on its own, before the "
        f"deadline; then: fairkey order show {basket} --basket, and "
        f"fairkey confirm {basket} --basket"
    )


def confirm(
    ctx: typer.Context,
    order_id: OrderArg,
    force: Annotated[
        bool, typer.Option("--force", help="Confirm even if the delivered key does not check out.")
    ] = False,
    basket: Annotated[
        bool,
        typer.Option(
            "--basket",
            help="ORDER is any order of a basket: confirm, in one transaction, every order of "
            "it that is delivered and whose key checks out; list the others and why not.",
        ),
    ] = False,
) -> None:
    """Accept the delivered key: the merchant is paid (this cannot be undone)."""
    app = state(ctx)
    if basket:
        _confirm_basket(app, order_id, force)
        return
    order = buyer_order(
        app,
        order_id,
        OrderStatus.DELIVERED,
        OrderStatus.DISPUTED,
        OrderStatus.VERIFIER_REFUND_PENDING,
        action="confirm",
    )
    opened, _ = open_as_buyer(app, order_id)
    if not opened.check.ok and not force:
        raise CliError(
            f"the delivered key does NOT check out ({check_marks(opened)}); confirming would pay "
            f"the merchant. Run `fairkey prove {order_ref(order_id)}` (or --force)"
        )
    args = app.client.confirm(order_id).event("OrderCompleted").args
    token = app.tokens.get(app.reader.listing(order.listing_id).token)
    ok(
        f"order {order_ref(order_id)} confirmed: the merchant receives "
        f"{token.show(args['merchantAmount'])} (fee {token.show(args['fee'])})"
    )


# Why a basket sweep leaves an order alone, and what the buyer can do about it.
_HELD = {
    Held.FINAL: lambda ref, o: f"skipped: already {o.status.name}",
    Held.NOT_DELIVERED: lambda ref, o: "skipped: not delivered yet",
    Held.DISPUTED: lambda ref, o: (
        f"skipped: your dispute stands (to withdraw it and pay: fairkey confirm {ref})"
    ),
    Held.WITH_COURT: lambda ref, o: "skipped: ARBITRATING (the court decides)",
    Held.KEY_BAD: lambda ref, o: (
        f"NOT confirmed: the key does not check out (fairkey prove {ref}, or --force)"
    ),
}


def _confirm_basket(app: AppState, order_id: int, force: bool) -> None:
    """`confirm --basket`: one confirmMany over the basket's orders the sweep rule
    (`flows.buyer.plan_confirm`) picks, then one line per order saying what happened."""
    found, order_ids = basket_orders(app, order_id, "confirming")
    orders = {oid: app.reader.order(oid) for oid in order_ids}
    require_buyer(app, order_id, orders[order_id])

    def key_ok(oid: int) -> bool:
        opened, _ = open_as_buyer(app, oid)
        return opened.check.ok or force

    plan = plan_confirm(orders, key_ok)
    outcome = {oid: _HELD[why](order_ref(oid), orders[oid]) for oid, why in plan.held.items()}
    token = app.tokens.get(app.reader.listing(orders[order_id].listing_id).token)
    done: dict[int, dict] = {}
    if plan.confirm:
        result = app.client.confirm_many(list(plan.confirm))
        refused = app.client.refusals(result)
        done = {e.args["orderId"]: e.args for e in result.events if e.name == "OrderCompleted"}
        for oid in plan.confirm:
            if oid in done:
                amount = token.show(done[oid]["merchantAmount"])
                outcome[oid] = f"confirmed: the merchant receives {amount}"
            elif oid in refused:
                outcome[oid] = f"refused: {describe_revert(refused[oid])}"
            else:  # pragma: no cover - confirmMany reports every order it skips
                outcome[oid] = "not confirmed"
    title = f"basket {order_ref(found.basket_id)}" if found else f"order {order_ref(order_id)}"
    table(
        f"{title}: confirm",
        ["order", "status", "result"],
        [[order_ref(oid), app.reader.order(oid).status.name, outcome[oid]] for oid in order_ids],
    )
    if done:
        paid = sum(a["merchantAmount"] for a in done.values())
        fee = sum(a["fee"] for a in done.values())
        ok(
            f"{len(done)} of {len(order_ids)} orders confirmed in one transaction: the merchant "
            f"receives {token.show(paid)} (fee {token.show(fee)})"
        )
    else:
        which = "the order is" if len(order_ids) == 1 else f"none of the {len(order_ids)} orders is"
        say(f"nothing to confirm now: {which} delivered and unconfirmed (see above)")
    if Held.KEY_BAD in plan.held.values():
        warn("a delivered key does NOT check out: do not use it; prove it (`fairkey prove ORDER`)")


def dispute(
    ctx: typer.Context,
    order_id: OrderArg,
    reason: Annotated[Reason, typer.Option(help="Why the key is not good.")],
    evidence: Annotated[
        Path | None,
        typer.Option(
            help="Evidence file (a screenshot, the "
            "issuer's answer): only its keccak hash "
            "goes on chain; keep the file."
        ),
    ] = None,
) -> None:
    """Dispute the delivered key inside the confirm window (deposits the dispute bond)."""
    app = state(ctx)
    order = buyer_order(app, order_id, OrderStatus.DELIVERED, action="dispute")
    evidence_hash = b"\0" * 32
    if evidence is not None:
        if not evidence.is_file():
            raise FileNotFoundError(2, "no such file", str(evidence))
        evidence_hash = Web3.keccak(evidence.read_bytes())
    listing = app.reader.listing(order.listing_id)
    token = app.tokens.get(listing.token)
    args = app.client.dispute(order_id, reason.on_chain, evidence_hash).event("OrderDisputed").args
    ok(
        f"order {order_ref(order_id)} disputed ({reason.value}); dispute bond "
        f"{token.show(listing.dispute_bond)} deposited"
    )
    if evidence is not None:
        say(f"evidence hash on chain: 0x{evidence_hash.hex()} (keep {evidence})")
    say(
        f"the merchant must refund, replace or contest before "
        f"{format_deadline(args['responseDeadline'], app.chain_now())}; if they stay silent, "
        f"`fairkey refund-late {order_ref(order_id)}` refunds you after that"
    )


def prove(ctx: typer.Context, order_id: OrderArg) -> None:
    """Prove on chain that the delivered key is not what was committed (refund + bond)."""
    app = state(ctx)
    order = buyer_order(
        app,
        order_id,
        OrderStatus.DELIVERED,
        OrderStatus.DISPUTED,
        OrderStatus.VERIFIER_REFUND_PENDING,
        OrderStatus.ARBITRATING,  # a proof outranks the court
        action="a misdelivery proof",
    )
    opened, key = open_as_buyer(app, order_id)
    if not opened.check.provable_misdelivery:
        ok(f"the delivery is correct ({check_marks(opened)}): there is nothing to prove")
        if not opened.check.canonical:
            warn(
                "but the key is not in canonical form (surrounding spaces or bad length); "
                f"dispute it: fairkey dispute {order_ref(order_id)} --reason wrong-content"
            )
        return
    result = prove_misdelivery(app.client, opened, key)
    refund = result.event("OrderRefunded").args
    token = app.tokens.get(app.reader.listing(order.listing_id).token)
    ok(
        f"misdelivery proven on chain: {token.show(refund['buyerAmount'])} credited to you "
        f"(compensation {token.show(refund['compensation'])}); collect it with `fairkey withdraw`"
    )


def contest(
    ctx: typer.Context,
    order_id: OrderArg,
    evidence: Annotated[
        Path | None,
        typer.Option(help="Evidence file: only its keccak hash goes on chain; keep the file."),
    ] = None,
) -> None:
    """Take the listing verifier's "valid" verdict on your disputed key to the court, before its
    deadline (pays the court's fee; otherwise the merchant is paid, with your dispute bond)."""
    app = state(ctx)
    order = buyer_order(app, order_id, OrderStatus.DELIVERED, action="contest")
    if not order.verdict_stands:
        raise CliError(
            f"order {order_ref(order_id)} has no verifier verdict to contest: dispute it first "
            f"(`fairkey dispute {order_ref(order_id)} --reason …`)"
        )
    send_contest(app, order_id, evidence)
