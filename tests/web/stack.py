"""The running product the browser tests drive: the real `make up` (scripts/up/) on its own
data folder and free ports: Anvil, the escrow and court, the demo merchant and court case, the
merchant bot, keeper, verifier with the issuer simulator, relayer, indexer, and the API serving
the dApp.

Start time is kept low by two content-keyed caches under .cache/web-stack/ (git-ignored):
- the dApp, built by Vite from web/ into a private folder once per version of its sources (so a
  test serves exactly the current sources, and a rebuild of web/dist meanwhile cannot pull the
  files from under a running test);
- the seeded data folder: `make up` seeds it once per version of everything the seeding runs
  (the compiled contracts, scripts/, the SDK, indexer, court client, API) and is stopped; each
  stack then starts from a copy, which is `make up`'s resume path (no deploy, no seeding). The
  chain resumes at the copy's last block time, so the demo's deadlines stand exactly as just
  after seeding; its clock thus runs behind the wall clock by the copy's age, at most
  TEMPLATE_TTL (deadlines are read from the chain's clock, which tests move anyway).
FAIRKEY_WEB_STACK_CACHE=0 seeds every stack afresh; FAIRKEY_WEB_DIST=<folder> serves a built dApp
as it is (e.g. web/dist after `make build`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount

from fairkey.chain.anvil import dev_accounts, free_port
from scripts.up import ANVIL_ACCOUNTS, JURORS, PORT_SETTINGS, ROLES
from scripts.up.summary import READY_LOCAL
from tests.web.chain import Chain, until
from tests.web.wallet.rpc import JsonRpc

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "web-stack"
WEB = ROOT / "web"
READY = READY_LOCAL  # the last line `make up` prints on the demo chain, once every service answers
PORT_ENVS = tuple(setting.env for setting in PORT_SETTINGS)  # every port `make up` listens on
SEED_TIMEOUT = 360.0  # a fresh `make up` deploys and seeds through ~10 CLI runs: slow if loaded
RESUME_TIMEOUT = 120.0
TEMPLATE_TTL = 30 * 60  # seconds: bounds how far the resumed chain's clock lags the wall clock
# What the seeded data folder depends on: the template is rebuilt when any of it changes.
_SEED_INPUTS = ("fairkey", "indexer", "arbitration", "api", "scripts")
_SEED_FILES = (".build/__local__.json", "package-lock.json", "pyproject.toml",
               "tests/web/stack.py")  # fmt: skip
_WEB_INPUTS = ("src", "public")
_WEB_FILES = ("index.html", "vite.config.ts", "tsconfig.json", "package-lock.json")
_LEFT_OUT = ("make-up.lock", "logs", "__pycache__")  # not copied from the template


class StackError(RuntimeError):
    """The stack did not start: the message carries `make up`'s output and the logs' tails."""


@dataclass
class Stack:
    home: Path
    ports: dict[str, int]
    process: subprocess.Popen
    started_in: float  # seconds from launch to every service answering
    resumed: bool  # started from the cached seeded folder
    output: list[str] = field(default_factory=list)  # `make up`'s stdout, drained by a thread

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FAIRKEY_PORT']}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FAIRKEY_API_PORT']}"

    @property
    def dapp_url(self) -> str:
        return f"{self.api_url}/app/"

    @property
    def verifier_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FAIRKEY_VERIFIER_PORT']}"

    @property
    def issuer_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FAIRKEY_ISSUER_PORT']}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FAIRKEY_METRICS_PORT']}/metrics"

    @cached_property
    def deployment(self) -> dict:
        """deployment.json: chain_id, escrow, arbitrator (the court), token (demo dUSD), block."""
        return json.loads((self.home / "deployment.json").read_text())

    @property
    def chain_id(self) -> int:
        return int(self.deployment["chain_id"])

    @property
    def roles(self) -> dict[str, int]:
        """`make up`'s roles: name -> dev account index (operator, merchant, buyer, keeper…)."""
        return dict(ROLES)

    @property
    def jurors(self) -> tuple[int, ...]:
        """Dev account indexes staked at the demo court."""
        return tuple(JURORS)

    @cached_property
    def accounts(self) -> list[LocalAccount]:
        return dev_accounts(ANVIL_ACCOUNTS)

    def index_of(self, who: str | int) -> int:
        if isinstance(who, int):
            return who
        if who not in ROLES:
            raise KeyError(f"no role {who!r}: one of {', '.join(ROLES)}, or a dev account index")
        return ROLES[who]

    def account(self, who: str | int | LocalAccount) -> LocalAccount:
        """A dev account by role name ("buyer") or index (10: the first demo juror); an account
        given as such is returned as it is."""
        if isinstance(who, LocalAccount):
            return who
        return self.accounts[self.index_of(who)]

    def fresh_account(self, eth: int = 100) -> LocalAccount:
        """A new account no one has used, holding `eth` ETH (anvil_setBalance): a test's own
        buyer or merchant, with no orders, listings or nonces shared with anything else."""
        account = Account.create()
        self.rpc.call("anvil_setBalance", [account.address, hex(eth * 10**18)])
        return account

    @cached_property
    def rpc(self) -> JsonRpc:
        return JsonRpc(self.rpc_url)

    @cached_property
    def chain(self) -> Chain:
        return Chain(self.rpc)

    def fairkey(self, who: str | int, *args: str, timeout: float = 120) -> str:
        """Run the real `fairkey` command as a dev account against this stack; its output."""
        argv = [sys.executable, "-m", "fairkey.cli.main", "--home", str(self.home),
                "--rpc", self.rpc_url, "--dev-account", str(self.index_of(who)), *args]  # fmt: skip
        env = dict(os.environ, FAIRKEY_VAULT_PASSPHRASE="demo")
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
        if done.returncode != 0:
            raise AssertionError(f"fairkey {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def indexed_block(self) -> int:
        """The last block the indexer stored (its Prometheus gauge)."""
        text = httpx.get(self.metrics_url, timeout=5).text
        found = re.search(r"^fairkey_indexer_indexed_block ([0-9.e+]+)$", text, re.M)
        return int(float(found.group(1))) if found else -1

    def wait_indexed(self, block: int | None = None, timeout: float = 30.0) -> int:
        """Wait until the indexer has stored `block` (default: the chain's head now), so the API
        answers from an index that has seen it."""
        target = self.chain.head() if block is None else block
        until(lambda: self.indexed_block() >= target, f"block {target} indexed", timeout)
        return target

    def log(self, service: str, lines: int = 40) -> str:
        """The tail of a service's log (.fairkey/logs/<service>.log): merchant-bot, keeper,
        verifier, issuer-sim, indexer, api, relayer."""
        path = self.home / "logs" / f"{service}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        _stop(self.process)


def start_stack(home: Path) -> Stack:
    """A running stack on `home` (created here) and free ports."""
    dist = dapp_dist()
    resumed = os.environ.get("FAIRKEY_WEB_STACK_CACHE") != "0"
    with _cache_lock():  # nothing is pruned from the cache while it is being copied
        if resumed:
            _copy_template(_seeded_template(dist), home)
        home.mkdir(parents=True, exist_ok=True)
        # A private copy: a later build (and its pruning) never touches what this stack serves.
        shutil.copytree(dist, home / "web-dist")
    for attempt in (1, 2):
        ports = {env: free_port() for env in PORT_ENVS}
        began = time.monotonic()
        process = _launch(home, ports, home / "web-dist")
        try:
            output = _wait_ready(process, home, RESUME_TIMEOUT if resumed else SEED_TIMEOUT)
            break
        except StackError as exc:
            # Another program took a chosen port meanwhile: `make up` refused before starting
            # anything, so the same folder can start again on other ports.
            if attempt == 2 or "already in use" not in str(exc):
                raise
    stack = Stack(home, ports, process, time.monotonic() - began, resumed, output)
    threading.Thread(target=_drain, args=(process, output), daemon=True).start()
    return stack


# The dApp build.


def dapp_dist() -> Path:
    """The built dApp to serve: FAIRKEY_WEB_DIST as given, else Vite's build of web/ as it is
    now, built once per version of its sources."""
    given = os.environ.get("FAIRKEY_WEB_DIST")
    if given:
        dist = Path(given).resolve()
        if not (dist / "index.html").is_file():
            raise StackError(f"FAIRKEY_WEB_DIST={given}: no index.html there")
        return dist
    key = _digest(_files(WEB, _WEB_INPUTS, _WEB_FILES))
    dist = CACHE / f"dist-{key}"
    with _cache_lock():
        if not (dist / "index.html").is_file():
            _prune("dist-")
            _build_dapp(dist)
    return dist


def _build_dapp(dist: Path) -> None:
    vite = WEB / "node_modules" / ".bin" / "vite"
    if not vite.exists():
        raise StackError("web/node_modules is missing: run `make install` (npm ci in web/)")
    partial = dist.with_name(dist.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    # Vite alone: its output does not depend on the type check, which `npm run build` adds.
    done = subprocess.run(
        [str(vite), "build", "--outDir", str(partial), "--emptyOutDir", "--logLevel", "warn"],
        cwd=WEB,
        env=dict(os.environ, NO_COLOR="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 or not (partial / "index.html").is_file():
        output = done.stdout + done.stderr
        raise StackError(f"the dApp did not build (`vite build` in web/):\n{output}")
    partial.rename(dist)


# The seeded data folder.


def _seeded_template(dist: Path) -> Path:
    """The seeded data folder of the current sources (call with the cache locked)."""
    key = _digest(_files(ROOT, _SEED_INPUTS, _SEED_FILES))
    template = CACHE / f"seed-{key}"
    meta = template / "meta.json"
    if not (meta.is_file() and time.time() - meta.stat().st_mtime < TEMPLATE_TTL):
        _prune("seed-")
        _seed(template, dist)
    return template


def _seed(template: Path, dist: Path) -> None:
    """`make up` from nothing on template/home, then stopped: Anvil saves the chain."""
    home = template / "home"
    home.mkdir(parents=True)
    ports = {env: free_port() for env in PORT_ENVS}
    process = _launch(home, ports, dist)
    try:
        _wait_ready(process, home, SEED_TIMEOUT)
        latest = JsonRpc(f"http://127.0.0.1:{ports['FAIRKEY_PORT']}").call(
            "eth_getBlockByNumber", ["latest", False]
        )
    finally:
        _stop(process)
    if not (home / "anvil-state.json").is_file():
        raise StackError(f"`make up` stopped without saving its chain in {home}")
    (template / "meta.json").write_text(json.dumps({"time": int(latest["timestamp"], 16)}) + "\n")


def _copy_template(template: Path, home: Path) -> None:
    shutil.copytree(template / "home", home, ignore=shutil.ignore_patterns(*_LEFT_OUT))
    # Anvil resumes its clock at wall time + the saved offset, never before its last block:
    # an offset that puts the wall time before the template's last block resumes right after it.
    chain_time = json.loads((template / "meta.json").read_text())["time"]
    clock = home / "anvil-state.json.clock.json"
    clock.write_text(json.dumps({"offset": chain_time - int(time.time())}) + "\n")


# The `make up` process.


def _launch(home: Path, ports: dict[str, int], dist: Path) -> subprocess.Popen:
    # None of the caller's fairkey settings (an RPC URL, a PostgreSQL index, a key) leaks in.
    env = {name: value for name, value in os.environ.items() if not name.startswith("FAIRKEY_")}
    env |= {"FAIRKEY_HOME": str(home), "FAIRKEY_API_WEB_DIST": str(dist)}
    env |= {name: str(port) for name, port in ports.items()}
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.up"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_ready(process: subprocess.Popen, home: Path, timeout: float) -> list[str]:
    """`make up`'s output up to READY; a StackError with the output and logs if it never comes."""
    seen: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in process.stdout:
            seen.append(line)
            if READY in line:
                found.set()
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)  # the reader ends at READY, or when `make up` exits
    if found.is_set():
        return seen
    _stop(process)
    logs = "".join(
        f"\n--- {log.name} (tail)\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        for log in sorted((home / "logs").glob("*.log"))
    )
    raise StackError(
        f"`make up` on {home} was not ready within {timeout:.0f}s (exit code "
        f"{process.poll()}):\n{''.join(seen)[-4000:]}{logs}"
    )


def _drain(process: subprocess.Popen, output: list[str]) -> None:
    """Keep reading `make up`'s output (a full pipe would block it), kept for failure reports."""
    for line in process.stdout:
        output.append(line)


def _stop(process: subprocess.Popen) -> None:
    """Ctrl-C's path: `make up` stops its services, then Anvil (which saves the chain)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()  # its children get SIGTERM from the kernel (parent-death signal)
            process.wait()


# The caches.


def _files(base: Path, folders: Iterable[str], files: Iterable[str]) -> Iterator[Path]:
    for folder in folders:
        for path in sorted((base / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                yield path
    for name in files:
        if (base / name).is_file():
            yield base / name


def _digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _cache_lock() -> Iterator[None]:
    """One builder at a time across test processes (xdist workers wait for the first)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _prune(prefix: str) -> None:
    """Drop other versions of a cache entry (only the current sources' one is kept; call with
    the cache locked: stacks copy what they use while holding the lock)."""
    for old in CACHE.glob(f"{prefix}*"):
        shutil.rmtree(old, ignore_errors=True)
