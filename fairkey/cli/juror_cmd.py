"""`fairkey juror …`: a juror's side of the court — stake, see the cases you sit on, read their
evidence, vote (directly or gasless through the API's relayer), reveal from any machine, claim.

The rules are arbitration/juror.py's and the chain work arbitration/juror_service.py's; this
module parses, prints and says what to do next. Registered in fairkey/cli/main.py as
``app.add_typer(juror_cmd.app, name="juror", rich_help_panel=JUROR)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import httpx
import typer

from arbitration.api_client import ApiRefused, CourtApi
from arbitration.court_client import Choice, CourtClient, Period, seats_of
from arbitration.court_logs import CourtLogs
from arbitration.juror import (
    CHOICE_MEANING,
    CHOICE_WORDS,
    Duty,
    Timings,
    next_step,
    parse_choice,
    period_end,
)
from arbitration.juror_service import JurorService
from fairkey.chain.types import ETH, order_ref
from fairkey.cli.context import AppState, state
from fairkey.cli.court_ctx import CourtOption, court_of, from_block
from fairkey.cli.errors import CliError
from fairkey.cli.keeper_cmd import setup_logging
from fairkey.cli.output import fields, ok, say, table, warn
from fairkey.services.runner import run_loop
from fairkey.units import format_deadline

app = typer.Typer(
    help="Jurors of the community court: stake, cases, evidence, votes, rewards.",
    no_args_is_help=True,
)

CaseArg = Annotated[int, typer.Argument(metavar="CASE", min=1, help="The court's case id.")]
ApiOption = Annotated[
    str | None,
    typer.Option(
        "--api",
        metavar="URL",
        help="The appeal API (e.g. http://127.0.0.1:8800): sign in with your wallet and read "
        "the case's evidence files there.",
        show_default=False,
    ),
]
RelayOption = Annotated[
    str | None,
    typer.Option(
        "--relay",
        metavar="API_URL",
        help="Gasless: sign the vote and post it to the appeal API, whose relayer sends it.",
        show_default=False,
    ),
]


def _service(ctx: typer.Context, court: str | None) -> tuple[AppState, JurorService]:
    app_state = state(ctx)
    return app_state, JurorService(court_of(app_state, court), from_block(app_state))


def _token(app_state: AppState, service: JurorService):
    return app_state.tokens.get(service.stake_token)


@contextmanager
def _api(app_state: AppState, url: str) -> Iterator[CourtApi]:
    """The appeal API, signed in as the command's account on first use; its refusals and an
    unreachable server become one-line messages."""
    try:
        api = CourtApi(url, app_state.account, app_state.session.chain_id)
    except ValueError as exc:
        raise CliError(f"--api/--relay: {exc}") from None
    try:
        with api:
            yield api
    except ApiRefused as exc:
        raise CliError(str(exc)) from None
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach the appeal API at {url}: {exc}") from None


def _tx(result) -> str:
    return "0x" + result.receipt["transactionHash"].hex().removeprefix("0x")


# ---------------------------------------------------------------------------- stake


@app.command("stake")
def stake(
    ctx: typer.Context,
    amount: Annotated[
        str, typer.Argument(metavar="AMOUNT", help="Your new stake, in whole units (e.g. 0.5).")
    ],
    court: CourtOption = None,
) -> None:
    """Set your stake to AMOUNT (not add to it).

    Raising pays the difference, lowering credits it (withdraw with `claim`). Your chance to be
    drawn is your stake over everyone's."""
    app_state, service = _service(ctx, court)
    token = _token(app_state, service)
    target = token.parse(amount)
    minimum = service.params["min_stake"]
    if target == 0:
        raise CliError("a stake of 0 leaves the pool: `fairkey juror unstake`")
    if target < minimum:
        raise CliError(f"the court's minimum stake is {token.show(minimum)}")
    change = service.stake(target)
    ok(f"stake set to {token.show(change.after)} (was {token.show(change.before)})")
    if change.after < change.before:
        credited = token.show(change.before - change.after)
        say(f"{credited} credited: `fairkey juror claim` withdraws it")
    if change.queued:
        waiting = ", ".join(str(c) for c in change.waiting) or "a case"
        say(
            f"queued: the panel of case {waiting} waits to be drawn, so the pool is frozen; your "
            "new weight applies once it is drawn (`fairkey juror run` applies it, or anyone "
            "calls applyStake)"
        )
    else:
        weight, total = service.court.weight_of(service.me)
        if total:
            say(f"chance per draw: {weight / total:.1%} of the pool ({token.show(total)} staked)")


@app.command("unstake")
def unstake(ctx: typer.Context, court: CourtOption = None) -> None:
    """Leave the pool: your whole stake is credited (refused while you sit on an open case)."""
    app_state, service = _service(ctx, court)
    change = service.unstake()
    ok(f"left the pool: {_token(app_state, service).show(change.before)} credited")
    say("next: `fairkey juror claim` withdraws it to your wallet")


# ---------------------------------------------------------------------------- cases


def _vote_text(view) -> str:
    if view.revealed:
        return f"revealed {CHOICE_WORDS[Choice(view.choice)]}"
    return "committed" if view.committed else "—"


@app.command("cases")
def cases(ctx: typer.Context, court: CourtOption = None) -> None:
    """The cases you sit on: period, its deadline, your seat and vote, and what to do next."""
    app_state, service = _service(ctx, court)
    views = service.views()
    now, timings = service.now(), service.timings
    rows = []
    for view in views:
        step = next_step(view, timings)
        rows.append(
            [
                str(view.case_id),
                str(view.round_no),
                str(view.seat),
                view.case.period.name.lower(),
                format_deadline(step.deadline, now) if step.deadline else "—",
                _vote_text(view),
                f"{step.duty}: {step.text}" if step.duty != Duty.DONE else step.text,
            ]
        )
    me = service.me
    if rows:
        table(
            f"cases of juror {me}",
            ["case", "round", "seat", "period", "period ends", "your vote", "next"],
            rows,
        )
    else:
        say(f"{me} sits on no case yet: stake (`fairkey juror stake AMOUNT`) and wait to be drawn")
    token = _token(app_state, service)
    stake_now = service.court.stake_of(me)
    credit = service.court.credit_of(ETH, me)
    say(
        f"stake {token.show(stake_now['staked'])} ({token.show(stake_now['locked'])} locked on "
        f"{stake_now['open_seats']} open seat(s)); credit {token.show(credit)}"
    )


def _party(case, address: str) -> str:
    if address.lower() == case.buyer.lower():
        return "buyer"
    if address.lower() == case.merchant.lower():
        return "merchant"
    return address


@app.command("show")
def show(
    ctx: typer.Context,
    case_id: CaseArg,
    api: ApiOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the evidence files read with --api (default: "
            "HOME/accounts/<you>/evidence/case-<CASE>).",
            show_default=False,
        ),
    ] = None,
    court: CourtOption = None,
) -> None:
    """A case: parties, period and deadlines, rounds, panel and votes, ruling, evidence."""
    app_state = state(ctx)
    reader = court_of(app_state, court, signing=False)
    if case_id > reader.case_count():
        raise CliError(f"the court has no case {case_id} (`fairkey juror cases`)")
    case = reader.case(case_id)
    timings = Timings.of(reader.params())
    now = int(reader.session.w3.eth.get_block("latest")["timestamp"])
    end = period_end(case, timings)
    ruled = case.round > 0 or case.period in (Period.APPEAL, Period.EXECUTED)
    rows = [
        ("order", _order_of(app_state, reader, case)),
        ("buyer", case.buyer),
        ("merchant", case.merchant),
        ("round", f"{case.round} (panel of {seats_of(case.round)[1]})"),
        ("period", case.period.name.lower()),
        ("period ends", format_deadline(end, now) if end else "—"),
        ("ruling", CHOICE_MEANING[case.ruling] if ruled else "— (not ruled yet)"),
    ]
    if case.period == Period.APPEAL:
        _, loser_end, appeal_end = reader.session.call(reader.f.appealPeriod(case_id))
        rows.append(("appeal", f"loser by {format_deadline(loser_end, now)}, winner by "
                               f"{format_deadline(appeal_end, now)}"))  # fmt: skip
    fields(f"case {case_id}", rows)
    _rounds_and_panel(reader, case, app_state.maybe_account)
    _evidence(reader, case, from_block(app_state))
    if api is not None:
        folder = out or app_state.account_dir / "evidence" / f"case-{case_id}"
        _evidence_files(app_state, api, case_id, folder)


def _order_of(app_state: AppState, court: CourtClient, case) -> str:
    escrow = app_state.reader
    if case.arbitrable.lower() != escrow.address.lower():
        return f"— (arbitrable {case.arbitrable})"
    order_id = escrow.session.call(escrow.f.orderOfDispute(court.address, case.case_id))
    return order_ref(order_id)


def _rounds_and_panel(court: CourtClient, case, account) -> None:
    me = account.address.lower() if account is not None else None
    rounds, panel = [], []
    for n in range(case.round + 1):
        r = court.round(case.case_id, n)
        refuse, refund, pay = r.votes
        paid = "aborted" if r.aborted else ("yes" if r.drawn and r.settled == r.drawn else "—")
        votes = f"refund {refund}, pay {pay}, refuse {refuse}"
        rounds.append([str(n), f"{r.drawn}/{r.seats}", votes, paid])
        first, _ = seats_of(n)
        for i in range(r.drawn):
            seat = first + i
            juror = court.juror_at(case.case_id, seat)
            committed, revealed, choice = court.vote_of(case.case_id, seat)
            vote = f"revealed {CHOICE_WORDS[Choice(choice)]}" if revealed else (
                "committed" if committed else "—")  # fmt: skip
            you = " (you)" if juror.lower() == me else ""
            panel.append([str(n), str(seat), juror + you, vote])
    table("rounds", ["round", "drawn", "revealed votes", "paid out"], rounds)
    if panel:
        table("panel", ["round", "seat", "juror", "vote"], panel)


def _evidence(court: CourtClient, case, first_block: int) -> None:
    anchors = CourtLogs(court, first_block).evidence(case.case_id)
    if not anchors:
        say("evidence: none anchored on chain yet")
        return
    table(
        "evidence anchored on chain",
        ["party", "content hash", "uri", "block"],
        [[_party(case, a.party), "0x" + a.content_hash.hex(), a.uri, str(a.block_number)]
         for a in anchors],
    )  # fmt: skip


_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}


def _evidence_files(app_state: AppState, url: str, case_id: int, folder: Path) -> None:
    with _api(app_state, url) as api:
        files = api.evidence(case_id)
        if not files:
            say(f"evidence files at {url}: none")
            return
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for f in files:
            data = api.download(case_id, f.content_hash)  # checked against its keccak256
            # Named by content, never by the uploader's file name (no path tricks).
            path = folder / (f.content_hash + _EXTENSIONS.get(f.content_type, ".txt"))
            path.write_bytes(data)
            rows.append([f.content_hash[:18] + "…", f.content_type, str(f.size),
                         f.filename or "—", str(path)])  # fmt: skip
    columns = ["hash", "type", "bytes", "name", "saved as"]
    table(f"evidence files from {url} (hash checked)", columns, rows)


# ---------------------------------------------------------------------------- votes


@app.command("vote")
def vote(
    ctx: typer.Context,
    case_id: CaseArg,
    choice: Annotated[
        str,
        typer.Argument(
            metavar="CHOICE",
            help="refund (the buyer), pay (the merchant) or refuse (to rule: the price is split).",
        ),
    ],
    relay: RelayOption = None,
    court: CourtOption = None,
) -> None:
    """Commit your hidden vote (once: it cannot be changed).

    The salt comes from your wallet, so you can reveal from any machine with the same key."""
    app_state, service = _service(ctx, court)
    picked = parse_choice(choice)
    if relay is not None:
        view, signed = service.signed_commit(case_id, picked)
        with _api(app_state, relay) as api:
            answer = api.post_commit(signed)
        ok(f"signed your vote ({CHOICE_WORDS[picked]}) for case {case_id}, seat {view.seat}: "
           f"{relay} holds it for its relayer ({answer['status']})")  # fmt: skip
        say(f"valid until {format_deadline(signed[3], service.now())}; no gas paid")
    else:
        view, result = service.commit(case_id, picked)
        ok(f"committed your vote ({CHOICE_WORDS[picked]}) in case {case_id}, seat {view.seat} "
           f"(tx {_tx(result)})")  # fmt: skip
    say(f"next: `fairkey juror reveal {case_id}` in the reveal period (or keep `fairkey juror "
        "run` going: it reveals for you)")  # fmt: skip


@app.command("reveal")
def reveal(ctx: typer.Context, case_id: CaseArg, relay: RelayOption = None,
           court: CourtOption = None) -> None:  # fmt: skip
    """Reveal your vote, from any machine with your wallet.

    The salt is re-derived from your wallet and the choice found by trying each against your
    commit: no local state is needed (another machine, after any restart)."""
    app_state, service = _service(ctx, court)
    if relay is not None:
        view, item, picked = service.reveal_item(case_id)
        with _api(app_state, relay) as api:
            api.post_reveal(item)
        ok(f"your reveal ({CHOICE_WORDS[picked]}) for case {case_id}, seat {view.seat} is with "
           f"{relay}'s relayer")  # fmt: skip
        return
    view, picked, result = service.reveal(case_id)
    ok(f"revealed {CHOICE_WORDS[picked]} in case {case_id}, seat {view.seat} (tx {_tx(result)})")


@app.command("claim")
def claim(ctx: typer.Context, court: CourtOption = None) -> None:
    """Settle the executed rounds you sat in (if nobody did yet), then withdraw your credit."""
    app_state, service = _service(ctx, court)
    done = service.claim()
    for case_id, round_no, count in done.settled:
        ok(f"settled case {case_id}, round {round_no} ({count} seat(s) paid out)")
    for token, amount in done.withdrawn.items():
        ok(f"withdrew {app_state.tokens.get(token).show(amount)} to {service.me}")
    if not done.settled and not done.withdrawn:
        say("nothing to claim: no executed case to settle and no credit at the court")


# ---------------------------------------------------------------------------- anyone


@app.command("draw")
def draw(
    ctx: typer.Context,
    case_id: CaseArg,
    iterations: Annotated[int, typer.Option(min=1, max=500, help="Candidates to try.")] = 64,
    court: CourtOption = None,
) -> None:
    """Draw the case's panel (anyone; bounded work per call)."""
    client = court_of(state(ctx), court)
    client.draw(case_id, iterations)
    r = client.round(case_id, client.case(case_id).round)
    ok(f"case {case_id}: {r.drawn} of {r.seats} jurors drawn")


@app.command("pass")
def pass_period(ctx: typer.Context, case_id: CaseArg, court: CourtOption = None) -> None:
    """Move the case to its next period once its deadline passed (anyone)."""
    client = court_of(state(ctx), court)
    client.pass_period(case_id)
    ok(f"case {case_id} is now in its {client.case(case_id).period.name.lower()} period")


@app.command("run")
def run(
    ctx: typer.Context,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Seconds between passes.")
    ] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    court: CourtOption = None,
) -> None:
    """Reveal, settle and withdraw for you, until SIGTERM or Ctrl-C.

    Reveals your votes in every reveal period before its deadline, settles and withdraws after
    execution, applies a queued stake. Needs no local state: safe to restart anywhere."""
    app_state, service = _service(ctx, court)
    setup_logging("juror")
    log = logging.getLogger("fairkey.juror")
    log.info("juror %s at court %s from block %d (every %.2fs)", service.me,
             service.court.address, service.logs.from_block, interval)  # fmt: skip
    code = run_loop(service.step, interval=interval, once=once, log=log)
    if code:
        warn("the last pass failed (see the log above)")
    raise typer.Exit(code)
