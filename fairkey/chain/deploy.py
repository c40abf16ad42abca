"""Deploy the fairkey stack and remember where it is (a small JSON file per chain)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from fairkey.chain.session import ChainSession


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    escrow: str
    arbitrator: str  # the court the escrow was deployed with (the owner may change it later)
    token: str  # a demo stablecoin (TestToken) on development chains; "" elsewhere
    block: int  # deployment block: where indexers start

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Deployment:
        if not path.exists():
            raise FileNotFoundError(f"no deployment at {path}: run `make up` for a local one")
        return cls(**json.loads(path.read_text()))


def deploy_stack(
    session: ChainSession,
    *,
    treasury: str,
    arbitrator: str,
    fee_bps: int = 100,
    with_demo_token: bool = True,
) -> Deployment:
    """The escrow (owned by the session's account) + optionally a demo token.

    `arbitrator` is the court that rules on contested orders, a deployment parameter until the
    real court exists: this function never deploys one. The zero address deploys an escrow
    without a court (`contest` then reverts with EscrowNoArbitrator until the owner calls
    `setArbitrator`). Tests and `make up` pass a TestArbitrator, which anyone can make rule: a
    demo court, never one for real money. The escrow's constructor creates its DeliveryFaults
    contract (the misdelivery check) itself.
    """
    # Scanners start here: the escrow's constructor already emits events (owner, treasury, fee,
    # court). The escrow is mined after the head seen before sending it, and on a chain that
    # makes blocks by itself (a testnet, an L2) the head may be past its block once it is mined.
    block = session.w3.eth.block_number + 1
    escrow = session.deploy("FairkeyEscrow", session.account.address, treasury, fee_bps, arbitrator)
    token = session.deploy("TestToken", "Demo USD", "dUSD", 6) if with_demo_token else ""
    return Deployment(session.chain_id, escrow, arbitrator, token, block)
