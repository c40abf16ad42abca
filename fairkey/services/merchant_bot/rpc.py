"""The bot's batched reads: every watched order's state, and a step's receipts, each in one
JSON-RPC round trip (not one per order); and the items a batch call skipped, from its receipt."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi import decode
from eth_utils import keccak
from web3 import Web3

from fairkey.chain.errors import ContractRevert
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
    """The receipts that are there, in one batch (only what settling reads: status, hash and
    the logs as the node sent them); a failed batch or a receipt not there yet is left out
    (waited for on its own)."""
    if not hashes:
        return {}
    try:
        results = rpc_batch(w3, [("eth_getTransactionReceipt", ["0x" + h.hex()]) for h in hashes])
    except Exception:  # noqa: BLE001 - the batch failed: each receipt is waited for instead
        return {}
    return {
        h: {"status": int(r["status"], 16), "transactionHash": h, "logs": r.get("logs", [])}
        for h, r in zip(hashes, results, strict=True)
        if r
    }


BATCH_ITEM_REFUSED = keccak(text="BatchItemRefused(uint256,bytes)")


def _raw(value: str | bytes) -> bytes:
    """A log field as bytes: 0x hex from the node (JSON), or bytes from web3."""
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def refusals_in(client: EscrowClient, logs: Iterable[Any]) -> dict[int, ContractRevert]:
    """The orders a batch call skipped (the escrow's BatchItemRefused logs of one receipt), each
    with the named error the single-order call would have reverted with: the SDK's
    `EscrowClient.refusals`, read from the raw logs without decoding every other event."""
    escrow = client.address.lower()
    found: dict[int, ContractRevert] = {}
    for entry in logs:
        topics = entry["topics"]
        if not topics or _raw(topics[0]) != BATCH_ITEM_REFUSED:
            continue
        if str(entry["address"]).lower() != escrow:
            continue
        (reason,) = decode(["bytes"], _raw(entry["data"]))
        found[int.from_bytes(_raw(topics[1]), "big")] = client.session.errors.decode(reason)
    return found
