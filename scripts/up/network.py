"""`make up NETWORK=path/to/deployment.json`: before any service starts, the node must answer,
be the deployment's chain, and hold its escrow; otherwise one sentence says what to fix."""

from __future__ import annotations

import requests
from web3.exceptions import Web3Exception

from fairkey.chain.deploy import Deployment
from fairkey.chain.rpc_errors import RpcError
from fairkey.chain.session import http_web3
from scripts.up.output import shown
from scripts.up.services import StartupError
from scripts.up.settings import UpSettings


def check_network(settings: UpSettings) -> Deployment:
    """The deployment the network setting names, checked against the node."""
    path = settings.deployment_file
    try:
        deployment = Deployment.load(path)
    except (ValueError, TypeError) as exc:
        raise StartupError(f"{shown(path)} is not a deployment file ({exc})") from None
    w3 = http_web3(settings.rpc_url, timeout=10)
    try:
        chain_id = w3.eth.chain_id
        has_escrow = bool(w3.eth.get_code(deployment.escrow))
    except (requests.RequestException, Web3Exception, RpcError, ValueError) as exc:
        raise StartupError(
            f"no chain node answers at {settings.rpc_url} ({type(exc).__name__}): check "
            "FAIRKEY_RPC_URL; nothing was started"
        ) from None
    if chain_id != deployment.chain_id:
        raise StartupError(
            f"{shown(path)} is a deployment on chain {deployment.chain_id}, but the node at "
            f"{settings.rpc_url} is chain {chain_id}: point FAIRKEY_RPC_URL at a node of chain "
            f"{deployment.chain_id}; nothing was started"
        )
    if not has_escrow:
        raise StartupError(
            f"chain {chain_id} has no escrow at {deployment.escrow} (from {shown(path)}): was it "
            "deployed on another instance of this chain? Deploy again with `fairkey deploy`; "
            "nothing was started"
        )
    return deployment
