"""`fairkey case …`: a party's side of a court case (the buyer or the merchant of a contested
order) — see it, add evidence, appeal a ruling or fund the defence of one, withdraw what the court
owes you.

Evidence goes off chain and only its keccak256 and a URI on chain: with `--api` the file is
stored by the appeal API (readable by the case's parties and drawn jurors only) and anchored by
your own transaction; with `--uri` you host it yourself. The court's rules stay the court's: a
refusal (not a party, not the loser, too late) comes back as its sentence. Registered in
fairkey/cli/main.py as ``app.add_typer(case_cmd.app, name="case", rich_help_panel="Court")``.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

import typer
from eth_utils import keccak

from arbitration.court_client import Period, seats_of
from fairkey.cli import juror_cmd
from fairkey.cli.context import state
from fairkey.cli.court_ctx import CourtOption, court_of
from fairkey.cli.errors import CliError
from fairkey.cli.output import ok, say
from fairkey.units import format_deadline

app = typer.Typer(
    help="Parties of a court case: see it, add evidence, appeal or defend a ruling.",
    no_args_is_help=True,
)

app.command("show")(juror_cmd.show)  # one view of a case for jurors and parties
app.command("claim")(juror_cmd.claim)  # a party's refunded appeal or defence deposit: one way out


@app.command("evidence")
def evidence(
    ctx: typer.Context,
    case_id: juror_cmd.CaseArg,
    file: Annotated[Path, typer.Argument(help="The evidence file.", show_default=False)],
    api: juror_cmd.ApiOption = None,
    uri: Annotated[
        str | None,
        typer.Option(
            help="Where you host the file yourself (instead of --api).", show_default=False
        ),
    ] = None,
    court: CourtOption = None,
) -> None:
    """Add a file of evidence to a case you are a party of.

    The file is stored by the appeal API (--api) or hosted by you (--uri); your transaction
    anchors its keccak256 and URI on chain (the content stays off chain)."""
    if (api is None) == (uri is None):
        raise CliError("give --api URL (the appeal API stores the file) or --uri URL (you host it)")
    if not file.is_file():
        raise CliError(f"no file {file}: give the path of the evidence file")
    app_state = state(ctx)
    client = court_of(app_state, court)
    data = file.read_bytes()
    if api is not None:
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        with juror_cmd._api(app_state, api) as session:
            stored = session.upload(case_id, file.name, data, kind)
        uri, content_hash = stored["uri"], bytes.fromhex(stored["content_hash"][2:])
    else:
        content_hash = keccak(data)
    result = client.submit_evidence(case_id, uri, content_hash)
    ok(f"anchored {file.name} (keccak256 0x{content_hash.hex()}) for case {case_id} at {uri} "
       f"(tx {juror_cmd._tx(result)})")  # fmt: skip


@app.command("appeal")
def appeal(ctx: typer.Context, case_id: juror_cmd.CaseArg, court: CourtOption = None) -> None:
    """Appeal a ruling, or fund the defence of one, in the appeal period.

    The round's loser funds the next round within the first half of the period; then the winner
    may fund its defence (refunded if it wins again)."""
    app_state = state(ctx)
    client = court_of(app_state, court)
    if case_id > client.case_count():
        raise CliError(f"the court has no case {case_id} (`fairkey case show {case_id}`)")
    case = client.case(case_id)
    if case.period != Period.APPEAL:
        raise CliError(
            f"case {case_id} is in its {case.period.name.lower()} period: a ruling is appealed "
            f"in the appeal period (`fairkey case show {case_id}`)"
        )
    defence = int(client.round(case_id, case.round + 1).fee_payer, 16) != 0
    cost = client.appeal_cost(case_id)
    result = client.appeal(case_id)
    _, seats = seats_of(case.round + 1)
    now = int(client.session.w3.eth.get_block("latest")["timestamp"])
    _, _, end = client.session.call(client.f.appealPeriod(case_id))
    shown = app_state.tokens.get(juror_cmd.ETH).show(cost)
    side = "the defence" if defence else "the appeal"
    ok(f"funded {side} of case {case_id}: round {case.round + 1}, {seats} jurors, {shown} "
       f"(tx {juror_cmd._tx(result)})")  # fmt: skip
    say(f"the appeal period ends {format_deadline(end, now)}; then the keeper draws the new panel")
