"""`fairkey balance` and `fairkey withdraw`: what the escrow owes you, and collecting it."""

from __future__ import annotations

from typing import Annotated

import typer

from fairkey.chain.errors import ContractRevert
from fairkey.cli.context import state
from fairkey.cli.output import ok, say, table


def balance(ctx: typer.Context) -> None:
    """Your withdrawable escrow credit and wallet balance, in ETH and the demo token."""
    app = state(ctx)
    me = app.account.address
    rows = [
        [
            token.symbol,
            token.show(app.reader.credit_of(token.address, me)),
            token.show(app.tokens.wallet_balance(token, me)),
        ]
        for token in app.tokens.known()
    ]
    table(f"balances of {me}", ["token", "escrow credit (withdrawable)", "wallet"], rows)


def withdraw(
    ctx: typer.Context,
    token: Annotated[
        str | None,
        typer.Option(
            help="eth, demo or a token address (default: every token you have credit in)."
        ),
    ] = None,
) -> None:
    """Send your escrow credit (payments, refunds, released bonds) to your wallet."""
    app = state(ctx)
    me = app.account.address
    if token is not None:
        chosen = app.tokens.resolve(token)
        if app.reader.credit_of(chosen.address, me) == 0:
            raise ContractRevert(
                "EscrowNothingToWithdraw", {"token": chosen.address, "account": me}
            )
        todo = [chosen]
    else:
        todo = [t for t in app.tokens.known() if app.reader.credit_of(t.address, me)]
        if not todo:
            say("nothing to withdraw: your escrow credit is zero")
            return
    for chosen in todo:
        amount = app.client.withdraw(chosen.address).event("Withdrawn").args["amount"]
        ok(f"withdrew {chosen.show(amount)} to {me}")
