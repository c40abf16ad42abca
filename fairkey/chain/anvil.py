"""A local Anvil node as a child process (tests, `make up`, benchmarks), and clock control."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AnvilNode:
    """A running Anvil. Use as a context manager or call `stop()`."""

    port: int = field(default_factory=free_port)
    block_time: float | None = None  # None = mine a block per transaction (automine)
    accounts: int = 10
    chain_id: int = 31337
    state_file: Path | None = None  # persist chain state across restarts (`make up`)
    log_file: Path | None = None
    process: subprocess.Popen | None = None
    _home: tempfile.TemporaryDirectory | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> AnvilNode:
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
        )
        deadline = time.monotonic() + timeout
        w3 = Web3(Web3.HTTPProvider(self.url, request_kwargs={"timeout": 5}))
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"anvil exited with code {self.process.returncode}")
            try:
                if w3.is_connected():
                    return self
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"anvil did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
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
