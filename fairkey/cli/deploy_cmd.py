"""`fairkey deploy`: the escrow and its court (with BlockhashRandomness, or a randomness source
already on chain) on any network, from an RPC URL and a key in the environment; writes the
deployment file (`<home>/deployment.json`) that every service reads.

The deploy itself is `arbitration/marketplace_deploy.py`, which `make up` runs too; this module
is the command around it: checks before anything is sent (node, chain, deployment file, key,
funds), progress, and what to run next. Registered in fairkey/cli/main.py as
``app.command("deploy", ...)(deploy_cmd.deploy)``.
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path
from typing import Annotated

import requests
import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import Web3Exception

from arbitration.deploy import CourtParams
from arbitration.marketplace_deploy import (
    STEPS,
    ConfirmationsStalled,
    DeployCost,
    DeployStepFailed,
    MarketplaceParams,
    deploy_marketplace,
    estimate_cost,
)
from fairkey.chain.anvil import dev_accounts
from fairkey.chain.deploy import Deployment
from fairkey.chain.errors import ContractRevert
from fairkey.chain.rpc_errors import RpcError
from fairkey.chain.session import ChainSession
from fairkey.chain.types import ETH
from fairkey.cli.context import AppState, state
from fairkey.cli.errors import CliError, describe_revert
from fairkey.cli.output import ok, say, warn
from fairkey.cli.tokens import TokenBook
from fairkey.settings import DEV_CHAIN_ID
from fairkey.units import format_amount, format_duration, parse_amount, parse_duration

_DEFAULT = CourtParams()
_CONTRACT = dict(STEPS)
_GWEI = 10**9


def _duration(text: str | int) -> int:
    if isinstance(text, int):  # a default
        return text
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _period(what: str, default: int) -> typer.models.OptionInfo:
    return typer.Option(
        parser=_duration,
        metavar="DURATION",
        help=f"The court's {what} period of each round (e.g. 4h, 30m).",
        show_default=format_duration(default),
    )


def _eth(units: int) -> str:
    return format_amount(units, 18)


def _eth_about(wei: int) -> str:
    """An ETH amount to 4 significant digits, rounded up (what to have at least)."""
    digits = max(len(str(wei)) - 4, 0)
    return _eth(-(-wei // 10**digits) * 10**digits)


def deploy(
    ctx: typer.Context,
    chain_id: Annotated[
        int | None,
        typer.Option(
            "--chain-id",
            min=1,
            help="Refuse unless the node is this chain (e.g. 11155111 for Sepolia): a safety "
            "check against a wrong FAIRKEY_RPC_URL.",
            show_default=False,
        ),
    ] = None,
    treasury: Annotated[
        str | None,
        typer.Option(
            help="Address that receives the escrow's fee (default: the deployer).",
            show_default=False,
        ),
    ] = None,
    fee_bps: Annotated[
        int,
        typer.Option("--fee-bps", min=0, help="The escrow's fee in basis points (100 = 1%)."),
    ] = 100,
    randomness: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="An IRandomness already on chain for the court's draws (a VRF adapter, on an "
            "L2); default: deploy BlockhashRandomness.",
            show_default=False,
        ),
    ] = None,
    stake_token: Annotated[
        str, typer.Option(metavar="TOKEN", help="What jurors stake: eth or an ERC-20 address.")
    ] = "eth",
    min_stake: Annotated[
        str,
        typer.Option(metavar="AMOUNT", help="Smallest juror stake, in whole stake-token units."),
    ] = _eth(_DEFAULT.min_stake),
    lock_per_seat: Annotated[
        str,
        typer.Option(
            metavar="AMOUNT",
            help="Stake locked per seat a juror holds, lost if incoherent or absent.",
        ),
    ] = _eth(_DEFAULT.lock_per_seat),
    fee_per_juror: Annotated[
        str,
        typer.Option(
            metavar="AMOUNT", help="Court fee per juror seat, in ETH (a first round has 3)."
        ),
    ] = _eth(_DEFAULT.fee_per_juror),
    stake_quantum: Annotated[
        int,
        typer.Option(
            min=1, help="Base units of stake per unit of sortition weight (ETH: 10**9 = 1 gwei)."
        ),
    ] = _DEFAULT.stake_quantum,
    evidence_period: Annotated[int, _period("evidence", _DEFAULT.evidence_period)] = (
        _DEFAULT.evidence_period
    ),
    commit_period: Annotated[int, _period("commit", _DEFAULT.commit_period)] = (
        _DEFAULT.commit_period
    ),
    reveal_period: Annotated[int, _period("reveal", _DEFAULT.reveal_period)] = (
        _DEFAULT.reveal_period
    ),
    appeal_period: Annotated[int, _period("appeal", _DEFAULT.appeal_period)] = (
        _DEFAULT.appeal_period
    ),
    max_rounds: Annotated[
        int, typer.Option(min=1, help="Rounds a case may have (the first and its appeals).")
    ] = _DEFAULT.max_rounds,
    confirmations: Annotated[
        int,
        typer.Option(
            min=1,
            help="Blocks each contract waits for (its own included) before the next uses it; a "
            "node that mines on demand (Anvil) has none to wait for.",
        ),
    ] = 2,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace the data folder's deployment file even when it holds a live "
            "deployment or one for another chain.",
        ),
    ] = False,
) -> None:
    """Deploy the escrow and its court to the chain at --rpc / FAIRKEY_RPC_URL, signed by
    FAIRKEY_DEPLOYER_KEY (else FAIRKEY_PRIVATE_KEY; --dev-account on the local chain), and write
    <home>/deployment.json for the services. Refuses, before sending anything, a wrong chain, a
    deployment file it would overwrite, and a key without the funds for the gas."""
    app_state = state(ctx)
    rpc_url = app_state.settings.rpc_url
    session = _connect(app_state)
    node_chain = session.chain_id
    if chain_id is not None and chain_id != node_chain:
        raise CliError(
            f"the node at {rpc_url} is chain {node_chain}, not chain {chain_id} (--chain-id): "
            "check FAIRKEY_RPC_URL (or --rpc); nothing was deployed"
        )
    path = app_state.settings.deployment_file
    existing = _existing(path, session, force)
    if existing is not None:
        ok(
            f"already deployed on chain {node_chain}: escrow {existing.escrow}, court "
            f"{existing.arbitrator} (block {existing.block}), in {path}; nothing to do "
            "(--force deploys a new marketplace and replaces the file)"
        )
        _next_steps(app_state, path, existing)
        return
    deployer = _deployer(app_state)
    if node_chain != DEV_CHAIN_ID and deployer.address in _public_dev_addresses():
        warn(
            f"{deployer.address} is one of Anvil's dev accounts, whose keys are public: anyone "
            f"can spend what it holds on chain {node_chain}, and it will own the escrow"
        )
    session = session.with_account(deployer)
    params = MarketplaceParams(
        treasury=_address("--treasury", treasury) if treasury else deployer.address,
        fee_bps=fee_bps,
        court=CourtParams(
            stake_token=_stake_token(stake_token),
            min_stake=_amount(app_state, "--min-stake", min_stake, stake_token),
            lock_per_seat=_amount(app_state, "--lock-per-seat", lock_per_seat, stake_token),
            fee_per_juror=_amount(app_state, "--fee-per-juror", fee_per_juror, "eth"),
            stake_quantum=stake_quantum,
            evidence_period=evidence_period,
            commit_period=commit_period,
            reveal_period=reveal_period,
            appeal_period=appeal_period,
            max_rounds=max_rounds,
        ),
        randomness=_randomness(session, randomness),
    )
    cost = _preflight(session, params)
    balance = _eth_about(session.w3.eth.get_balance(deployer.address))
    say(
        f"deploying to chain {node_chain} at {rpc_url} as {deployer.address} (balance {balance} "
        f"ETH; the gas costs at most {_eth_about(cost.wei)} ETH: {cost.gas:,} gas at up to "
        f"{cost.fee_per_gas / _GWEI:.3g} gwei)"
    )
    if node_chain == DEV_CHAIN_ID:
        warn("chain 31337 is a local dev chain: `make up` deploys and seeds one by itself")
    started = time.monotonic()
    deployment = _run(session, params, confirmations)
    deployment.save(path)
    ok(f"deployed in {time.monotonic() - started:.1f}s; wrote {path}")
    _next_steps(app_state, path, deployment)


# ---------------------------------------------------------------------------- checks


def _connect(app_state: AppState) -> ChainSession:
    """The node, or a sentence saying why it cannot be used (the CLI's usual hint assumes the
    local `make up` chain)."""
    url = app_state.settings.rpc_url
    try:
        return app_state.session
    except (requests.ConnectionError, requests.Timeout) as exc:
        reason = type(exc).__name__
        raise CliError(
            f"no chain node answers at {url} ({reason}): check FAIRKEY_RPC_URL (or --rpc), "
            "e.g. https://ethereum-sepolia-rpc.publicnode.com; nothing was deployed"
        ) from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise CliError(
            f"the node at {url} answered HTTP {status}: check the URL (and its API key, if the "
            "provider needs one); nothing was deployed"
        ) from None
    except (Web3Exception, RpcError, ValueError) as exc:
        raise CliError(
            f"{url} does not answer as an Ethereum JSON-RPC node ({exc}); nothing was deployed"
        ) from None


def _existing(path: Path, session: ChainSession, force: bool) -> Deployment | None:
    """A live deployment on this chain in the file (nothing to do), else None (deploy). A file
    for another chain, or one that cannot be read, is refused unless --force."""
    if not path.exists() or force:
        return None
    try:
        saved = Deployment.load(path)
    except (ValueError, TypeError) as exc:
        raise CliError(
            f"{path} is not a deployment file ({exc}): move it away, or --force to replace it"
        ) from None
    if saved.chain_id != session.chain_id:
        raise CliError(
            f"{path} holds the deployment on chain {saved.chain_id} (escrow {saved.escrow}), "
            f"and this node is chain {session.chain_id}: give this network its own data folder "
            "(--home or FAIRKEY_HOME, e.g. --home .fairkey-sepolia), or --force to replace it; "
            "nothing was deployed"
        )
    if session.w3.eth.get_code(saved.escrow):
        return saved
    warn(f"{path} names escrow {saved.escrow}, which this chain does not have: deploying anew")
    return None


def _deployer(app_state: AppState) -> LocalAccount:
    key = app_state.settings.deployer_key
    if key is not None:
        try:
            return Account.from_key(key.get_secret_value().strip())
        except (ValueError, TypeError):
            raise CliError("FAIRKEY_DEPLOYER_KEY is not a valid private key") from None
    account = app_state.maybe_account
    if account is None:
        raise CliError(
            "no key to deploy with: set FAIRKEY_DEPLOYER_KEY (or FAIRKEY_PRIVATE_KEY) to the "
            "deployer's private key (it pays the gas and owns the escrow); on the local chain "
            "--dev-account N works; nothing was deployed"
        )
    return account


@cache
def _public_dev_addresses() -> set[str]:
    """Anvil's first dev accounts (their keys come with every Anvil and Hardhat)."""
    return {account.address for account in dev_accounts(10)}


def _address(option: str, value: str) -> str:
    if not Web3.is_address(value):
        raise CliError(f"{option} {value!r} is not an address")
    return Web3.to_checksum_address(value)


def _stake_token(text: str) -> str:
    return ETH if text.lower() == "eth" else _address("--stake-token", text)


def _amount(app_state: AppState, option: str, text: str, token: str) -> int:
    """An amount in whole units of ETH or of the ERC-20 `token` (its decimals read on chain)."""
    if token.lower() == "eth":
        decimals = 18
    else:
        decimals = TokenBook(app_state.session, "").get(_stake_token(token)).decimals
    try:
        return parse_amount(text, decimals)
    except ValueError as exc:
        raise CliError(f"{option}: {exc}") from None


def _randomness(session: ChainSession, address: str | None) -> str | None:
    if address is None:
        return None
    checked = _address("--randomness", address)
    if not session.w3.eth.get_code(checked):
        raise CliError(
            f"--randomness {checked} has no contract on chain {session.chain_id}: deploy the "
            "randomness source (an IRandomness) first, or leave --randomness out to deploy "
            "BlockhashRandomness"
        )
    return checked


def _preflight(session: ChainSession, params: MarketplaceParams) -> DeployCost:
    """Every constructor estimated by the node (a refused parameter shows here), and the
    deployer's balance against the most the gas may cost."""
    try:
        cost = estimate_cost(session, params)
    except ContractRevert as exc:
        court = params.court
        detail = describe_revert(exc)
        if exc.name == "CourtBadParams":
            detail += (
                f" — given: min stake {court.min_stake}, lock per seat {court.lock_per_seat}, "
                f"stake quantum {court.stake_quantum}, max rounds {court.max_rounds}, periods "
                f"{court.evidence_period}/{court.commit_period}/{court.reveal_period}/"
                f"{court.appeal_period}s (docs/arbitration.md)"
            )
        raise CliError(f"the deployment would fail: {detail}; nothing was deployed") from None
    except Web3Exception as exc:  # estimation refused outright, e.g. "insufficient funds"
        if "insufficient funds" not in str(exc).lower():
            raise
        cost = None
    balance = session.w3.eth.get_balance(session.account.address)
    if cost is None or balance < cost.wei:
        need = f"up to {_eth_about(cost.wei)} ETH for the gas" if cost else "ETH for the gas"
        raise CliError(
            f"{session.account.address} holds {_eth(balance)} ETH on chain {session.chain_id}, "
            f"and deploying needs {need}: send it test ETH (a faucet: docs/testnet.md) and run "
            "`fairkey deploy` again; nothing was deployed"
        )
    return cost


# ---------------------------------------------------------------------------- deploying


def _run(session: ChainSession, params: MarketplaceParams, confirmations: int) -> Deployment:
    def progress(step: str, phase: str, address: str | None) -> None:
        if phase == "confirming":
            say(f"  {step:<10} {_CONTRACT[step]} {address}: waiting for {confirmations} blocks…")
        elif phase == "done":
            ok(f"{step:<10} {_CONTRACT[step]} {address}")

    try:
        return deploy_marketplace(session, params, confirmations=confirmations, progress=progress)
    except DeployStepFailed as exc:
        done = ", ".join(f"{step} {address}" for step, address in exc.done.items())
        reuse = (
            f" (--randomness {exc.done['randomness']} reuses the randomness source)"
            if "randomness" in exc.done
            else ""
        )
        raise CliError(
            f"deploying the {exc.step} failed: {_reason(exc.cause)}. Deployed before it: {done} "
            f"— not written to the deployment file; run `fairkey deploy` again{reuse}"
        ) from None
    except ConfirmationsStalled as exc:
        raise CliError(f"{exc}: is the node syncing? Run `fairkey deploy` again") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ContractRevert):
        return describe_revert(exc)
    return str(exc) or type(exc).__name__


def _next_steps(app_state: AppState, path: Path, deployment: Deployment) -> None:
    settings = app_state.settings
    env = f"export FAIRKEY_RPC_URL={settings.rpc_url} FAIRKEY_HOME={settings.home}"
    say(
        "next (docs/testnet.md):\n"
        f"  {env}\n"
        "  export FAIRKEY_PRIVATE_KEY=0x…     # a merchant's key (each role signs with its own)\n"
        "  fairkey listing create --price 0.01 --bond 0.005 --dispute-bond 0.001 \\\n"
        "     --delivery-window 1h --confirm-window 24h --response-window 12h \\\n"
        '     --appeal-window 2h --description "…"\n'
        "  fairkey stock import keys.txt --supplier NAME && fairkey stock commit 1 --listing 1\n"
        f"  make up NETWORK={path}     # bot, keeper, verifier, relayer, indexer, API on it"
    )
    if not deployment.token:
        say("  (no demo token on this network: listings sell for ETH or a real ERC-20)")
