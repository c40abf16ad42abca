"""`fairkey keeper run`: fire every deadline rule (late delivery, confirm window, silent merchant,
verifier refund, stalled court) within one block of its deadline. Anyone may run it; the signing
account only pays gas. Stops cleanly on SIGTERM / Ctrl-C; safe to restart at any moment."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Annotated

import typer
from web3.exceptions import Web3Exception

from arbitration.court_client import CourtClient
from arbitration.court_keeper import CourtKeeper
from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
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
    court = court_keeper_for(client, start)
    if court is not None:
        log.info("and the court %s (draws, periods, payouts)", court.court.address)
    code = run_loop(lambda: _both(service, court), interval=interval, once=once, log=log)
    raise typer.Exit(code)


@dataclass
class _Worked:
    worked: bool


def _both(service: KeeperService, court: CourtKeeper | None) -> _Worked:
    """One step of the escrow's keeper, then of the court's (if the escrow uses a Court)."""
    worked = bool(getattr(service.step(), "worked", False))
    if court is not None:
        worked = court.step().worked or worked
    return _Worked(worked)


def court_keeper_for(client: EscrowClient, start: int) -> CourtKeeper | None:
    """A keeper for the escrow's court, if it is fairkey's Court (a demo or foreign arbitrator
    has nothing to advance)."""
    address = client.session.call(client.f.arbitrator())
    if int(address, 16) == 0:
        return None
    court = CourtClient(client.session, address)
    try:
        court.case_count()
    except (ContractRevert, Web3Exception, ValueError):
        return None
    return CourtKeeper(court, start)
