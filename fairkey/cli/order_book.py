"""The buyer's local list of orders (``orders.json``): which key index paid which order, and up
to which index the keys are taken.

No secret is stored: the per-order keys are re-derived from the wallet's signature each time.
The file only saves scanning for the index; losing it loses nothing (`find_order_key` scans,
and a purchase skips keys that already pay for an order).

A purchase reserves its key indices here *before* it pays (``reserved``: per deployment, the
first index no purchase took), so a payment that failed or timed out never hands its keys to
the next purchase (the rule: `fairkey.flows.buyer.buy_keys`).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from web3 import Web3


@dataclass(frozen=True)
class PaidOrder:
    order: str  # EIP-55 order id (the per-order key's address)
    index: int  # order key index j
    chain_id: int
    escrow: str
    listing: int
    tx: str


class OrderBook:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": 1, "orders": []}
        return json.loads(self.path.read_text())

    def _load(self) -> list[PaidOrder]:
        return [PaidOrder(**entry) for entry in self._read().get("orders", [])]

    def orders(self, chain_id: int, escrow: str) -> list[PaidOrder]:
        escrow = Web3.to_checksum_address(escrow)
        return [o for o in self._load() if o.chain_id == chain_id and o.escrow == escrow]

    def next_index(self, chain_id: int, escrow: str) -> int:
        """The first key index no order of this list used and no purchase reserved."""
        used = max((o.index for o in self.orders(chain_id, escrow)), default=-1) + 1
        return max(used, self._reserved(self._read(), chain_id, escrow))

    def reserve(self, chain_id: int, escrow: str, end: int) -> None:
        """Every key index below `end` is taken on this deployment."""
        data = self._read()
        if end <= self._reserved(data, chain_id, escrow):
            return
        escrow = Web3.to_checksum_address(escrow)
        others = [
            r
            for r in data.get("reserved", [])
            if (r["chain_id"], r["escrow"]) != (chain_id, escrow)
        ]
        data["reserved"] = [*others, {"chain_id": chain_id, "escrow": escrow, "next_index": end}]
        self._write(data)

    def indexes(self, chain_id: int, escrow: str) -> DeploymentIndexes:
        """This list's key indices on one deployment, as `flows.buyer.KeyIndexes`."""
        return DeploymentIndexes(self, chain_id, escrow)

    def index_of(self, chain_id: int, escrow: str, order: str) -> int | None:
        order = Web3.to_checksum_address(order)
        return next((o.index for o in self.orders(chain_id, escrow) if o.order == order), None)

    def add(self, *entries: PaidOrder) -> None:
        data = self._read()
        data["orders"] = [*data.get("orders", []), *(asdict(e) for e in entries)]
        self._write(data)

    @staticmethod
    def _reserved(data: dict[str, Any], chain_id: int, escrow: str) -> int:
        escrow = Web3.to_checksum_address(escrow)
        return max(
            (
                r["next_index"]
                for r in data.get("reserved", [])
                if r["chain_id"] == chain_id and r["escrow"] == escrow
            ),
            default=0,
        )

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename: a crash never leaves half a file behind.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".orders-", suffix=".json")
        with os.fdopen(fd, "w") as handle:
            json.dump({"version": 1, **data}, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, self.path)


@dataclass(frozen=True)
class DeploymentIndexes:
    book: OrderBook
    chain_id: int
    escrow: str

    def next_index(self) -> int:
        return self.book.next_index(self.chain_id, self.escrow)

    def reserve(self, end: int) -> None:
        self.book.reserve(self.chain_id, self.escrow, end)
