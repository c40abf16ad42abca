"""Deploy the marketplace: the court with its randomness source, then the escrow that sends its
contested orders to that court. The one deploy that `fairkey deploy` (any network) and `make up`
(the local demo chain, with its demo token) share.

It lives beside the court's own deploy (`arbitration/deploy.py`) because the SDK never imports
the court package, and both the command and `make up` may import this one. The test arbitrator
is never deployed here: the escrow always gets the real court.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from arbitration.deploy import CourtParams, deploy_court
from fairkey.chain.deploy import Deployment, deploy_stack
from fairkey.chain.errors import ContractRevert
from fairkey.chain.session import ChainSession

# What is deployed, in order (a step's name, and the contract it creates).
STEPS = (
    ("randomness", "BlockhashRandomness"),
    ("court", "Court"),
    ("escrow", "FairkeyEscrow"),
)
# Stands in for addresses that do not exist yet when the deployment's gas is estimated (the
# constructors only store them).
_PLACEHOLDER = "0x000000000000000000000000000000000000dEaD"


@dataclass(frozen=True)
class MarketplaceParams:
    treasury: str  # receives the escrow's fee
    fee_bps: int = 100  # the escrow's fee on completed orders (at most 10%)
    court: CourtParams = field(default_factory=CourtParams)
    randomness: str | None = None  # an IRandomness already on chain (a VRF adapter on an L2);
    # None deploys BlockhashRandomness
    demo_token: bool = False  # `make up`'s dUSD test token: local demo chains only


@dataclass(frozen=True)
class DeployCost:
    gas: int
    fee_per_gas: int  # the most one unit of gas may cost at today's fees (what the node reserves)

    @property
    def wei(self) -> int:
        return self.gas * self.fee_per_gas


class DeployStepFailed(RuntimeError):
    """A step failed after earlier ones were deployed: says what exists already."""

    def __init__(self, step: str, done: dict[str, str], cause: BaseException) -> None:
        super().__init__(f"{step}: {cause}")
        self.step = step
        self.done = done  # step -> address, deployed (and confirmed) before the failure
        self.cause = cause


class ConfirmationsStalled(TimeoutError):
    """The chain made no new block for too long while a deployment waited for confirmations."""


# (step, phase, address): phase is "sending", "confirming" (mined, waiting for blocks on top of
# it) or "done"; the address is None while sending.
Progress = Callable[[str, str, str | None], None]


def _quiet(step: str, phase: str, address: str | None) -> None:
    pass


def deploy_marketplace(
    session: ChainSession,
    params: MarketplaceParams,
    *,
    confirmations: int = 1,
    progress: Progress = _quiet,
    stall_timeout: float = 300.0,
) -> Deployment:
    """Deploy randomness (unless given), court and escrow, signed by the session's account (the
    escrow's owner); each step waits for `confirmations` blocks (1: mined) before the next uses
    it. Returns the Deployment the services read (saving it is the caller's job).

    A failure in a later step raises DeployStepFailed naming what was deployed before it."""
    done: dict[str, str] = {}
    if confirmations > 1 and mines_on_demand(session.w3):
        confirmations = 1  # no block comes on top by itself, and nothing reorganises there

    def step(name: str, deploy: Callable[[], str]) -> str:
        progress(name, "sending", None)
        try:
            address = deploy()
            if confirmations > 1:
                progress(name, "confirming", address)
                wait_for_confirmations(session.w3, confirmations, stall_timeout=stall_timeout)
        except Exception as exc:
            if not done:
                raise  # nothing deployed yet: the failure as it is
            raise DeployStepFailed(name, dict(done), exc) from exc
        done[name] = address
        progress(name, "done", address)
        return address

    if params.randomness is None:
        randomness = step("randomness", lambda: session.deploy("BlockhashRandomness"))
    else:
        randomness = Web3.to_checksum_address(params.randomness)
    court = step("court", lambda: deploy_court(session, params.court, randomness)[0])
    stack: list[Deployment] = []

    def escrow() -> str:
        stack.append(
            deploy_stack(
                session,
                treasury=params.treasury,
                arbitrator=court,
                fee_bps=params.fee_bps,
                with_demo_token=params.demo_token,
            )
        )
        return stack[0].escrow

    step("escrow", escrow)
    return stack[0]


def estimate_cost(session: ChainSession, params: MarketplaceParams) -> DeployCost:
    """The gas the deployment takes and the most it may cost per unit today, from the node's own
    estimates. A constructor that would revert (a court parameter the court refuses, a fee above
    the maximum) raises its ContractRevert here, before anything is sent."""
    sender = session.account.address
    court_args = (params.court.as_tuple(), params.randomness or _PLACEHOLDER)
    # The escrow's constructor arguments as deploy_stack passes them.
    escrow_args = (sender, params.treasury, params.fee_bps, _PLACEHOLDER)
    creations = [("Court", court_args), ("FairkeyEscrow", escrow_args)]
    if params.randomness is None:
        creations.insert(0, ("BlockhashRandomness", ()))
    if params.demo_token:
        creations.append(("TestToken", ("Demo USD", "dUSD", 6)))
    gas = sum(_creation_gas(session, name, args) for name, args in creations)
    return DeployCost(gas, max_fee_per_gas(session.w3))


def _creation_gas(session: ChainSession, name: str, args: tuple) -> int:
    artifact = session.artifacts[name]
    factory = session.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    try:
        return factory.constructor(*args).estimate_gas({"from": session.account.address})
    except (ContractCustomError, ContractLogicError) as exc:
        data = getattr(exc, "data", None)
        if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
            raise session.errors.decode(data) from None
        raise ContractRevert("Error", {"message": str(exc)}) from None


def max_fee_per_gas(w3: Web3) -> int:
    """The fee per gas web3 offers when it fills a transaction in: twice the base fee plus the
    priority fee on EIP-1559 chains, else the gas price."""
    base = w3.eth.get_block("latest").get("baseFeePerGas")
    if base is None:
        return w3.eth.gas_price
    return 2 * base + w3.eth.max_priority_fee


def mines_on_demand(w3: Web3) -> bool:
    """Whether the node makes a block only when a transaction comes (Anvil's automine): no block
    will ever come on top of the last one by itself, and nothing there reorganises."""
    try:
        answer = w3.provider.make_request("anvil_getAutomine", [])
    except Exception:  # noqa: BLE001 - a node that does not know the method: a real chain
        return False
    return answer.get("result") is True


def wait_for_confirmations(
    w3: Web3, confirmations: int, *, stall_timeout: float = 300.0, poll: float = 1.0
) -> None:
    """Wait until the latest transaction the caller saw mined has `confirmations` blocks (its own
    included). The head seen now is at or after that transaction's block, so `confirmations - 1`
    blocks past it are enough."""
    if confirmations <= 1:
        return
    head = w3.eth.block_number
    target = head + confirmations - 1
    last_move = time.monotonic()
    while head < target:
        time.sleep(poll)
        now = w3.eth.block_number
        if now > head:
            head, last_move = now, time.monotonic()
        elif time.monotonic() - last_move > stall_timeout:
            raise ConfirmationsStalled(
                f"the chain made no new block for {stall_timeout:.0f}s while waiting for "
                f"{confirmations} confirmations (block {head}, waiting for {target})"
            )
