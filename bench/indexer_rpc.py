"""Raw JSON-RPC plumbing for the indexer benchmark's load generator: one keep-alive HTTP client
that sends JSON-RPC batches, and a signer that pre-signs legacy (EIP-155) transactions with a
locally counted nonce.

web3's `send_raw_transaction` is one HTTP round trip per transaction and eth_account's
`sign_transaction` validates and formats every field (≈ 0.25 ms); generating 100,000 events
needs ≈ 100,000 transactions, so both are done here directly: RLP + keccak + coincurve
(≈ 0.03 ms, byte-identical to eth_account: `FastSigner.self_check`) and batches of a block's
transactions per HTTP request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from coincurve import PrivateKey
from eth_account import Account
from eth_utils import keccak, to_checksum_address


class RpcError(RuntimeError):
    """The node answered a JSON-RPC call with an error."""


class Rpc:
    """A JSON-RPC client over one keep-alive HTTP connection."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.url = url
        self._http = httpx.Client(timeout=timeout)
        self._id = 0

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, *params: Any) -> Any:
        self._id += 1
        reply = self._http.post(
            self.url, json={"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}
        )
        reply.raise_for_status()
        body = reply.json()
        if "error" in body:
            raise RpcError(f"{method}: {body['error']}")
        return body["result"]

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Results of `calls` in order; raises on the first call the node refused."""
        if not calls:
            return []
        body = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": list(params)}
            for i, (method, params) in enumerate(calls)
        ]
        reply = self._http.post(self.url, json=body)
        reply.raise_for_status()
        answers = sorted(reply.json(), key=lambda a: a["id"])
        for answer in answers:
            if "error" in answer:
                method = calls[answer["id"]][0]
                raise RpcError(f"{method} (call {answer['id']} of the batch): {answer['error']}")
        return [a["result"] for a in answers]


def _rlp_item(item: bytes | int) -> bytes:
    """RLP of a byte string or a non-negative integer (minimal big-endian, 0 = empty)."""
    raw = item.to_bytes((item.bit_length() + 7) // 8, "big") if isinstance(item, int) else item
    if len(raw) == 1 and raw[0] < 0x80:
        return raw
    return _rlp_length(len(raw), 0x80) + raw


def _rlp_length(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(size)]) + size


def rlp_list(items: Sequence[bytes | int]) -> bytes:
    """RLP of a flat list (all a legacy transaction needs)."""
    body = b"".join(_rlp_item(item) for item in items)
    return _rlp_length(len(body), 0xC0) + body


class FastSigner:
    """Signs legacy EIP-155 transactions for one account, counting its nonce locally."""

    def __init__(self, private_key: bytes, chain_id: int, nonce: int = 0) -> None:
        self.private_key = bytes(private_key)
        self._key = PrivateKey(self.private_key)
        self.address = to_checksum_address(Account.from_key(self.private_key).address)
        self.chain_id = chain_id
        self.nonce = nonce

    def sign(self, to: str, data: bytes, *, value: int = 0, gas: int, gas_price: int) -> bytes:
        """A raw signed transaction with the next nonce."""
        to_bytes = bytes.fromhex(to[2:])
        fields = [self.nonce, gas_price, gas, to_bytes, value, data]
        digest = keccak(rlp_list([*fields, self.chain_id, 0, 0]))
        signature = self._key.sign_recoverable(digest, hasher=None)
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:64], "big")
        v = signature[64] + 35 + 2 * self.chain_id
        self.nonce += 1
        return rlp_list([*fields, v, r, s])

    def sign_digest(self, digest: bytes) -> bytes:
        """A 65-byte r || s || v (27/28) signature of a 32-byte digest (EIP-712 messages)."""
        signature = self._key.sign_recoverable(digest, hasher=None)
        return signature[:64] + bytes([signature[64] + 27])

    def self_check(self) -> None:
        """Our raw transaction must equal eth_account's byte for byte (both sign RFC 6979)."""
        to = to_checksum_address("0x" + "fa" * 20)
        tx = {"to": to, "value": 7, "gas": 50_000, "gasPrice": 3, "nonce": 0, "data": b"\x01\x02"}
        expected = Account.sign_transaction(tx | {"chainId": self.chain_id}, self.private_key)
        probe = FastSigner(self.private_key, self.chain_id)
        ours = probe.sign(to, b"\x01\x02", value=7, gas=50_000, gas_price=3)
        if ours != bytes(expected.raw_transaction):
            raise AssertionError("FastSigner disagrees with eth_account on a legacy transaction")
