"""`fairkey stock import|commit|list|revoke`: the merchant's keys, from supplier file to chain."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import supplier_tag
from fairkey.cli.context import AppState, state
from fairkey.cli.errors import CliError
from fairkey.cli.lookup import existing_listing
from fairkey.cli.output import fields, ok, out, say, table, warn

if TYPE_CHECKING:
    from fairkey.vault import BatchSummary

# The vault (SQLAlchemy) is imported by the commands that open it, not by `fairkey --help`.

app = typer.Typer(
    help="The merchant's encrypted key vault and its batches on chain.", no_args_is_help=True
)

BatchArg = Annotated[int, typer.Argument(min=1, metavar="BATCH", help="Vault batch id.")]


def _supplier(name: str) -> str:
    name = name.strip()
    if not name:
        raise typer.BadParameter("a supplier name is required (who sold you these keys?)")
    if len(name.encode()) > 32:
        raise typer.BadParameter("at most 32 bytes (it is stored on chain as a bytes32 tag)")
    return name


def _batch(app_state: AppState, batch_id: int) -> BatchSummary:
    found = next((b for b in app_state.vault().batches() if b.batch_id == batch_id), None)
    if found is None:
        raise CliError(f"no batch {batch_id} in the vault (see `fairkey stock list`)")
    return found


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="Key file: one key per line, or a CSV with a key/code/card column."
        ),
    ],
    supplier: Annotated[
        str, typer.Option(parser=_supplier, help="Who sold you these keys (at most 32 bytes).")
    ],
    lenient: Annotated[
        bool,
        typer.Option(
            "--lenient",
            help="Import the good lines and skip "
            "duplicates and invalid lines (default: refuse the "
            "whole file).",
        ),
    ] = False,
) -> None:
    """Import a key file into the vault as one new batch (the vault is created on first use)."""
    if not file.is_file():
        raise FileNotFoundError(2, "no such file", str(file))
    report = state(ctx).vault(create=True).import_file(file, supplier, strict=not lenient)
    for problem in report.problems():
        say(f"  {problem}")
    if report.refused:
        raise CliError(
            f"{report.source}: nothing imported ({len(report.duplicates)} duplicate(s), "
            f"{len(report.invalid)} invalid line(s)); fix the file, or run the import again with "
            "--lenient to import the good lines and skip the ones listed above"
        )
    if report.batch_id is None:
        raise CliError(report.summary())
    ok(report.summary())
    say(f"next: fairkey stock commit {report.batch_id} --listing LISTING")


@app.command("commit")
def commit(
    ctx: typer.Context,
    batch_id: BatchArg,
    listing_id: Annotated[
        int, typer.Option("--listing", min=1, help="Listing to sell the batch under.")
    ],
) -> None:
    """Post a batch's Merkle root on chain for a listing, depositing its bond."""
    app_state = state(ctx)
    vault = app_state.vault()
    summary = _batch(app_state, batch_id)
    if summary.state.deliverable:
        raise CliError(
            f"batch {batch_id} is already committed to listing {summary.listing_id} "
            f"(tx {summary.committed_tx})"
        )
    merchant = app_state.account.address
    plan = vault.plan_batch(batch_id, merchant)
    try:
        supplier_tag(plan.supplier)
    except ValueError as exc:  # imported by another tool without the 32-byte limit
        raise CliError(f"batch {batch_id}: {exc}") from None
    listing = existing_listing(app_state, listing_id)
    token = app_state.tokens.get(listing.token)
    client = app_state.client
    on_chain = client.batch(plan.root, merchant)
    if on_chain.count:
        # Committed before, but the vault did not hear of it (crash between the two steps).
        event = client.events(
            "StockCommitted", app_state.deployment.block, listingId=listing_id, root=plan.root
        )
        if on_chain.listing_id != listing_id or not event:
            raise ContractRevert("EscrowBatchExists", {"root": plan.root})
        vault.mark_committed(batch_id, listing_id, "0x" + event[0].tx_hash.removeprefix("0x"))
        ok(f"batch {batch_id} was already on chain for listing {listing_id}; vault updated")
        return
    result = client.commit_stock(listing_id, plan.root, plan.count, plan.supplier)
    tx = result.receipt["transactionHash"].to_0x_hex()
    vault.mark_committed(batch_id, listing_id, tx)
    ok(f"batch {batch_id} committed to listing {listing_id}")
    fields(
        "commitment",
        [
            ("root", "0x" + plan.root.hex()),
            ("keys", str(plan.count)),
            ("bond", token.show(result.event("StockCommitted").args["bond"])),
            ("tx", tx),
        ],
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    listing_id: Annotated[
        int | None, typer.Option("--listing", min=1, help="Only this listing's batches.")
    ] = None,
) -> None:
    """Show the vault's batches and how many keys are unsold, assigned, delivered, revoked."""
    from fairkey.vault import UnitState

    batches = state(ctx).vault().batches()
    if listing_id is not None:
        batches = [b for b in batches if b.listing_id == listing_id]
    if not batches:
        say(
            "no batches"
            + (f" for listing {listing_id}" if listing_id else "")
            + " (import some with `fairkey stock import`)"
        )
        return
    rows = [
        [
            str(b.batch_id),
            b.supplier,
            str(b.listing_id or "-"),
            b.state.value,
            str(b.count),
            *(str(b.units.get(s, 0)) for s in UnitState),
            ("0x" + b.root[:12] + "…") if b.root else "-",
        ]
        for b in batches
    ]
    table(
        "vault batches",
        ["batch", "supplier", "listing", "state", "keys", *(s.value for s in UnitState), "root"],
        rows,
    )


@app.command("revoke")
def revoke(ctx: typer.Context, batch_id: BatchArg) -> None:
    """Take a batch's unsold keys off sale (on chain and in the vault); its bond comes back.

    Keys that paid orders still rely on stay deliverable (the chain keeps them); run the command
    again once those orders have ended to withdraw the rest."""
    from fairkey.merchant.vault_sync import revoke_committed
    from fairkey.vault import BatchState

    app_state = state(ctx)
    vault = app_state.vault()
    summary = _batch(app_state, batch_id)
    if summary.state is BatchState.revoked:
        raise CliError(f"batch {batch_id} is already revoked")
    if not (summary.state.deliverable and summary.root):
        revoked = vault.mark_revoked(batch_id)  # never on chain: the vault alone
        out.print(f"vault: {revoked} unsold key(s) of batch {batch_id} marked revoked")
        return
    client = app_state.client
    done = revoke_committed(client, vault, summary)
    if done.caught_up:
        warn(f"batch {batch_id} was already revoked on chain; updating the vault")
    if done.released:
        listing = client.listing(summary.listing_id)
        token = app_state.tokens.get(listing.token)
        ok(
            f"revoked on chain: {done.released} key(s) off sale, "
            f"{token.show(done.bond)} bond credited (`fairkey withdraw`)"
        )
    out.print(f"vault: {done.vault_revoked} unsold key(s) of batch {batch_id} marked revoked")
    if done.still_deliverable:
        say(
            f"{done.still_deliverable} key(s) of batch {batch_id} stay deliverable: paid orders "
            "rely on them (the chain keeps them on sale until those orders end). Run "
            f"`fairkey stock revoke {batch_id}` again after that to withdraw the rest"
        )
