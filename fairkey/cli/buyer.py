"""Buyer commands: `buy`, `confirm`, `dispute`, `prove`."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from web3 import Web3

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import DisputeReason, OrderStatus, order_ref
from fairkey.cli.context import state
from fairkey.cli.errors import CliError
from fairkey.cli.lookup import (
    ListingArg,
    OrderArg,
    buyer_order,
    check_marks,
    existing_listing,
    open_as_buyer,
)
from fairkey.cli.order_book import PaidOrder
from fairkey.cli.output import fields, ok, say, warn
from fairkey.crypto.order_keys import derive_order_key, seed_from_account
from fairkey.flows.buyer import prove_misdelivery
from fairkey.units import format_deadline

_MAX_SKIPPED_KEYS = 1000


class Reason(enum.StrEnum):
    wrong_content = "wrong-content"
    duplicate = "duplicate"
    key_invalid = "key-invalid"
    not_as_described = "not-as-described"
    other = "other"

    @property
    def on_chain(self) -> DisputeReason:
        return DisputeReason[self.name.upper()]


def buy(ctx: typer.Context, listing_id: ListingArg) -> None:
    """Pay for one key of a listing with a fresh per-order key; prints the order id."""
    app = state(ctx)
    listing = existing_listing(app, listing_id)
    # What the escrow would refuse, said before any key is derived or allowance granted.
    if not listing.active:
        raise ContractRevert("EscrowListingInactive", {"listingId": listing_id})
    if listing.stock_available == 0:
        raise ContractRevert("EscrowOutOfStock", {"listingId": listing_id})
    token = app.tokens.get(listing.token)
    deployment, client, book = app.deployment, app.client, app.order_book
    seed = seed_from_account(app.account, deployment.chain_id, deployment.escrow)
    index = book.next_index(deployment.chain_id, deployment.escrow)
    for _ in range(_MAX_SKIPPED_KEYS):
        key = derive_order_key(seed, index)
        if client.order(int(key.address, 16)).status is OrderStatus.NONE:
            break
        index += 1  # paid from another device (or before orders.json was lost): skip it
    else:
        raise CliError(f"{_MAX_SKIPPED_KEYS} order keys in a row are used; is orders.json stale?")
    # The price read above is the most this order pays: a raise in between reverts.
    result = client.pay(listing_id, key.x, key.y, max_price=listing.price)
    paid = result.event("OrderPaid").args
    order_id = paid["orderId"]
    book.add(
        PaidOrder(
            order_ref(order_id),
            index,
            deployment.chain_id,
            Web3.to_checksum_address(deployment.escrow),
            listing_id,
            result.receipt["transactionHash"].to_0x_hex(),
        )
    )
    ok(f"order {order_ref(order_id)} paid")
    fields(
        "order",
        [
            ("order id", order_ref(order_id)),
            ("listing", str(listing_id)),
            ("price", token.show(paid["price"])),
            ("delivery deadline", format_deadline(paid["deliveryDeadline"], app.chain_now())),
            ("order key index", str(index)),
        ],
    )
    say(
        f"the merchant delivers before the deadline; then: fairkey order show {order_ref(order_id)}"
    )


def confirm(
    ctx: typer.Context,
    order_id: OrderArg,
    force: Annotated[
        bool, typer.Option("--force", help="Confirm even if the delivered key does not check out.")
    ] = False,
) -> None:
    """Accept the delivered key: the merchant is paid (this cannot be undone)."""
    app = state(ctx)
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
