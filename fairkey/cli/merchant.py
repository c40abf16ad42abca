"""Merchant commands: `deliver` (one order or all paid ones) and `respond` to a dispute."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from web3 import Web3

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import ETH, Listing, Order, OrderStatus, order_ref
from fairkey.cli.context import AppState, state
from fairkey.cli.errors import CliError, describe, describe_revert
from fairkey.cli.lookup import (
    OrderArg,
    existing_order,
    parse_order_arg,
    require_merchant,
    require_status,
)
from fairkey.cli.output import error, ok, say, warn
from fairkey.flows.merchant import deliver_assigned
from fairkey.merchant.decisions import in_time, unit_is_dead
from fairkey.merchant.scan import scan_paid
from fairkey.units import format_deadline
from fairkey.vault import OutOfStockError, VaultError

if TYPE_CHECKING:
    from fairkey.vault import Vault

# fairkey.merchant.units and .vault_sync bring the vault (SQLAlchemy): imported where a vault is
# opened, so that `fairkey --help` and the commands without a vault load neither.


class Answer(enum.StrEnum):
    refund = "refund"
    replace = "replace"
    contest = "contest"


def _deliver_one(app: AppState, vault: Vault, order_id: int, order: Order) -> dict[str, Any]:
    """Assign a unit (exactly once per order), seal it to the buyer's key, deliver, record."""
    from fairkey.merchant.units import first_unit

    unit = first_unit(vault, order.listing_id, order_id)
    try:
        result = deliver_assigned(app.client, unit)
    except ContractRevert as exc:
        if not unit_is_dead(exc):
            raise
        raise CliError(
            f"{describe_revert(exc)}. Key {unit.index} of vault batch {unit.batch_id} cannot be "
            f"delivered: revoke the batch (`fairkey stock revoke {unit.batch_id}`), then run "
            f"`fairkey deliver {order_ref(order_id)}` again to send a key of another batch"
        ) from None
    vault.mark_delivered(order_id)
    args = result.event("KeyDelivered").args
    until = format_deadline(args["confirmDeadline"], app.chain_now())
    ok(
        f"order {order_ref(order_id)}: delivered key {unit.index} of batch {unit.batch_id}; "
        f"the buyer may confirm or dispute until {until}"
    )
    return args


def _deliver_single(app: AppState, order_id: int) -> None:
    order = existing_order(app, order_id)
    require_merchant(app, order_id, app.reader.listing(order.listing_id))
    if order.status is not OrderStatus.PAID:
        # Delivered (the vault may have missed it in a crash) or refunded: the vault catches up.
        released = _vault_follows(app, order_id, order.deliveries)
        if order.deliveries:
            ok(
                f"order {order_ref(order_id)} is already delivered ({order.status.name}); "
                "nothing to do"
            )
            return
        if released:
            warn("the key reserved for this order in the vault is back on sale")
        raise CliError(f"order {order_ref(order_id)} is {order.status.name}: nothing to deliver")
    if not in_time(order, app.chain_now()):
        raise CliError(
            f"order {order_ref(order_id)}: the delivery deadline passed "
            f"({format_deadline(order.deadline, app.chain_now())}); the buyer can "
            "take a refund with `fairkey refund-late`"
        )
    _deliver_one(app, app.vault(), order_id, order)


def _paid_orders(app: AppState) -> list[tuple[int, Order]]:
    """PAID orders of the signing merchant's listings (from ListingCreated/OrderPaid events),
    oldest payment first."""
    reader = app.reader
    paid = scan_paid(reader, app.account.address, set(), app.deployment.block)
    orders = [(p.order_id, reader.order(p.order_id)) for p in paid]
    return [(oid, o) for oid, o in orders if o.status is OrderStatus.PAID]


def _deliver_all(app: AppState) -> None:
    pending = _paid_orders(app)
    if not pending:
        say("no paid order is waiting for delivery")
        return
    vault, failed = app.vault(), 0
    for position, (order_id, order) in enumerate(pending):
        if not in_time(order, app.chain_now()):
            error(f"order {order_ref(order_id)}: delivery deadline passed; not delivered")
            failed += 1
            continue
        try:
            _deliver_one(app, vault, order_id, order)
        except OutOfStockError as exc:
            left = len(pending) - position
            error(f"{exc}: {left} order(s) left undelivered; import and commit more stock")
            failed += left
            break
        except (ContractRevert, VaultError, CliError) as exc:
            error(f"order {order_ref(order_id)}: {describe(exc, app.settings.rpc_url)}")
            failed += 1
    delivered = len(pending) - failed
    say(f"{delivered} of {len(pending)} paid order(s) delivered")
    if failed:
        raise typer.Exit(1)


def deliver(
    ctx: typer.Context,
    order_id: Annotated[
        int | None,
        typer.Argument(
            parser=parse_order_arg,
            metavar="ORDER",
            help="The buyer's 0x… order id.",
            show_default=False,
        ),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Deliver every PAID order of your listings.")
    ] = False,
) -> None:
    """Deliver a key from your vault, encrypted to the order's buyer key (once per order)."""
    if (order_id is None) == (not all_):
        raise typer.BadParameter("give one ORDER, or --all")
    app = state(ctx)
    if all_:
        _deliver_all(app)
    else:
        _deliver_single(app, order_id)


def respond(
    ctx: typer.Context,
    order_id: OrderArg,
    answer: Annotated[
        Answer,
        typer.Argument(
            help="refund the buyer, replace the key from the vault, or contest (the court decides)."
        ),
    ],
    evidence: Annotated[
        Path | None,
        typer.Option(help="contest: evidence file (only its keccak hash goes on chain)."),
    ] = None,
) -> None:
    """Answer a dispute on one of your orders (refund also works before delivery)."""
    app = state(ctx)
    order = existing_order(app, order_id)
    listing = app.reader.listing(order.listing_id)
    require_merchant(app, order_id, listing)
    if answer is Answer.refund:
        _refund(app, order_id, order, listing)
        return
    require_status(
        order_id,
        order,
        OrderStatus.DISPUTED,
        OrderStatus.VERIFIER_REFUND_PENDING,
        action=answer.value,
    )
    if answer is Answer.replace:
        _replace(app, order_id, order)
    else:
        send_contest(app, order_id, evidence)


def _refund(app: AppState, order_id: int, order: Order, listing: Listing) -> None:
    args = app.client.refund(order_id).event("OrderRefunded").args
    token = app.tokens.get(listing.token)
    ok(
        f"order {order_ref(order_id)} refunded: the buyer is credited "
        f"{token.show(args['buyerAmount'])}"
    )
    # Refunded before any delivery: its reserved key goes back on sale. (After a delivery the
    # vault is left closed: opening it may ask for the passphrase, for nothing to release.)
    if order.deliveries == 0 and _vault_follows(app, order_id, 0):
        say("the key reserved for it in the vault is back on sale")


def _vault_follows(app: AppState, order_id: int, deliveries: int) -> bool:
    """The vault (if this account has one) catches up with an order that left PAID; True when
    the key it reserved for the order is back on sale. Without a vault nothing is opened."""
    if not app.has_vault():
        return False
    from fairkey.merchant.vault_sync import follow_order

    return follow_order(app.vault(), order_id, deliveries)


def _replace(app: AppState, order_id: int, order: Order) -> None:
    from fairkey.merchant.units import replacement_unit

    vault = app.vault()
    unit = replacement_unit(vault, order_id, order)
    result = deliver_assigned(app.client, unit, replacement=True)
    vault.mark_delivered(order_id)
    args = result.event("KeyDelivered").args
    ok(
        f"order {order_ref(order_id)}: replacement key {unit.index} of batch {unit.batch_id} "
        f"delivered (delivery {args['deliveryNo']}); the buyer's dispute bond is returned"
    )


def send_contest(app: AppState, order_id: int, evidence: Path | None) -> None:
    """Opens the order's court case, paying the court's fee (the merchant's contest of a dispute
    or a refund verdict, the buyer's of a VALID verdict: the escrow's `contest` either way)."""
    evidence_hash = b"\0" * 32
    if evidence is not None:
        if not evidence.is_file():
            raise FileNotFoundError(2, "no such file", str(evidence))
        evidence_hash = Web3.keccak(evidence.read_bytes())
    client = app.client
    fee = client.arbitration_cost(order_id)
    args = client.contest(order_id, evidence_hash, fee).event("ArbitrationRequested").args
    ok(
        f"order {order_ref(order_id)} goes to court (case {args['disputeId']}); arbitration fee "
        f"{app.tokens.get(ETH).show(fee)} paid; the court rules, or the order splits after "
        f"{format_deadline(args['timeoutAt'], app.chain_now())}"
    )
