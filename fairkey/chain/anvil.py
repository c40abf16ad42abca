"""A local Anvil node as a child process (tests, `make up`, benchmarks), and clock control."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from web3 import Web3

from fairkey.chain.artifacts import PROJECT_ROOT

# Anvil's well-known development mnemonic: its accounts are public test accounts, never real money.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
_NPM_ANVIL = PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"


def anvil_binary() -> str:
    """Anvil from npm (`node_modules`), else from PATH."""
    if _NPM_ANVIL.exists():
        return str(_NPM_ANVIL)
    found = shutil.which("anvil")
    if not found:
        raise FileNotFoundError("anvil not found: run `make install` (npm install brings it)")
    return found


def dev_accounts(count: int = 10) -> list:
    """Local accounts (with private keys) for Anvil's development mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    return [
        Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        for i in range(count)
    ]


def parent_death_signal() -> Callable[[], None] | None:
    """A `preexec_fn` that makes a child get SIGTERM when the process that started it dies
    (Linux; elsewhere None): a `make up` killed with SIGKILL leaves no Anvil or bot behind.
    Anvil stops on SIGTERM as on Ctrl-C, saving its state."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved now, not in the forked child
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return preexec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AnvilNode:
    """A running Anvil. Use as a context manager or call `stop()`."""

    port: int = field(default_factory=free_port)
    block_time: float | None = None  # None = mine a block per transaction (automine)
    mixed_mining: bool = False  # with block_time: automine too (a transaction never waits)
    accounts: int = 10
    chain_id: int = 31337
    state_file: Path | None = None  # persist chain state across restarts (`make up`)
    log_file: Path | None = None
    pass_fds: tuple[int, ...] = ()  # descriptors Anvil inherits (`make up`: its data-folder lock)
    die_with_parent: bool = False  # Anvil gets SIGTERM when this process dies (Linux)
    process: subprocess.Popen | None = None
    _home: tempfile.TemporaryDirectory | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def clock_file(self) -> Path | None:
        """Beside the state file: the clock's offset from wall-clock time when the node stopped
        (Anvil saves blocks and accounts, not the time moved with evm_increaseTime)."""
        if self.state_file is None:
            return None
        return self.state_file.with_name(self.state_file.name + ".clock.json")

    def start(self, timeout: float = 20.0) -> AnvilNode:
        resuming = self.state_file is not None and self.state_file.exists()
        cmd = [
            anvil_binary(),
            "--port",
            str(self.port),
            "--host",
            "127.0.0.1",
            "--accounts",
            str(self.accounts),
            "--balance",
            "1000000",
            "--chain-id",
            str(self.chain_id),
            "--mnemonic",
            DEV_MNEMONIC,
            "--hardfork",
            "prague",
        ]
        if self.block_time:
            cmd += ["--block-time", str(self.block_time)]
            if self.mixed_mining:
                cmd += ["--mixed-mining"]
        if self.state_file:
            cmd += ["--state", str(self.state_file)]
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        # Anvil keeps state history under $HOME/.foundry and never removes it: give each node a
        # private home, deleted on stop, so nothing is written to the user's home folder.
        self._home = tempfile.TemporaryDirectory(prefix="fairkey-anvil-")
        self.process = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(os.environ, HOME=self._home.name),
            pass_fds=self.pass_fds,
            preexec_fn=parent_death_signal() if self.die_with_parent else None,
        )
        if out is not subprocess.DEVNULL:
            out.close()  # Anvil has its own copy
        deadline = time.monotonic() + timeout
        w3 = Web3(Web3.HTTPProvider(self.url, request_kwargs={"timeout": 5}))
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"anvil exited with code {self.process.returncode}")
            try:
                connected = w3.is_connected()
            except Exception:  # noqa: BLE001 - not listening yet
                connected = False
            if connected:
                if resuming:
                    try:
                        self._resume_clock(w3)
                    except BaseException:
                        self.stop()
                        raise
                return self
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"anvil did not answer on {self.url} within {timeout}s")

    def _resume_clock(self, w3: Web3) -> None:
        """Anvil reloads its blocks but restarts its clock from wall-clock time, so after the
        clock was moved forward the next block would be older than the latest one. Set the clock
        to wall-clock time plus the offset it had when it stopped, and never to the latest
        block's time or before; blocks then keep following that moved clock."""
        latest = w3.eth.get_block("latest")["timestamp"]
        offset = 0
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            offset = int(json.loads(self.clock_file.read_text())["offset"])
        target = max(int(time.time()) + offset, latest + 1)
        _rpc(w3, "evm_setTime", [target])

    def _save_clock(self) -> None:
        """Record the clock's offset (evm_increaseTime by 0 answers it) for `_resume_clock`."""
        if self.clock_file is None:
            return
        w3 = Web3(Web3.HTTPProvider(self.url, request_kwargs={"timeout": 2}))
        with contextlib.suppress(Exception):  # a node that no longer answers: nothing to save
            offset = int(_rpc(w3, "evm_increaseTime", [0]))
            self.clock_file.write_text(json.dumps({"offset": offset}) + "\n")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self._save_clock()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        if self._home is not None:
            self._home.cleanup()
            self._home = None

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _rpc(w3: Web3, method: str, params: list) -> object:
    """One JSON-RPC call; an error answer raises (web3's make_request returns it silently)."""
    response = w3.provider.make_request(method, params)
    if "error" in response:
        raise RuntimeError(f"{method} failed: {response['error']}")
    return response["result"]


class ChainClock:
    """Moves a development chain's clock: deadlines are tested by time travel, never by sleeping."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def advance(self, seconds: int) -> int:
        """Mine a block `seconds` later than the latest one; returns its timestamp."""
        self.w3.provider.make_request("evm_increaseTime", [int(seconds)])
        self.w3.provider.make_request("evm_mine", [])
        return self.now()

    def advance_past(self, deadline: int) -> int:
        """Mine a block strictly after `deadline` (a chain timestamp)."""
        return self.advance(max(1, deadline - self.now() + 1))

    def snapshot(self) -> str:
        return self.w3.provider.make_request("evm_snapshot", [])["result"]

    def revert(self, snapshot_id: str) -> None:
        self.w3.provider.make_request("evm_revert", [snapshot_id])

    @contextmanager
    def block_time(self, seconds: int = 1) -> Iterator[None]:
        """Mine a block every `seconds` instead of one per transaction, for the block; lets a test
        see whether transactions sent together land in the same block. Automine afterwards."""
        rpc = self.w3.provider.make_request
        rpc("evm_setAutomine", [False])
        rpc("evm_setIntervalMining", [seconds])
        try:
            yield
        finally:
            rpc("evm_setIntervalMining", [0])
            rpc("evm_setAutomine", [True])
