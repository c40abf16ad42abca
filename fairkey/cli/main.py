"""The `fairkey` command: app, global options, and one place that turns errors into messages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup
from typer.exceptions import TyperException

from fairkey.cli import (
    buyer,
    case_cmd,
    deploy_cmd,
    dev_cmd,
    index_cmd,
    juror_cmd,
    keeper_cmd,
    listing,
    merchant,
    merchant_cmd,
    money,
    orders,
    relayer_cmd,
    stock,
    verifier_cmd,
)
from fairkey.cli.context import AppState
from fairkey.cli.errors import describe
from fairkey.cli.global_options import MissingValue, hoist, option_arity
from fairkey.cli.lookup import document_order_params
from fairkey.cli.output import error
from fairkey.settings import Settings


class FairkeyGroup(TyperGroup):
    """Runs every command; a user mistake becomes one red line and exit code 1, not a traceback.
    Global options are accepted after the command too (fairkey/cli/global_options.py)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        document_order_params(self)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        try:
            args = hoist(args, option_arity(self.params))
        except MissingValue as exc:
            raise typer.BadParameter(str(exc)) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):  # usage errors, --help, Ctrl-C
            raise
        except Exception as exc:
            obj = ctx.obj
            rpc_url = obj.settings.rpc_url if isinstance(obj, AppState) else "?"
            message = describe(exc, rpc_url)
            if message is None:
                raise  # a bug: show it (typer prints it without local variables)
            error(message)
            if isinstance(obj, AppState) and obj.debug:
                raise
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=FairkeyGroup,
    name="fairkey",
    help="fairkey: escrow for digital card keys — sell, buy, deliver and check keys on chain. "
    "The options below go before or after the command.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals could hold keys and passphrases
)


@app.callback()
def main(
    ctx: typer.Context,
    rpc: Annotated[
        str | None,
        typer.Option(
            "--rpc",
            help="JSON-RPC URL of the chain node (env FAIRKEY_RPC_URL).",
            show_default=False,
        ),
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Data folder with deployment.json (env FAIRKEY_HOME; default ./.fairkey).",
            show_default=False,
        ),
    ] = None,
    dev_account: Annotated[
        int | None,
        typer.Option(
            "--dev-account",
            metavar="N",
            min=0,
            help="Sign as Anvil dev account N (local chain 31337 only) "
            "(env FAIRKEY_DEV_ACCOUNT); else FAIRKEY_PRIVATE_KEY signs.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Global options (before or after the command); every command below has its own --help."""
    overrides: dict[str, Any] = {}
    if rpc is not None:
        overrides["rpc_url"] = rpc
    if home is not None:
        overrides["home"] = home
    if dev_account is not None:
        overrides["dev_account"] = dev_account
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(f"bad setting: {problems}") from None
    state = AppState(settings, debug=debug)
    ctx.obj = state
    ctx.call_on_close(state.close)


MERCHANT, BUYER, ANYONE = "Merchant", "Buyer", "Anyone (deadlines, money)"
app.add_typer(listing.app, name="listing", rich_help_panel=MERCHANT)
app.add_typer(stock.app, name="stock", rich_help_panel=MERCHANT)
app.command("deliver", rich_help_panel=MERCHANT)(merchant.deliver)
app.command("respond", rich_help_panel=MERCHANT)(merchant.respond)
app.command("buy", rich_help_panel=BUYER)(buyer.buy)
app.add_typer(orders.app, name="order", rich_help_panel=BUYER)
app.command("confirm", rich_help_panel=BUYER)(buyer.confirm)
app.command("dispute", rich_help_panel=BUYER)(buyer.dispute)
app.command("prove", rich_help_panel=BUYER)(buyer.prove)
app.command("contest", rich_help_panel=BUYER)(buyer.contest)
app.command("settle", rich_help_panel=ANYONE)(orders.settle)
app.command("refund-late", rich_help_panel=ANYONE)(orders.refund_late)
app.command("balance", rich_help_panel=ANYONE)(money.balance)
app.command("withdraw", rich_help_panel=ANYONE)(money.withdraw)

app.add_typer(keeper_cmd.app, name="keeper", rich_help_panel=ANYONE)
app.add_typer(merchant_cmd.app, name="merchant", rich_help_panel=MERCHANT)
app.command("verify", rich_help_panel=BUYER)(verifier_cmd.verify)
app.add_typer(verifier_cmd.app, name="verifier", rich_help_panel="Services")
app.add_typer(verifier_cmd.issuer_app, name="issuer-sim", rich_help_panel="Services")
app.add_typer(index_cmd.app, name="index", rich_help_panel="Services")
app.add_typer(juror_cmd.app, name="juror", rich_help_panel="Court")
app.add_typer(case_cmd.app, name="case", rich_help_panel="Court")
app.add_typer(relayer_cmd.app, name="relayer", rich_help_panel="Services")
app.add_typer(dev_cmd.app, name="dev", rich_help_panel="Local demo chain")
app.command("deploy", rich_help_panel="Operator")(deploy_cmd.deploy)

if __name__ == "__main__":
    app()
