"""`fairkey relayer run`: sends the votes jurors posted to the appeal API (its vote store, read
directly from the API's database) to the court in batches, paying the gas (arbitration/relayer.py).
`fairkey relayer refusals` lists the votes the court refused and why.

Registered in fairkey/cli/main.py as
``app.add_typer(relayer_cmd.app, name="relayer", rich_help_panel=SERVICES)``.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated

import typer

from arbitration.relay_queue import StoreQueue
from arbitration.relayer import BATCH, Relayer
from fairkey.cli.context import AppState, state
from fairkey.cli.court_ctx import CourtOption, court_of
from fairkey.cli.keeper_cmd import setup_logging
from fairkey.cli.output import say, table
from fairkey.services.runner import run_loop

app = typer.Typer(
    help="The vote relayer: jurors' signed votes from the appeal API to the court (gas only).",
    no_args_is_help=True,
)

ApiDbOption = Annotated[
    str | None,
    typer.Option(
        "--api-db",
        metavar="URL",
        help="The appeal API's database (SQLAlchemy URL); default: the API's own setting "
        "(FAIRKEY_API_DB_URL, else SQLite in HOME/api/).",
        show_default=False,
    ),
]


def _queue(app_state: AppState, api_db: str | None) -> StoreQueue:
    from api.db import Database
    from api.settings import ApiSettings
    from api.votes.store import VoteStore

    url = api_db or ApiSettings(home=app_state.settings.home).store_url
    return StoreQueue(VoteStore(Database.open(url), time.time))


@app.command("run")
def run(
    ctx: typer.Context,
    api_db: ApiDbOption = None,
    batch: Annotated[int, typer.Option(min=1, max=200, help="Votes per transaction.")] = BATCH,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between passes.")
    ] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    court: CourtOption = None,
) -> None:
    """Relay pending signed commits and reveals, until SIGTERM or Ctrl-C.

    The court checks every signature and commit: the relayer can neither forge nor change a
    vote, and a refused one never blocks the rest of its batch."""
    app_state = state(ctx)
    relayer = Relayer(court_of(app_state, court), _queue(app_state, api_db), batch)
    setup_logging("relayer")
    log = logging.getLogger("fairkey.relayer")
    log.info("relayer for court %s as %s (batches of %d)", relayer.court.address,
             relayer.court.me, batch)  # fmt: skip
    code = run_loop(relayer.step, interval=interval, once=once, log=log)
    raise typer.Exit(code)


@app.command("refusals")
def refusals(
    ctx: typer.Context,
    api_db: ApiDbOption = None,
    case: Annotated[int | None, typer.Option(min=1, help="Only this case.")] = None,
) -> None:
    """The relayed votes the court refused (or that could no longer land), with the reason."""
    found = _queue(state(ctx), api_db).refusals(case)
    if not found:
        say("no refused votes")
        return
    table(
        "refused votes",
        ["case", "round", "seat", "kind", "juror", "reason", "tx"],
        [[str(r.case_id), str(r.round), str(r.seat), r.kind, r.juror, r.reason, r.tx_hash or "—"]
         for r in found],
    )  # fmt: skip
