"""Key verifier commands: run the verifier service, run the reference issuer simulator, and
`verify` (a buyer sends the delivered key, sealed to the listing's verifier, for an issuer check).

Registered in fairkey/cli/main.py as:
    app.add_typer(verifier_cmd.app, name="verifier", rich_help_panel=SERVICES)
    app.add_typer(verifier_cmd.issuer_app, name="issuer-sim", rich_help_panel=SERVICES)
    app.command("verify", rich_help_panel=BUYER)(verifier_cmd.verify)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer

from fairkey.chain.types import OrderStatus, order_ref
from fairkey.cli.context import state
from fairkey.cli.errors import CliError
from fairkey.cli.lookup import (
    ZERO_ADDRESS,
    OrderArg,
    buyer_order,
    open_as_buyer,
)
from fairkey.cli.output import fields, ok, warn

app = typer.Typer(
    help="Run the key verifier: checks disputed keys at the issuer, attests bad ones on chain.",
    no_args_is_help=True,
)
issuer_app = typer.Typer(
    help="Run the reference card-issuer simulator (for tests and the demo).",
    no_args_is_help=True,
)

Host = Annotated[str, typer.Option(help="Interface to listen on.")]


@app.command("run")
def run_verifier(
    ctx: typer.Context,
    issuer_url: Annotated[
        str,
        typer.Option(
            help="The issuer's check URL ({key} is replaced by the key), e.g. "
            "http://127.0.0.1:8700/redeem-check."
        ),
    ],
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8600,
    host: Host = "127.0.0.1",
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="JSON field mapping of the issuer's API (method, body, answers); default: "
            "the reference simulator's."
        ),
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(help="SQLite file of decisions (default HOME/verifier/<address>.sqlite)."),
    ] = None,
    attempts: Annotated[int, typer.Option(min=1, help="Issuer calls per check at most.")] = 5,
    budget: Annotated[
        float, typer.Option(min=0, help="Seconds of retrying per check at most.")
    ] = 30.0,
    issuer_timeout: Annotated[float, typer.Option(min=0.1, help="Seconds per issuer call.")] = 5.0,
) -> None:
    """Serve the verifier (the account from --dev-account / FAIRKEY_PRIVATE_KEY signs verdicts)."""
    import uvicorn

    from fairkey.issuers.http_json import HttpJsonAdapter, IssuerConfigError
    from fairkey.verifier.routes import create_verifier_app
    from fairkey.verifier.service import RetryPolicy, VerifierService
    from fairkey.verifier.store import DecisionStore

    state_ = state(ctx)
    account = state_.account
    reader = state_.reader
    try:
        if mapping is not None:
            if not mapping.is_file():
                raise FileNotFoundError(2, "no such file", str(mapping))
            adapter = HttpJsonAdapter.load(mapping, url=issuer_url, timeout=issuer_timeout)
        else:
            adapter = HttpJsonAdapter(issuer_url, timeout=issuer_timeout)
    except IssuerConfigError as exc:
        raise CliError(f"issuer mapping: {exc}") from None
    path = db or state_.settings.home / "verifier" / f"{account.address}.sqlite"
    store = DecisionStore.at(path)
    service = VerifierService(
        reader, account, adapter, store, RetryPolicy(attempts=attempts, budget_seconds=budget)
    )
    ok(f"verifier {account.address} on http://{host}:{port} (escrow {reader.address}, db {path})")
    try:
        uvicorn.run(create_verifier_app(service), host=host, port=port, log_level="info")
    finally:
        adapter.close()
        store.close()


@issuer_app.command("run")
def run_issuer(
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8700,
    host: Host = "127.0.0.1",
    keys: Annotated[
        Path | None,
        typer.Option(
            help='JSON {"CODE": "valid|redeemed|invalid|region-locked"} (or a list of '
            '{"code", "state"}); codes not listed are invalid.'
        ),
    ] = None,
) -> None:
    """Serve the reference issuer: POST /redeem-check {"code"} -> {"status"}; /admin/* endpoints."""
    import uvicorn

    from fairkey.issuers.simulator import IssuerSimulator, create_simulator_app, load_keys

    if keys is not None and not keys.is_file():
        raise FileNotFoundError(2, "no such file", str(keys))
    try:
        known = load_keys(keys) if keys is not None else {}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CliError(f"{keys}: not a key-state file: {exc}") from None
    ok(f"issuer simulator on http://{host}:{port} ({len(known)} keys)")
    uvicorn.run(
        create_simulator_app(IssuerSimulator(known)), host=host, port=port, log_level="info"
    )


def verify(
    ctx: typer.Context,
    order_id: OrderArg,
    verifier_url: Annotated[str, typer.Option(help="The listing verifier's service URL.")],
) -> None:
    """Send the delivered key, encrypted to the listing's verifier, for a check at the issuer.

    Dispute first (`fairkey dispute ORDER --reason …`, any reason): the verifier's signed verdict
    then goes on chain. An invalid or redeemed key is refunded after the appeal window; a valid
    one is delivered (the merchant is paid, with your dispute bond, unless you contest)."""
    from fairkey.verifier.client import VerifierClient, VerifierError, VerifierMismatch

    app_ = state(ctx)
    order = buyer_order(
        app_,
        order_id,
        OrderStatus.DISPUTED,
        OrderStatus.VERIFIER_REFUND_PENDING,
        action="verify (dispute it first)",
    )
    listing = app_.reader.listing(order.listing_id)
    if listing.verifier == ZERO_ADDRESS:
        raise CliError(f"listing {order.listing_id} names no verifier")
    opened, _ = open_as_buyer(app_, order_id)
    if not opened.check.ok or opened.check.key is None:
        raise CliError(
            f"the delivered key of order {order_ref(order_id)} does not check against its "
            f"commitment: prove the misdelivery instead (`fairkey prove {order_ref(order_id)}`)"
        )
    deployment = app_.deployment
    try:
        with VerifierClient(verifier_url) as client:
            decision = client.check_key(
                order_id,
                opened.check.key,
                expect_verifier=listing.verifier,
                expect_chain_id=deployment.chain_id,
                expect_escrow=deployment.escrow,
            )
    except VerifierMismatch as exc:
        raise CliError(str(exc)) from None
    except VerifierError as exc:
        raise CliError(str(exc)) from None
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach the verifier at {verifier_url}: {exc}") from None
    rows = [
        ("order", decision["order"]),
        ("delivery", str(decision["delivery_no"])),
        ("issuer says", decision["answer"]),
        ("outcome", decision["outcome"]),
        ("issuer calls", str(decision["attempts"])),
    ]
    if decision.get("tx_hash"):
        rows.append(("verdict tx", decision["tx_hash"]))
    fields("key check", rows)
    if decision["outcome"] == "refund_pending":
        ok(decision["message"])
    else:
        warn(decision["message"])
