"""`make up`: a local fairkey marketplace — Anvil, contracts, a demo merchant with stock.

State lives in .fairkey/ (FAIRKEY_HOME): the chain (Anvil dumps it on exit and reloads it on
start), the deployment, and each account's data. Running it again resumes the same marketplace;
`rm -rf .fairkey` starts over. The demo merchant is set up through the `fairkey` command itself,
exactly as the README shows a merchant doing it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from web3 import Web3

from fairkey.chain.anvil import AnvilNode, dev_accounts
from fairkey.chain.deploy import Deployment, deploy_stack
from fairkey.chain.session import ChainSession, http_web3
from fairkey.indexer.store import any_cursor
from scripts.demo_data import (
    DEMO_LISTING_TERMS,
    DEMO_MERCHANT_POLICY,
    read_codes,
    write_demo_keys,
    write_issuer_keys,
)
from scripts.supervisor import Service, Supervisor

console = Console()
HOME = Path(os.environ.get("FAIRKEY_HOME", ".fairkey")).resolve()
PORT = int(os.environ.get("FAIRKEY_PORT", "8545"))
VERIFIER_PORT = int(os.environ.get("FAIRKEY_VERIFIER_PORT", "8600"))
ISSUER_PORT = int(os.environ.get("FAIRKEY_ISSUER_PORT", "8700"))
METRICS_PORT = int(os.environ.get("FAIRKEY_METRICS_PORT", "9108"))  # the indexer's Prometheus
DEMO = HOME / "demo"
DEMO_PASSPHRASE = "demo"  # the demo merchant's vault passphrase (local demo only)
ROLES = {"operator": 0, "treasury": 1, "merchant": 2, "buyer": 3, "keeper": 4, "verifier": 5}


def _fairkey(*args: str, account: int) -> str:
    """Run the real `fairkey` command as dev account `account`; fail loudly with its output."""
    cmd = [
        sys.executable,
        "-m",
        "fairkey.cli.main",
        "--home",
        str(HOME),
        "--rpc",
        f"http://127.0.0.1:{PORT}",
        "--dev-account",
        str(account),
        *args,
    ]
    env = dict(os.environ, FAIRKEY_VAULT_PASSPHRASE=DEMO_PASSPHRASE)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        console.print(f"[red]fairkey {' '.join(args)} failed[/red]\n{done.stdout}{done.stderr}")
        raise SystemExit(1)
    return done.stdout


def _port_in_use() -> bool:
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{PORT}", request_kwargs={"timeout": 1}))
    try:
        return w3.is_connected()
    except Exception:  # noqa: BLE001
        return False


def _deployment_alive(w3: Web3, path: Path) -> Deployment | None:
    if not path.exists():
        return None
    deployment = Deployment.load(path)
    if deployment.chain_id != w3.eth.chain_id or w3.eth.get_code(deployment.escrow) in (
        b"",
        b"\x00",
    ):
        return None
    return deployment


def _index_matches_chain(w3: Web3, deployment: Deployment) -> bool:
    """Whether the saved index still describes this chain. Anvil saves its state when it stops;
    after a hard kill the reloaded chain can be older than the index, which the indexer would
    (rightly) refuse as a reorg beyond finality. On the demo chain the index is rebuilt instead."""
    path = HOME / "index.sqlite3"
    if not path.exists():
        return True
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            cursor = any_cursor(conn, deployment.escrow.lower())
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    if cursor is None or cursor.hash is None:
        return True
    block = w3.eth.get_block(cursor.number) if cursor.number <= w3.eth.block_number else None
    return block is not None and block["hash"].to_0x_hex() == cursor.hash and not cursor.halted


def _seed_demo() -> None:
    with console.status("demo merchant: listing, key import, stock commitment…"):
        _fairkey(
            "listing",
            "create",
            *DEMO_LISTING_TERMS,
            "--verifier",
            dev_accounts(6)[ROLES["verifier"]].address,
            "--description",
            "Steam Wallet card, 50 USD, global (demo)",
            account=ROLES["merchant"],
        )
        keys = DEMO / "supplier-batch-1.txt"
        write_issuer_keys(DEMO / "issuer-keys.json", read_codes(write_demo_keys(keys, 25)))
        (DEMO / "merchant-policy.toml").write_text(DEMO_MERCHANT_POLICY)
        _fairkey(
            "stock", "import", str(keys), "--supplier", "demo-supplier", account=ROLES["merchant"]
        )
        _fairkey("stock", "commit", "1", "--listing", "1", account=ROLES["merchant"])


def _cli(*args: str, account: int | None = None) -> list[str]:
    argv = [sys.executable, "-m", "fairkey.cli.main", "--home", str(HOME),
            "--rpc", f"http://127.0.0.1:{PORT}"]  # fmt: skip
    if account is not None:
        argv += ["--dev-account", str(account)]
    return argv + list(args)


def _start_services(supervisor: Supervisor) -> None:
    """The long-running services beside the chain, each a `fairkey` command with its own log."""
    vault = {"FAIRKEY_VAULT_PASSPHRASE": DEMO_PASSPHRASE}
    issuer_url = f"http://127.0.0.1:{ISSUER_PORT}/redeem-check"
    for service in (
        Service("issuer-sim", _cli("issuer-sim", "run", "--port", str(ISSUER_PORT),
                                   "--keys", str(DEMO / "issuer-keys.json"))),
        Service("verifier", _cli("verifier", "run", "--port", str(VERIFIER_PORT),
                                 "--issuer-url", issuer_url, "--db", str(HOME / "verifier.sqlite"),
                                 account=ROLES["verifier"])),
        Service("merchant-bot", _cli("merchant", "run", "--policy",
                                     str(DEMO / "merchant-policy.toml"),
                                     account=ROLES["merchant"]), env=vault),
        Service("keeper", _cli("keeper", "run", account=ROLES["keeper"])),
        Service("indexer", _cli("index", "run", "--metrics-port", str(METRICS_PORT))),
    ):  # fmt: skip
        supervisor.start(service)
    for url in (
        f"http://127.0.0.1:{ISSUER_PORT}/admin/stats",
        f"http://127.0.0.1:{VERIFIER_PORT}/info",
        f"http://127.0.0.1:{METRICS_PORT}/metrics",
    ):
        _wait_http(url, supervisor)


def _wait_http(url: str, supervisor: Supervisor, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor.dead():
            names = ", ".join(s.name for s in supervisor.dead())
            raise RuntimeError(f"{names} exited at start; see {HOME / 'logs'}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s; see {HOME / 'logs'}")


def _print_summary(deployment: Deployment) -> None:
    accounts = dev_accounts(6)
    table = Table(title="fairkey on local Anvil", show_header=False)
    table.add_row("RPC", f"http://127.0.0.1:{PORT}  (chain id {deployment.chain_id})")
    table.add_row("FairkeyEscrow", deployment.escrow)
    table.add_row("Arbitrator (test court)", deployment.arbitrator)
    table.add_row("Demo token (dUSD)", deployment.token)
    for role, index in ROLES.items():
        table.add_row(f"{role} (--dev-account {index})", accounts[index].address)
    table.add_row("issuer simulator", f"http://127.0.0.1:{ISSUER_PORT}  (demo card issuer)")
    table.add_row("key verifier", f"http://127.0.0.1:{VERIFIER_PORT}")
    table.add_row(
        "services",
        "merchant bot (account 2), keeper (account 4), indexer: logs in .fairkey/logs/",
    )
    table.add_row("index (SQLite)", f"{HOME / 'index.sqlite3'}  (`fairkey index status`)")
    table.add_row("indexer metrics", f"http://127.0.0.1:{METRICS_PORT}/metrics  (Prometheus)")
    table.add_row("data folder", str(HOME))
    console.print(table)
    console.print(
        "Try it in another terminal (README, 'Walkthrough'):\n"
        "  export FAIRKEY_VAULT_PASSPHRASE=demo\n"
        "  .venv/bin/fairkey --dev-account 3 buy 1            # buyer pays listing 1\n"
        "  .venv/bin/fairkey --dev-account 3 order show ORDER # delivered by the bot? decrypt\n"
        "  .venv/bin/fairkey --dev-account 3 confirm ORDER    # the key works: merchant paid\n"
        "Ctrl-C stops the chain (its state is saved in the data folder)."
    )


def _stop_on_signals() -> None:
    """Ctrl-C and `kill` both end the loop below, which stops Anvil (and Anvil saves its state)."""

    def _raise(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, _raise)  # explicit: a background job may inherit SIGINT ignored
    signal.signal(signal.SIGTERM, _raise)


def main() -> None:
    _stop_on_signals()
    if _port_in_use():
        console.print(
            f"[red]Something already answers on port {PORT}[/red] (another `make up`?). "
            "Stop it, or set FAIRKEY_PORT."
        )
        raise SystemExit(1)
    HOME.mkdir(parents=True, exist_ok=True)
    node = AnvilNode(port=PORT, state_file=HOME / "anvil-state.json", log_file=HOME / "anvil.log")
    supervisor = Supervisor(HOME / "logs")
    with console.status("starting Anvil…"):
        node.start()
    try:
        w3 = http_web3(node.url)
        deployment = _deployment_alive(w3, HOME / "deployment.json")
        if deployment is None:
            with console.status("deploying contracts…"):
                session = ChainSession(w3, dev_accounts(1)[0])
                deployment = deploy_stack(session, treasury=dev_accounts(2)[1].address)
                deployment.save(HOME / "deployment.json")
            for stale in HOME.glob("index.sqlite3*"):  # an index of the previous chain
                stale.unlink()
            _seed_demo()
        else:
            console.print("[green]resumed the saved marketplace[/green]")
            if not _index_matches_chain(w3, deployment):
                console.print("the saved index is ahead of the saved chain: rebuilding it")
                for stale in HOME.glob("index.sqlite3*"):
                    stale.unlink()
        with console.status("starting the issuer simulator, verifier, bot, keeper, indexer…"):
            _start_services(supervisor)
        _print_summary(deployment)
        while node.process and node.process.poll() is None and not supervisor.failed():
            time.sleep(0.5)
            for service, code in supervisor.revive():
                console.print(
                    f"[yellow]{service.name} exited (code {code}); restarted[/yellow] — see "
                    f".fairkey/logs/{service.name}.log"
                )
        for service in supervisor.failed():
            console.print(
                f"[red]{service.name} keeps stopping[/red] (restarted {len(service.restarts)} "
                f"times in a minute); see .fairkey/logs/{service.name}.log"
            )
        if node.process is None or node.process.poll() is not None:
            console.print("[red]Anvil stopped unexpectedly[/red]; see .fairkey/anvil.log")
    except KeyboardInterrupt:
        console.print("stopping…")
    finally:
        supervisor.stop_all()
        node.stop()


if __name__ == "__main__":
    main()
