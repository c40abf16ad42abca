"""What `make up` prints once everything answers: where the dApp is, the contracts, the demo
accounts and the orders waiting in each state (on the demo chain), or which services run with
which keys and which setting starts the others (on a network); then what to try."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from api.settings import ApiSettings
from fairkey.chain.anvil import DEV_MNEMONIC
from fairkey.chain.deploy import Deployment
from scripts.up.accounts import JURORS, ROLES, SECOND_BUYER, SHOPS, account
from scripts.up.market import LISTINGS
from scripts.up.output import console, say, shown
from scripts.up.seed import seeded_orders
from scripts.up.services import NetworkPlan
from scripts.up.settings import DEFAULT_HOME, UpSettings

READY_LOCAL = "Ctrl-C stops the chain"  # the last line on the demo chain (tests wait for it)
READY_NETWORK = "Ctrl-C stops the services"


def _dapp(settings: UpSettings) -> str:
    if (ApiSettings(home=settings.home).web_dist / "index.html").exists():
        return f"{settings.api_url}/app/  (buyers, merchants, arbitrators; English / 中文)"
    return f"{settings.api_url}/app/ once built (`make build`: web/dist is missing)"


def _shops() -> dict[int, str]:
    """Dev account -> what it sells (listing numbers), for the accounts table."""
    sells: dict[int, list[str]] = {}
    for number, item in enumerate(LISTINGS, start=1):
        sells.setdefault(item.merchant, []).append(str(number))
    return {merchant: "listings " + ", ".join(numbers) for merchant, numbers in sells.items()}


def print_local(settings: UpSettings, deployment: Deployment) -> None:
    logs = shown(settings.logs)
    sells = _shops()
    table = Table(title="fairkey on local Anvil", show_header=False)
    table.add_row("dApp", _dapp(settings))
    table.add_row("RPC", f"{settings.rpc_url}  (chain id {deployment.chain_id})")
    table.add_row("FairkeyEscrow", deployment.escrow)
    table.add_row(
        "Court",
        f"{deployment.arbitrator}  ({len(JURORS)} demo jurors, dev accounts "
        f"{JURORS[0]}–{JURORS[-1]})",
    )
    table.add_row("API", f"{settings.api_url}  (listings, orders, notifications, sign-in, votes)")
    table.add_row("Demo token (dUSD)", deployment.token)
    for role, index in ROLES.items():
        what = f"  (bot; {sells[index]})" if index in sells else ""
        table.add_row(f"{role} (--dev-account {index})", account(index).address + what)
    for shop, index in SHOPS.items():
        table.add_row(
            f"{shop} (--dev-account {index})",
            f"{account(index).address}  (merchant, delivers by hand; {sells[index]})",
        )
    table.add_row(f"buyer 2 (--dev-account {SECOND_BUYER})", account(SECOND_BUYER).address)
    table.add_row(f"juror (--dev-account {JURORS[0]}…)", account(JURORS[0]).address)
    table.add_row("issuer simulator", f"http://127.0.0.1:{settings.issuer_port}  (demo issuer)")
    table.add_row("key verifier", settings.verifier_url)
    table.add_row(
        "services",
        "merchant bot (account 2), keeper (account 4, also the court's), indexer, API, "
        f"relayer (account 6): logs in {logs}/",
    )
    table.add_row("index (SQLite)", f"{settings.home / 'index.sqlite3'}  (`fairkey index status`)")
    table.add_row("indexer metrics", f"http://127.0.0.1:{settings.metrics_port}/metrics")
    table.add_row("data folder", f"{settings.home}  (locked while this runs)")
    console.print(table)
    _print_orders(settings)
    where = []  # the `fairkey` command defaults to ./.fairkey and port 8545: say when this differs
    if Path(DEFAULT_HOME).resolve() != settings.home:
        where.append(f"FAIRKEY_HOME={shown(settings.home)}")
    if settings.chain_port != 8545:
        where.append(f"FAIRKEY_RPC_URL={settings.rpc_url}")
    say(
        f"In a browser: {settings.api_url}/app/ with a wallet on {settings.rpc_url} (chain id "
        f"{deployment.chain_id}) holding a dev account: Anvil's public test mnemonic "
        f'"{DEV_MNEMONIC}", account N = --dev-account N.\n'
        "Try it in another terminal (README, 'Walkthrough'):\n"
        + (f"  export {' '.join(where)}\n" if where else "")
        + "  export FAIRKEY_VAULT_PASSPHRASE=demo\n"
        "  .venv/bin/fairkey --dev-account 3 buy 1            # buyer pays listing 1\n"
        "  .venv/bin/fairkey --dev-account 3 order show ORDER # delivered by the bot? decrypt\n"
        "  .venv/bin/fairkey --dev-account 3 confirm ORDER    # the key works: merchant paid\n"
        f"  .venv/bin/fairkey --dev-account {SECOND_BUYER} order list       # the demo orders, "
        "one in each state\n"
        "  .venv/bin/fairkey dev time +25h                    # move the chain clock: the keeper\n"
        "                                                     # enforces the deadlines passed\n"
        f"  .venv/bin/fairkey --dev-account {JURORS[0]} juror cases       # a juror's seats in the "
        "live case\n"
        f"{READY_LOCAL} (its state is saved in the data folder)."
    )


def _print_orders(settings: UpSettings) -> None:
    """One line per seeded order (never a table: the ids must stay whole, to be copied)."""
    orders = seeded_orders(settings.demo)
    if orders:
        lines = [f"  {row['order']}  listing {row['listing']}, --dev-account {row['buyer']}: "
                 f"{row['shows']}" for row in orders]  # fmt: skip
        say("Demo orders, one waiting in each state:\n" + "\n".join(lines))


def print_network(settings: UpSettings, deployment: Deployment, plan: NetworkPlan) -> None:
    table = Table(title=f"fairkey on chain {deployment.chain_id}", show_header=False)
    table.add_row("dApp", _dapp(settings))
    table.add_row("RPC", f"{settings.rpc_url}  (chain id {deployment.chain_id})")
    table.add_row("FairkeyEscrow", deployment.escrow)
    table.add_row("Court", deployment.arbitrator)
    first = f"from block {deployment.block}"
    table.add_row("deployment", f"{shown(settings.deployment_file)}  ({first})")
    table.add_row("API", settings.api_url)
    table.add_row("indexer", f"http://127.0.0.1:{settings.metrics_port}/metrics  (metrics)")
    for name, address in plan.signers.items():
        table.add_row(name, f"signs as {address}")
    for name, why in plan.skipped.items():
        table.add_row(name, f"not started: {why}")
    table.add_row("logs", f"{shown(settings.logs)}/")
    table.add_row("data folder", f"{settings.home}  (locked while this runs)")
    console.print(table)
    say(
        "Try it in another terminal (docs/testnet.md):\n"
        f"  export FAIRKEY_RPC_URL={settings.rpc_url} FAIRKEY_HOME={shown(settings.home)}\n"
        "  export FAIRKEY_PRIVATE_KEY=0x…                     # your key on this network\n"
        "  .venv/bin/fairkey index show listings\n"
        "  .venv/bin/fairkey buy 1\n"
        f"{READY_NETWORK}; the chain and the deployment stay as they are."
    )
