"""The bot's batched reads: every watched order's state, and a step's receipts, each in one
JSON-RPC round trip (not one per order)."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.rpc_errors import RpcError
from fairkey.chain.session import rpc_client
from fairkey.chain.types import Order


def rpc_batch(w3: Web3, requests: list[tuple[str, list[Any]]]) -> list[Any]:
    """A JSON-RPC batch through the SDK's client (`fairkey.chain.jsonrpc`: no web3 formatters,
    bytes in params sent as 0x hex). Each result as the node sent it (JSON), None where the node
    answered with an error; a refused batch raises RpcError."""
    answers = rpc_client(w3.provider.endpoint_uri).batch(requests)
    return [None if isinstance(answer, RpcError) else answer for answer in answers]


def read_orders(client: EscrowClient, order_ids: list[int]) -> dict[int, Order]:
    """The orders' states in one batch; an order the node answered with an error is left out
    (read it on its own)."""
    if not order_ids:
        return {}
    order_fn = client.codec.fn("order")
    results = rpc_batch(
        client.session.w3,
        [
            ("eth_call", [{"to": client.address, "data": order_fn.encode(oid)}, "latest"])
            for oid in order_ids
        ],
    )
    return {
        oid: Order.from_tuple(order_fn.decode(bytes.fromhex(result[2:])))
        for oid, result in zip(order_ids, results, strict=True)
        if result is not None
    }


def fetch_receipts(w3: Web3, hashes: list[bytes]) -> dict[bytes, dict[str, Any]]:
    """The receipts that are there, in one batch (only what settling reads: status and hash); a
    failed batch or a receipt not there yet is left out (waited for on its own)."""
    if not hashes:
        return {}
    try:
        results = rpc_batch(w3, [("eth_getTransactionReceipt", ["0x" + h.hex()]) for h in hashes])
    except Exception:  # noqa: BLE001 - the batch failed: each receipt is waited for instead
        return {}
    return {
        h: {"status": int(r["status"], 16), "transactionHash": h}
        for h, r in zip(hashes, results, strict=True)
        if r
    }
