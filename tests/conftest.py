"""Shared fixtures: one real Anvil and one deployment per test process, reset between tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from web3 import Web3

from fairkey.chain.anvil import AnvilNode, ChainClock, dev_accounts
from fairkey.chain.artifacts import PROJECT_ROOT, manifest_path
from fairkey.chain.deploy import deploy_stack
from fairkey.chain.session import ChainSession, http_web3
from tests.support.disputes import ARBITRATION_FEE
from tests.support.market import Market

# `issuer` and `verifier_url`: the reference issuer and the listing's verifier on real ports.
pytest_plugins = ["tests.support.verifier_stack"]

ROLES = ["deployer", "treasury", "merchant", "buyer", "stranger", "verifier", "merchant2", "buyer2"]


def _ensure_compiled() -> None:
    if not manifest_path().exists():
        env = dict(
            os.environ,
            SOLCX_BINARY_PATH=str(PROJECT_ROOT / ".solcx"),
            APE_DATA_FOLDER=str(PROJECT_ROOT / ".ape"),
        )
        subprocess.run(
            [str(Path(PROJECT_ROOT) / ".venv" / "bin" / "ape"), "compile"],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
        )


@pytest.fixture(scope="session")
def anvil():
    _ensure_compiled()
    with AnvilNode(accounts=len(ROLES)) as node:
        yield node


@pytest.fixture(scope="session")
def w3(anvil) -> Web3:
    return http_web3(anvil.url)


@pytest.fixture(scope="session")
def accounts():
    return dict(zip(ROLES, dev_accounts(len(ROLES)), strict=True))


@pytest.fixture(scope="session")
def deployed(w3, accounts):
    session = ChainSession(w3, accounts["deployer"])
    court = session.deploy("TestArbitrator", ARBITRATION_FEE)  # tests only: anyone can make it rule
    deployment = deploy_stack(
        session, treasury=accounts["treasury"].address, arbitrator=court, fee_bps=100
    )
    return session, deployment


@pytest.fixture
def market(w3, accounts, deployed):
    """The deployed marketplace; every test starts from the same chain state (evm_snapshot)."""
    session, deployment = deployed
    clock = ChainClock(w3)
    snapshot = clock.snapshot()
    yield Market.of(w3, session, deployment, accounts, clock)
    clock.revert(snapshot)
