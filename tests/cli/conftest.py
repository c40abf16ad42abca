"""Run the real `fairkey` command (in-process, CliRunner) against the `market` fixture's Anvil."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fairkey.chain.deploy import Deployment
from fairkey.cli.main import app
from scripts.demo_data import DEMO_LISTING_TERMS

# Dev-account index of each role: tests/conftest.py builds `market.accounts` in this order.
DEV = {
    "deployer": 0,
    "treasury": 1,
    "merchant": 2,
    "buyer": 3,
    "stranger": 4,
    "verifier": 5,
    "merchant2": 6,
    "buyer2": 7,
}

ENV = {
    "FAIRKEY_VAULT_PASSPHRASE": "correct horse battery staple",
    "FAIRKEY_VAULT_KDF_N": "1024",  # tests only: a cheap scrypt for new vaults
    "COLUMNS": "200",
    # Nothing from the developer's shell may leak into the runs.
    "FAIRKEY_PRIVATE_KEY": None,
    "FAIRKEY_DEV_ACCOUNT": None,
    "FAIRKEY_RPC_URL": None,
    "FAIRKEY_HOME": None,
}

ORDER_RE = re.compile(r"order (0x[0-9a-fA-F]{40}) paid")


@dataclass
class Cli:
    home: Path
    rpc: str
    runner: CliRunner

    def __call__(
        self,
        role: str | None,
        *args: str,
        code: int = 0,
        env: dict | None = None,
        rpc: str | None = None,
        input: str | None = None,
    ) -> Result:
        """`fairkey --home H --rpc URL [--dev-account N] args…`; asserts the exit code."""
        argv = ["--home", str(self.home), "--rpc", rpc or self.rpc]
        if role is not None:
            argv += ["--dev-account", str(DEV[role])]
        result = self.runner.invoke(app, [*argv, *args], env={**ENV, **(env or {})}, input=input)
        shown = f"$ fairkey {' '.join(args)}\n{result.output}"
        if result.exception and not isinstance(result.exception, SystemExit):
            shown += f"\n{type(result.exception).__name__}: {result.exception}"
        assert result.exit_code == code, shown
        assert "Traceback" not in result.output, shown
        return result

    def buy(self, listing_id: int, role: str = "buyer") -> str:
        match = ORDER_RE.search(self(role, "buy", str(listing_id)).output)
        assert match, "buy printed no order id"
        return match.group(1)


@pytest.fixture
def cli(market, tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    Deployment(
        chain_id=market.w3.eth.chain_id,
        escrow=market.escrow_address,
        arbitrator=market.arbitrator_address,
        token=market.token_address,
        block=0,
    ).save(home / "deployment.json")
    return Cli(home, market.w3.provider.endpoint_uri, CliRunner())


LISTING_ARGS = (
    "listing",
    "create",
    *DEMO_LISTING_TERMS,
    "--description",
    "Steam wallet card, 50 USD, global",
)


@pytest.fixture
def key_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a stock file; `key_file("a.txt", "K1", "K2")`."""

    def write(name: str, *keys: str) -> Path:
        path = tmp_path / name
        path.write_text("\n".join(keys) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def stocked_listing(cli: Cli, key_file) -> int:
    """Listing 1 (0.01 ETH) with a committed batch of 5 keys KEY-0..KEY-4."""
    out = cli("merchant", *LISTING_ARGS).output
    listing_id = int(re.search(r"listing (\d+) created", out).group(1))
    keys = key_file("stock.txt", *(f"KEY-{i}-ABCDE-FGHIJ" for i in range(5)))
    cli("merchant", "stock", "import", str(keys), "--supplier", "acme")
    cli("merchant", "stock", "commit", "1", "--listing", str(listing_id))
    return listing_id
