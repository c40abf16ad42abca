"""The simulated market's world: a fresh Anvil whose clock only moves when the loop moves it,
the real marketplace (court + escrow, `arbitration/marketplace_deploy.py`), the issuer simulator
and the listings' verifier as real HTTP services, and deterministic, funded accounts.

Reproducible from the seed: the chain starts at a fixed time and every block is one second
after the one before (`anvil_setBlockTimestampInterval`), so chain times depend only on how many
blocks were mined, never on the wall clock; the court draws from `TestRandomness` seeded once
from the run's seed (the court takes any IRandomness; the default BlockhashRandomness would make
every panel depend on the blocks' hashes, and so on the salts of every key).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from arbitration.court_client import CourtClient
from arbitration.deploy import CourtParams
from arbitration.marketplace_deploy import MarketplaceParams, deploy_marketplace
from fairkey.chain.anvil import AnvilNode, ChainClock, dev_accounts
from fairkey.chain.deploy import Deployment
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession, http_web3
from fairkey.issuers.http_json import HttpJsonAdapter
from fairkey.issuers.simulator import IssuerSimulator, create_simulator_app
from fairkey.verifier.routes import create_verifier_app
from fairkey.verifier.service import RetryPolicy, VerifierService
from fairkey.verifier.store import DecisionStore
from tests.support.serve import serve_in_thread

GENESIS_TIME = 1_900_000_000  # the chain's first moved block (any fixed time will do)
FUND = 10**22  # wei each market account gets (anvil_setBalance): bonds, prices, fees, gas
FEE_BPS = 100


class StepClock(ChainClock):
    """ChainClock for a chain whose blocks are one second apart: `advance` sets the next
    block's time (evm_increaseTime has no effect under a timestamp interval)."""

    def advance(self, seconds: int) -> int:
        target = self.now() + max(1, int(seconds))
        self.w3.provider.make_request("evm_setNextBlockTimestamp", [target])
        self.w3.provider.make_request("evm_mine", [])
        return self.now()


@dataclass
class World:
    node: AnvilNode
    w3: Web3
    session: ChainSession  # signs as the deployer
    deployment: Deployment
    clock: StepClock
    issuer: IssuerSimulator
    issuer_url: str
    verifier: LocalAccount
    verifier_url: str
    treasury: str
    seed: int
    home: Path
    messages: list[str] = field(default_factory=list)  # what went wrong on the way (a race)
    _names: set[str] = field(default_factory=set)

    def log(self, message: str) -> None:
        self.messages.append(f"t={self.clock.now()} {message}")

    @property
    def escrow(self) -> str:
        return self.deployment.escrow

    def escrow_as(self, account: LocalAccount | None) -> EscrowClient:
        return EscrowClient(self.session.with_account(account), self.deployment.escrow)

    def court_as(self, account: LocalAccount | None) -> CourtClient:
        return CourtClient(self.session.with_account(account), self.deployment.arbitrator)

    def account(self, name: str) -> LocalAccount:
        """A funded account whose key is a function of the run's seed and `name` only."""
        if name in self._names:
            raise ValueError(f"account {name!r} was already handed out")
        self._names.add(name)
        key = Web3.keccak(text=f"fairkey.market.{self.seed}.{name}")
        account = Account.from_key(key)
        self.w3.provider.make_request("anvil_setBalance", [account.address, hex(FUND)])
        return account


@contextlib.contextmanager
def market_world(seed: int, home: Path, court: CourtParams | None = None) -> Iterator[World]:
    """Start the world; stop every service and the node on exit."""
    with contextlib.ExitStack() as stack:
        node = AnvilNode(accounts=3)
        node.start()
        stack.callback(node.stop)
        w3 = http_web3(node.url)
        w3.provider.make_request("evm_setTime", [GENESIS_TIME])
        w3.provider.make_request("anvil_setBlockTimestampInterval", [1])
        deployer, treasury, verifier = dev_accounts(3)
        session = ChainSession(w3, deployer)
        randomness = session.deploy("TestRandomness")
        session.send(session.contract("TestRandomness", randomness).functions.setSeed(seed))
        params = MarketplaceParams(
            treasury=treasury.address,
            fee_bps=FEE_BPS,
            court=court or CourtParams(),
            randomness=randomness,
        )
        deployment = deploy_marketplace(session, params)
        issuer = IssuerSimulator()
        issuer_url = stack.enter_context(serve_in_thread(create_simulator_app(issuer)))
        adapter = HttpJsonAdapter(f"{issuer_url}/redeem-check", timeout=5.0)
        stack.callback(adapter.close)
        store = DecisionStore.at(home / "verifier.sqlite")
        stack.callback(store.close)
        reader = EscrowClient(session.with_account(verifier), deployment.escrow)
        service = VerifierService(
            reader, verifier, adapter, store, RetryPolicy(attempts=3, budget_seconds=5)
        )
        verifier_url = stack.enter_context(serve_in_thread(create_verifier_app(service)))
        yield World(
            node,
            w3,
            session,
            deployment,
            StepClock(w3),
            issuer,
            issuer_url,
            verifier,
            verifier_url,
            treasury.address,
            seed,
            home,
        )
