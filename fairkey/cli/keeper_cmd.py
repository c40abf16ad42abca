"""`fairkey keeper run`: fire every deadline rule (late delivery, confirm window, silent merchant,
verifier refund, stalled court) within one block of its deadline. Anyone may run it; the signing
account only pays gas. Stops cleanly on SIGTERM / Ctrl-C; safe to restart at any moment."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from fairkey.cli.context import state
from fairkey.services.keeper import KeeperService
from fairkey.services.runner import run_loop

app = typer.Typer(
    name="keeper",
    help="Keeper: refunds, settles and splits orders whose deadline passed (gas only).",
    no_args_is_help=True,
)


def setup_logging(name: str) -> None:
    """One line per action on stderr (the supervisor keeps it in the service's log file).
    Leaves an already configured logging (an embedding program, pytest) as it is."""
    logging.basicConfig(
        stream=sys.stderr,
        format=f"%(asctime)s {name} %(levelname)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
    )
    logging.getLogger("fairkey").setLevel(logging.INFO)


@app.command("run")
def run(
    ctx: typer.Context,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between checks for a new block.")
    ] = 1.0,
    once: Annotated[
        bool, typer.Option("--once", help="One pass over the chain, then exit.")
    ] = False,
    from_block: Annotated[
        int | None,
        typer.Option(
            "--from-block", min=0, help="Read events from this block (default: the deployment's)."
        ),
    ] = None,
) -> None:
    """Watch the escrow and fire every rule whose deadline passed, until SIGTERM or Ctrl-C."""
    app_state = state(ctx)
    client = app_state.client  # checks deployment, chain and account before the loop starts
    start = app_state.deployment.block if from_block is None else from_block
    setup_logging("keeper")
    log = logging.getLogger("fairkey.keeper")
    log.info(
        "keeper for escrow %s as %s from block %d (every %.2fs)",
        client.address,
        client.session.account.address,
        start,
        interval,
    )
    service = KeeperService(client, start)
    code = run_loop(service.step, interval=interval, once=once, log=log)
    raise typer.Exit(code)
