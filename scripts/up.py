"""`make up`: a local fairkey marketplace — Anvil, contracts, a demo merchant with stock.

State lives in .fairkey/ (FAIRKEY_HOME): the chain (Anvil dumps it on exit and reloads it on
start), the deployment, and each account's data. Running it again resumes the same marketplace;
`rm -rf .fairkey` starts over. One `make up` per data folder: the folder is locked while it runs
(make-up.lock, an flock that its processes hold and the OS releases when they end). The demo
merchant is set up through the `fairkey` command itself, exactly as the README shows a merchant
doing it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from web3 import Web3

from arbitration.court_client import CourtClient
from arbitration.deploy import CourtParams, deploy_court
from fairkey.chain.anvil import AnvilNode, dev_accounts
from fairkey.chain.deploy import Deployment, deploy_stack
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession, http_web3
from fairkey.chain.types import order_ref
from fairkey.settings import Settings
from indexer.queries import saved_cursor
from scripts.demo_data import (
    DEMO_LISTING_TERMS,
    DEMO_MERCHANT_POLICY,
    read_codes,
    write_demo_keys,
    write_issuer_keys,
)
from scripts.supervisor import Service, Supervisor

console = Console()


@dataclass(frozen=True)
class PortSetting:
    env: str  # the environment variable that sets it
    default: int
    what: str  # the service on it, as the hints name it


# Every port `make up` listens on; each one is a setting (the hints list them all).
PORT_SETTINGS = (
    PortSetting("FAIRKEY_PORT", 8545, "chain (Anvil JSON-RPC)"),
    PortSetting("FAIRKEY_VERIFIER_PORT", 8600, "key verifier"),
    PortSetting("FAIRKEY_ISSUER_PORT", 8700, "card-issuer simulator"),
    PortSetting("FAIRKEY_METRICS_PORT", 9108, "indexer metrics (Prometheus)"),
    PortSetting("FAIRKEY_API_PORT", 8800, "appeal API"),
)
DEFAULT_HOME = ".fairkey"
LOCK_NAME = "make-up.lock"


def _say(text: str) -> None:
    """A hint: printed whole (never re-wrapped), so its commands can be copied as they are."""
    console.print(text, soft_wrap=True, highlight=False)


def _port_value(setting: PortSetting) -> int:
    raw = os.environ.get(setting.env, "").strip()
    if not raw:
        return setting.default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        _say(
            f"[red]{setting.env}={raw!r} is not a port[/red] (a number from 1 to 65535; the "
            f"{setting.what}; default {setting.default})"
        )
        raise SystemExit(2)
    return int(raw)


HOME = Path(os.environ.get("FAIRKEY_HOME") or DEFAULT_HOME).resolve()
PORTS = {setting.env: _port_value(setting) for setting in PORT_SETTINGS}
PORT = PORTS["FAIRKEY_PORT"]
VERIFIER_PORT = PORTS["FAIRKEY_VERIFIER_PORT"]
ISSUER_PORT = PORTS["FAIRKEY_ISSUER_PORT"]
METRICS_PORT = PORTS["FAIRKEY_METRICS_PORT"]  # the indexer's Prometheus
API_PORT = PORTS["FAIRKEY_API_PORT"]
API_URL = f"http://127.0.0.1:{API_PORT}"
DEMO = HOME / "demo"
DEMO_PASSPHRASE = "demo"  # the demo merchant's vault passphrase (local demo only)
ROLES = {"operator": 0, "treasury": 1, "merchant": 2, "buyer": 3, "keeper": 4, "verifier": 5,
         "relayer": 6}  # fmt: skip
# Dev accounts staked at the demo court. One seat per juror per case across rounds, parties never
# drawn: an appeal's panel of 7 after the first round's 3 needs 10 jurors besides the parties;
# 12 leave the draw room to skip (docs/arbitration.md, "Drawing").
JURORS = tuple(range(10, 22))
JUROR_STAKE = "0.5"  # ETH each (the court's minimum is 0.1)
ANVIL_ACCOUNTS = JURORS[-1] + 1
DEV_BLOCK_TIME = 2  # seconds between the demo chain's idle blocks


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
        _say(f"[red]fairkey {' '.join(args)} failed[/red]\n{done.stdout}{done.stderr}")
        raise SystemExit(1)
    return done.stdout


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)


def _port_busy(port: int) -> bool:
    """Whether binding the port fails, as it would for the service (which all reuse addresses)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _free_ports_after(busy: dict[str, int], taken: set[int]) -> dict[str, int]:
    """For each busy setting, the next free port after it (for the hint's example)."""
    chosen = {}
    for env, port in busy.items():
        candidate = port + 1
        while candidate <= 65535 and (candidate in taken or _port_busy(candidate)):
            candidate += 1
        chosen[env] = candidate
        taken.add(candidate)
    return chosen


def _settings_table(marks: dict[str, str]) -> str:
    lines = [f"  {'FAIRKEY_HOME=' + _shown(HOME):<30} data folder (one `make up` per folder)"]
    for setting in PORT_SETTINGS:
        assignment = f"{setting.env}={PORTS[setting.env]}"
        mark = f"  ← {marks[setting.env]}" if setting.env in marks else ""
        lines.append(f"  {assignment:<30} {setting.what}{mark}")
    return "\n".join(lines)


def _sibling_home() -> Path:
    n = 2
    while (candidate := HOME.with_name(f"{HOME.name}-{n}")).exists():
        n += 1
    return candidate


def _check_ports() -> None:
    """Refuse, before anything starts, a port given twice or already in use; name every setting."""
    first_of: dict[int, str] = {}
    shared: dict[str, str] = {}  # a later setting -> the earlier one with the same port
    for env, port in PORTS.items():
        if port in first_of:
            shared[env] = first_of[port]
        else:
            first_of[port] = env
    busy = {env: port for env, port in PORTS.items() if env not in shared and _port_busy(port)}
    if not shared and not busy:
        return
    marks = {env: "in use" for env in busy}
    marks |= {env: f"same port as {other}" for env, other in shared.items()}
    if busy:
        names = ", ".join(f"{port} ({env})" for env, port in busy.items())
        _say(
            f"[red]Port{'s' if len(busy) > 1 else ''} {names} already in use[/red] — by another "
            "`make up` or another program."
        )
    if shared:
        _say("[red]Two services would share one port[/red]: each needs its own.")
    fix = _free_ports_after(busy | {env: PORTS[env] for env in shared}, set(PORTS.values()))
    example = " ".join(f"{env}={port}" for env, port in fix.items())
    _say(
        "`make up` uses these settings:\n"
        f"{_settings_table(marks)}\n"
        f"Stop what uses the port, or choose others, e.g.:\n  {example} make up\n"
        "(A second marketplace beside a running one needs its own data folder too, e.g. "
        f"FAIRKEY_HOME={_shown(_sibling_home())}.) Nothing was started."
    )
    raise SystemExit(1)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_info(path: Path) -> dict:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def lock_data_folder(home: Path, ports: dict[str, int], wait_for_exited: float = 15.0) -> int:
    """Lock `home` for this `make up`; returns the lock's descriptor, to keep open (and to pass to
    every child, so the folder stays locked until the last of them has stopped). Writes who holds
    it into the lock file. When another `make up` holds it: explain, and exit 1, changing
    nothing. The OS releases the lock when its holders end, however they end."""
    path = home / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_for_exited
    while not _try_lock(fd):
        info = _lock_info(path)
        pid = info.get("pid")
        owner_gone = isinstance(pid, int) and not _pid_alive(pid)
        if owner_gone and time.monotonic() < deadline:
            time.sleep(0.2)  # its Anvil is still saving the chain, its services stopping
            continue
        os.close(fd)
        _refuse_locked(home, path, info, owner_gone)
    info = {
        "pid": os.getpid(),
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "home": str(home),
        "ports": ports,
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(info, indent=2) + "\n").encode(), 0)
    return fd


def _refuse_locked(home: Path, path: Path, info: dict, owner_gone: bool) -> None:
    pid = info.get("pid") if isinstance(info.get("pid"), int) else None
    ports = info.get("ports") if isinstance(info.get("ports"), dict) else {}
    if owner_gone:
        _say(
            f"[red]The data folder {_shown(home)} is still held[/red] by processes of a `make up` "
            f"that has exited (pid {pid}); they are stopping. Try again in a moment; `fuser -v "
            f"{_shown(path)}` lists them."
        )
        raise SystemExit(1)
    if pid is None:
        who = f"it is starting (its details are not written yet: see {_shown(path)})."
    else:
        on = [f"{s.what.split(' (')[0]} on {ports[s.env]} ({s.env})"
              for s in PORT_SETTINGS if s.env in ports]  # fmt: skip
        who = f"pid {pid}, started {info.get('started', '?')}"
        who += f"; {', '.join(on)}." if on else "."
    _say(f"[red]Another `make up` is running on the data folder {_shown(home)}[/red]: {who}")
    running = {s.env: int(ports.get(s.env, s.default)) for s in PORT_SETTINGS}
    beside = _free_ports_after(running, set(running.values()) | set(PORTS.values()))
    others = " ".join(f"{env}={port}" for env, port in beside.items())
    kill = f", or `kill {pid}`" if pid is not None else ""
    _say(
        "Two on one folder would share its chain, index and vault (two bots, two keepers).\n"
        f"  • use the running one: `fairkey --home {_shown(home)} --rpc "
        f"http://127.0.0.1:{running['FAIRKEY_PORT']} …`\n"
        f"  • or stop it: Ctrl-C in its terminal{kill}; then run `make up` again\n"
        "  • or start a second marketplace beside it, with its own data folder and ports:\n"
        f"      FAIRKEY_HOME={_shown(_sibling_home())} {others} make up\n"
        "Nothing was changed."
    )
    raise SystemExit(1)


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
    if not (HOME / "index.sqlite3").exists():
        return True
    try:
        cursor = saved_cursor(Settings(home=HOME).index_db(), deployment.escrow)
    except SQLAlchemyError:
        return False
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


def _seed_court(w3: Web3, deployment: Deployment) -> None:
    """The demo jurors stake, and one order is contested so the court has a live case: the
    buyer pays, the merchant delivers, the buyer disputes (not as described), the merchant
    contests. Each step is the `fairkey` command a user would type."""
    with console.status("demo court: jurors stake, one order goes to the court…"):
        court = CourtClient(ChainSession(w3, None), deployment.arbitrator)
        for juror in dev_accounts(JURORS[-1] + 1)[JURORS[0] :]:  # `fairkey juror stake`, in-process
            court.as_account(juror).set_stake(Web3.to_wei(JUROR_STAKE, "ether"))
        buyer = dev_accounts(ROLES["buyer"] + 1)[ROLES["buyer"]].address
        _fairkey("buy", "1", account=ROLES["buyer"])
        escrow = EscrowClient(ChainSession(w3, None), deployment.escrow)
        (paid,) = escrow.events("OrderPaid", from_block=deployment.block, buyer=buyer)
        order = order_ref(paid.args["orderId"])
        _fairkey("deliver", order, account=ROLES["merchant"])
        _fairkey("dispute", order, "--reason", "not-as-described", account=ROLES["buyer"])
        _fairkey("respond", order, "contest", account=ROLES["merchant"])
        # The court draws from the hash of a block after the case opened (BlockhashRandomness):
        # on this idle local chain, mine those blocks so the keeper can draw the panel at once.
        for _ in range(3):
            w3.provider.make_request("evm_mine", [])


def _cli(*args: str, account: int | None = None) -> list[str]:
    argv = [sys.executable, "-m", "fairkey.cli.main", "--home", str(HOME),
            "--rpc", f"http://127.0.0.1:{PORT}"]  # fmt: skip
    if account is not None:
        argv += ["--dev-account", str(account)]
    return argv + list(args)


def _start_services(supervisor: Supervisor) -> None:
    """The long-running services beside the chain, each a `fairkey` command with its own log."""
    vault = {"FAIRKEY_VAULT_PASSPHRASE": DEMO_PASSPHRASE}
    api_env = {
        "FAIRKEY_API_HOME": str(HOME),
        "FAIRKEY_API_RPC_URL": f"http://127.0.0.1:{PORT}",
        "FAIRKEY_API_PORT": str(API_PORT),
        "FAIRKEY_API_PUBLIC_URL": API_URL,
    }
    issuer_url = f"http://127.0.0.1:{ISSUER_PORT}/redeem-check"
    for service in (
        Service("issuer-sim", _cli("issuer-sim", "run", "--port", str(ISSUER_PORT),
                                   "--keys", str(DEMO / "issuer-keys.json"))),
        Service("verifier", _cli("verifier", "run", "--port", str(VERIFIER_PORT),
                                 "--issuer-url", issuer_url, "--db", str(HOME / "verifier.sqlite"),
                                 account=ROLES["verifier"])),
        Service("merchant-bot", _cli("merchant", "run", "--policy",
                                     str(DEMO / "merchant-policy.toml"),
                                     "--verifier-url", f"http://127.0.0.1:{VERIFIER_PORT}",
                                     account=ROLES["merchant"]), env=vault),
        Service("keeper", _cli("keeper", "run", account=ROLES["keeper"])),
        Service("indexer", _cli("index", "run", "--metrics-port", str(METRICS_PORT))),
        Service("api", [sys.executable, "-m", "api"], env=api_env),
        Service("relayer", _cli("relayer", "run", account=ROLES["relayer"]), env=api_env),
    ):  # fmt: skip
        supervisor.start(service)
    for url in (
        f"http://127.0.0.1:{ISSUER_PORT}/admin/stats",
        f"http://127.0.0.1:{VERIFIER_PORT}/info",
        f"http://127.0.0.1:{METRICS_PORT}/metrics",
        f"{API_URL}/health",
    ):
        _wait_http(url, supervisor)


class StartupError(RuntimeError):
    """A service or the chain did not come up: shown as one message, with where to look."""


def _wait_http(url: str, supervisor: Supervisor, timeout: float = 60.0) -> None:
    logs = _shown(HOME / "logs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor.dead():
            names = ", ".join(s.name for s in supervisor.dead())
            raise StartupError(f"{names} exited at start; see {logs}/")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise StartupError(f"{url} did not answer within {timeout:.0f}s; see {logs}/")


def _print_summary(deployment: Deployment) -> None:
    accounts = dev_accounts(ANVIL_ACCOUNTS)
    logs = _shown(HOME / "logs")
    table = Table(title="fairkey on local Anvil", show_header=False)
    table.add_row("RPC", f"http://127.0.0.1:{PORT}  (chain id {deployment.chain_id})")
    table.add_row("FairkeyEscrow", deployment.escrow)
    table.add_row(
        "Court", f"{deployment.arbitrator}  ({len(JURORS)} demo jurors, dev accounts "
        f"{JURORS[0]}–{JURORS[-1]})"
    )
    table.add_row("appeal API", f"{API_URL}  (SIWE sign-in, evidence, signed votes)")
    table.add_row("Demo token (dUSD)", deployment.token)
    for role, index in ROLES.items():
        table.add_row(f"{role} (--dev-account {index})", accounts[index].address)
    table.add_row("issuer simulator", f"http://127.0.0.1:{ISSUER_PORT}  (demo card issuer)")
    table.add_row("key verifier", f"http://127.0.0.1:{VERIFIER_PORT}")
    table.add_row(
        "services",
        f"merchant bot (account 2), keeper (account 4, also the court's), indexer, API, "
        f"relayer (account 6): logs in {logs}/",
    )
    table.add_row("index (SQLite)", f"{HOME / 'index.sqlite3'}  (`fairkey index status`)")
    table.add_row("indexer metrics", f"http://127.0.0.1:{METRICS_PORT}/metrics  (Prometheus)")
    table.add_row("data folder", f"{HOME}  (locked while this runs)")
    console.print(table)
    # The `fairkey` command defaults to ./.fairkey and port 8545: say so when this differs.
    where = []
    if Path(DEFAULT_HOME).resolve() != HOME:
        where.append(f"FAIRKEY_HOME={_shown(HOME)}")
    if PORT != 8545:
        where.append(f"FAIRKEY_RPC_URL=http://127.0.0.1:{PORT}")
    _say(
        "Try it in another terminal (README, 'Walkthrough'):\n"
        + (f"  export {' '.join(where)}\n" if where else "")
        + "  export FAIRKEY_VAULT_PASSPHRASE=demo\n"
        "  .venv/bin/fairkey --dev-account 3 buy 1            # buyer pays listing 1\n"
        "  .venv/bin/fairkey --dev-account 3 order show ORDER # delivered by the bot? decrypt\n"
        "  .venv/bin/fairkey --dev-account 3 confirm ORDER    # the key works: merchant paid\n"
        "  .venv/bin/fairkey dev time +25h                    # move the chain clock: the keeper\n"
        "                                                     # enforces the deadlines passed\n"
        "  .venv/bin/fairkey --dev-account 3 case show 1         # the live court case, as its "
        "buyer\n"
        "Ctrl-C stops the chain (its state is saved in the data folder)."
    )


def _stop_on_signals() -> None:
    """Ctrl-C, `kill` and a closed terminal all end the loop below, which stops Anvil (and Anvil
    saves its state)."""

    def _raise(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, _raise)  # explicit: a background job may inherit SIGINT ignored
    signal.signal(signal.SIGTERM, _raise)
    signal.signal(signal.SIGHUP, _raise)


def main() -> None:
    _stop_on_signals()
    HOME.mkdir(parents=True, exist_ok=True)
    lock = lock_data_folder(HOME, PORTS)  # refuses (changing nothing) if another make up runs
    _check_ports()
    logs = _shown(HOME / "logs")
    # Every child holds the lock too, so the folder stays locked until the last one has stopped
    # (Anvil saves the chain as it stops), and gets SIGTERM if this process is killed.
    node = AnvilNode(
        port=PORT,
        # A block every few seconds besides one per transaction: an idle demo chain still moves
        # on, so the court's randomness (a future block's hash) becomes ready by itself.
        block_time=DEV_BLOCK_TIME,
        mixed_mining=True,
        accounts=ANVIL_ACCOUNTS,
        state_file=HOME / "anvil-state.json",
        log_file=HOME / "anvil.log",
        pass_fds=(lock,),
        die_with_parent=True,
    )
    supervisor = Supervisor(HOME / "logs", pass_fds=(lock,), die_with_parent=True)
    code = 0
    try:
        with console.status("starting Anvil…"):
            try:
                node.start()
            except (RuntimeError, TimeoutError) as exc:
                raise StartupError(f"{exc}; see {_shown(HOME / 'anvil.log')}") from None
        w3 = http_web3(node.url)
        deployment = _deployment_alive(w3, HOME / "deployment.json")
        if deployment is None:
            with console.status("deploying contracts…"):
                session = ChainSession(w3, dev_accounts(1)[0])
                court, _ = deploy_court(session, CourtParams())  # the real court, blockhash draws
                deployment = deploy_stack(
                    session, treasury=dev_accounts(2)[1].address, arbitrator=court
                )
                deployment.save(HOME / "deployment.json")
            for stale in HOME.glob("index.sqlite3*"):  # an index of the previous chain
                stale.unlink()
            _seed_demo()
            _seed_court(w3, deployment)
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
            for service, exit_code in supervisor.revive():
                console.print(
                    f"[yellow]{service.name} exited (code {exit_code}); restarted[/yellow] — see "
                    f"{logs}/{service.name}.log"
                )
        for service in supervisor.failed():
            console.print(
                f"[red]{service.name} keeps stopping[/red] (restarted {len(service.restarts)} "
                f"times in a minute); see {logs}/{service.name}.log"
            )
            code = 1
        if node.process is None or node.process.poll() is not None:
            console.print(
                f"[red]Anvil stopped unexpectedly[/red]; see {_shown(HOME / 'anvil.log')}"
            )
            code = 1
    except KeyboardInterrupt:
        console.print("stopping…")
    except StartupError as exc:
        console.print(f"[red]{exc}[/red]")
        code = 1
    finally:
        supervisor.stop_all()
        node.stop()
        os.close(lock)
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    main()
