"""`fairkey dev`: tools for the local demo chain only (chain id 31337, e.g. `make up`'s Anvil).

`fairkey dev time +25h` moves the chain's clock forward and mines a block at the new time, so
the keeper, the merchant bot and the buyer see the deadlines that passed and act on them (the
delivery, confirm, response and appeal windows of the README's rules). The clock only moves
forward; `make up` keeps the moved clock across restarts.
"""

from __future__ import annotations

from typing import Annotated

import typer
from web3 import Web3

from fairkey.chain.session import http_web3
from fairkey.cli.context import state
from fairkey.cli.errors import CliError
from fairkey.cli.output import fields
from fairkey.settings import DEV_CHAIN_ID
from fairkey.units import format_time, parse_duration

app = typer.Typer(
    name="dev",
    help="Local demo chain only (chain id 31337): move its clock to watch deadlines fire.",
    no_args_is_help=True,
)


@app.callback()
def dev() -> None:
    """Tools for the local demo chain (`make up`); refused on any other chain."""


def _dev_chain(ctx: typer.Context) -> Web3:
    settings = state(ctx).settings
    w3 = http_web3(settings.rpc_url)
    chain_id = w3.eth.chain_id
    if chain_id != DEV_CHAIN_ID:
        raise CliError(
            f"`fairkey dev` only works on a local dev chain (chain id {DEV_CHAIN_ID}, e.g. "
            f"`make up`); the node at {settings.rpc_url} is chain {chain_id}, whose clock nobody "
            "can move: wait for the deadline instead"
        )
    return w3


def _shift_seconds(text: str) -> int:
    raw = text.strip()
    if raw.startswith("-"):
        raise CliError(
            f"{text!r}: the chain clock only moves forward (block times never run backwards); "
            "give a forward shift such as +25h"
        )
    try:
        seconds = parse_duration(raw.removeprefix("+"))
    except ValueError:
        raise CliError(
            f"{text!r} is not a forward shift: use +Ns, +Nm, +Nh or +Nd (e.g. +90s, +30m, +25h, "
            "+2d, or combined: +1d2h)"
        ) from None
    if seconds <= 0:
        raise CliError(f"{text!r} does not move the clock: give a shift of at least +1s")
    return seconds


def _call(w3: Web3, method: str, params: list) -> object:
    return w3.manager.request_blocking(method, params)  # an error answer raises Web3RPCError


@app.command("time", context_settings={"ignore_unknown_options": True})
def time_(
    ctx: typer.Context,
    shift: Annotated[
        str | None,
        typer.Argument(
            metavar="+DURATION",
            help="How far to move the clock forward: +Ns, +Nm, +Nh or +Nd (e.g. +25h, +1d2h). "
            "Without it: show the chain's time.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Move the chain's clock forward and mine a block, so passed deadlines fire.

    The keeper that `make up` runs enforces every deadline before the new time within a block
    (late delivery refunds, settlements after the confirm window, silent-merchant refunds).
    """
    w3 = _dev_chain(ctx)
    before = w3.eth.get_block("latest")
    if shift is None:
        fields(
            "chain time",
            [
                ("time", format_time(before["timestamp"])),
                ("block", str(before["number"])),
            ],
        )
        return
    seconds = _shift_seconds(shift)
    _call(w3, "evm_increaseTime", [seconds])
    _call(w3, "evm_mine", [])
    after = w3.eth.get_block("latest")
    fields(
        f"moved the chain clock +{shift.strip().removeprefix('+')} ({seconds} s)",
        [
            ("chain time", format_time(after["timestamp"])),
            ("previous block", format_time(before["timestamp"])),
            ("block", f"{after['number']} (mined at the new time: deadlines before it can fire)"),
        ],
    )
