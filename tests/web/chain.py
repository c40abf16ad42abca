"""The browser tests' hands on the chain and the services: move the chain's clock (deadlines are
tested by time travel, never by sleeping) and wait for a service to act, by polling what it
changes, bounded in time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tests.web.wallet.rpc import JsonRpc

T = TypeVar("T")


class ServiceTimeout(AssertionError):
    """What the test waited for did not happen in time."""


def until(predicate: Callable[[], T], what: str, timeout: float = 30.0, interval: float = 0.2) -> T:
    """Poll `predicate` until it returns something truthy, and return that; `what` names the
    awaited effect in the failure ("the keeper refunded the order")."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise ServiceTimeout(f"{what}: not seen within {timeout:.0f}s")
        time.sleep(interval)


class Chain:
    """The stack's Anvil over JSON-RPC (answers raw, as the node gives them)."""

    def __init__(self, rpc: JsonRpc) -> None:
        self.rpc = rpc

    def head(self) -> int:
        return int(self.rpc.call("eth_blockNumber"), 16)

    def now(self) -> int:
        """The latest block's timestamp: the chain's clock, which deadlines are measured on."""
        return int(self.rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def mine(self, blocks: int = 1) -> int:
        for _ in range(blocks):
            self.rpc.call("evm_mine")
        return self.head()

    def advance(self, seconds: int) -> int:
        """Mine a block `seconds` after the latest one (the keeper then enforces every deadline
        that passed); returns its timestamp."""
        self.rpc.call("evm_increaseTime", [int(seconds)])
        self.rpc.call("evm_mine")
        return self.now()

    def advance_past(self, deadline: int) -> int:
        """Mine a block strictly after `deadline` (a chain timestamp)."""
        return self.advance(max(1, deadline - self.now() + 1))

    def balance(self, address: str) -> int:
        return int(self.rpc.call("eth_getBalance", [address, "latest"]), 16)

    def receipt(self, tx_hash: str, timeout: float = 30.0) -> dict:
        """The transaction's receipt, once mined."""
        return until(
            lambda: self.rpc.call("eth_getTransactionReceipt", [tx_hash]),
            f"transaction {tx_hash} mined",
            timeout,
        )
