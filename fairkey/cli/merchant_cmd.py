"""`fairkey merchant run`: the auto-delivery bot (see fairkey/services/merchant_bot/).

Registered in fairkey/cli/main.py with
``app.add_typer(merchant_cmd.app, name="merchant", rich_help_panel=MERCHANT)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairkey.cli.context import AppState, state
from fairkey.cli.errors import CliError
from fairkey.merchant.policy import MerchantPolicy, PolicyError

if TYPE_CHECKING:
    from fairkey.services.merchant_bot import MerchantBot

app = typer.Typer(help="Merchant automation: the auto-delivery bot.", no_args_is_help=True)


def bot_from_app(app_state: AppState, policy: MerchantPolicy) -> MerchantBot:
    """A bot for the command's signing account (settings, deployment, vault)."""
    from fairkey.services.merchant_bot import MerchantBot  # the bot brings the vault (SQLAlchemy)

    return MerchantBot(
        app_state.client,
        app_state.vault(),
        policy,
        app_state.deployment.block,
        home=app_state.settings.home,
        state_dir=app_state.account_dir,
    )


@app.command("run")
def run(
    ctx: typer.Context,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Dispute/alert policy (TOML); default: on a listing with a verifier every "
            "dispute waits for its verdict, elsewhere refund, replace key-invalid, contest "
            "not-as-described; replace after a bad-key verdict; a dispute left to wait is "
            "answered (contest, else refund) before a quarter of its response window is left.",
            show_default=False,
        ),
    ] = None,
    verifier_url: Annotated[
        str | None,
        typer.Option(
            "--verifier-url",
            help="The listing verifier's HTTP API (e.g. http://127.0.0.1:8600), read for its "
            "signed answers to disputed keys; overrides the policy's verifier.url.",
            show_default=False,
        ),
    ] = None,
    interval: Annotated[
        float | None,
        typer.Option(help="Seconds between steps (default: the policy's bot.interval, 1 s)."),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="One step, then exit.")] = False,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING.")] = "INFO",
) -> None:
    """Deliver every paid order from your vault, answer disputes by policy, raise alerts.

    Runs until Ctrl-C / SIGTERM; safe to stop and restart at any moment. Alerts are logged and
    appended to <home>/alerts.jsonl."""
    from fairkey.services.merchant_bot import run_bot, setup_logging

    try:
        rules = MerchantPolicy.load(policy)
        if verifier_url is not None:
            rules = rules.with_verifier_url(verifier_url)
    except PolicyError as exc:
        raise CliError(str(exc)) from None
    setup_logging(log_level)
    app_state = state(ctx)
    bot = bot_from_app(app_state, rules)
    code = run_bot(bot, interval=interval or rules.interval, once=once)
    if code:
        raise typer.Exit(code)
