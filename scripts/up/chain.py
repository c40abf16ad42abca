"""The local demo chain: Anvil with its state in the data folder, the marketplace deployed on it
(the same deploy as `fairkey deploy`, plus the demo token), and whether a saved deployment and
index still describe the chain Anvil reloaded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from web3 import Web3

from arbitration.marketplace_deploy import MarketplaceParams, deploy_marketplace
from fairkey.chain.anvil import AnvilNode
from fairkey.chain.deploy import Deployment
from fairkey.chain.session import ChainSession
from fairkey.settings import Settings
from indexer.queries import saved_cursor
from scripts.up.accounts import ANVIL_ACCOUNTS, ROLES, account
from scripts.up.settings import UpSettings

DEV_BLOCK_TIME = 2  # seconds between the demo chain's idle blocks


def local_node(settings: UpSettings, lock: int) -> AnvilNode:
    """Anvil for the data folder. It holds the folder's lock too, so the folder stays locked
    until it has saved the chain, and it gets SIGTERM if `make up` is killed."""
    return AnvilNode(
        port=settings.chain_port,
        # A block every few seconds besides one per transaction: an idle demo chain still moves
        # on, so the court's randomness (a future block's hash) becomes ready by itself.
        block_time=DEV_BLOCK_TIME,
        mixed_mining=True,
        accounts=ANVIL_ACCOUNTS,
        state_file=settings.home / "anvil-state.json",
        log_file=settings.home / "anvil.log",
        pass_fds=(lock,),
        die_with_parent=True,
    )


def deployment_alive(w3: Web3, path: Path) -> Deployment | None:
    """The saved deployment, if the chain still has its escrow."""
    if not path.exists():
        return None
    deployment = Deployment.load(path)
    if deployment.chain_id != w3.eth.chain_id or w3.eth.get_code(deployment.escrow) in (
        b"",
        b"\x00",
    ):
        return None
    return deployment


def deploy_demo(w3: Web3, path: Path) -> Deployment:
    """The escrow and the real court (blockhash draws; never the test arbitrator), deployed by
    the operator with the treasury's fee, plus the demo token dUSD; saved at `path`."""
    session = ChainSession(w3, account(ROLES["operator"]))
    params = MarketplaceParams(treasury=account(ROLES["treasury"]).address, demo_token=True)
    deployment = deploy_marketplace(session, params)
    deployment.save(path)
    return deployment


def index_matches_chain(w3: Web3, deployment: Deployment, home: Path) -> bool:
    """Whether the saved index still describes this chain. Anvil saves its state when it stops;
    after a hard kill the reloaded chain can be older than the index, which the indexer would
    (rightly) refuse as a reorg beyond finality. On the demo chain the index is rebuilt instead."""
    if not (home / "index.sqlite3").exists():
        return True
    try:
        cursor = saved_cursor(Settings(home=home).index_db(), deployment.escrow)
    except SQLAlchemyError:
        return False
    if cursor is None or cursor.hash is None:
        return True
    block = w3.eth.get_block(cursor.number) if cursor.number <= w3.eth.block_number else None
    return block is not None and block["hash"].to_0x_hex() == cursor.hash and not cursor.halted


def drop_index(home: Path) -> None:
    """Forget the SQLite index (of a previous chain): the indexer rebuilds it from the chain."""
    for stale in home.glob("index.sqlite3*"):
        stale.unlink()
