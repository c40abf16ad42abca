"""The court the `juror` and `relayer` commands talk to: `--court ADDRESS` (env
FAIRKEY_COURT_ADDRESS), else the court the escrow names now (its `arbitrator()`: the owner may
have changed it since deployment.json was written)."""

from __future__ import annotations

from typing import Annotated

import typer
from web3 import Web3

from arbitration.court_client import CourtClient
from fairkey.cli.context import AppState
from fairkey.cli.errors import CliError

CourtOption = Annotated[
    str | None,
    typer.Option(
        "--court",
        envvar="FAIRKEY_COURT_ADDRESS",
        metavar="ADDRESS",
        help="The court (env FAIRKEY_COURT_ADDRESS; default: the escrow's arbitrator).",
        show_default=False,
    ),
]


def court_of(app: AppState, address: str | None, *, signing: bool = True) -> CourtClient:
    """The court's client, signing as the command's account (`signing`), checked to be a court."""
    if address is None:
        address = app.reader.session.call(app.reader.f.arbitrator())
        named = f"the escrow's arbitrator {address}"
    elif not Web3.is_address(address.strip()):
        raise CliError(f"--court {address!r} is not an address")
    else:
        address = address.strip()
        named = f"--court {address}"
    session = app.session.with_account(app.account if signing else None)
    if not session.w3.eth.get_code(Web3.to_checksum_address(address)):
        raise CliError(f"{named} has no contract on the chain at {app.settings.rpc_url}")
    court = CourtClient(session, address)
    try:
        court.params()
    except Exception:  # noqa: BLE001 - any failure means "not a Court" (no params() there)
        raise CliError(
            f"{named} is not a fairkey court (a demo TestArbitrator?): pass --court ADDRESS "
            "(or set FAIRKEY_COURT_ADDRESS)"
        ) from None
    return court


def from_block(app: AppState) -> int:
    """Where court events are searched from: the deployment's block (the court came later)."""
    return app.deployment.block if app.settings.deployment_file.exists() else 0
