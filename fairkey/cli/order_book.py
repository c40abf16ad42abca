"""The buyer's local list of orders (``orders.json``): which key index paid which order.

No secret is stored: the per-order keys are re-derived from the wallet's signature each time.
The file only saves scanning for the index; losing it loses nothing (`find_order_key` scans).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

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

    def _load(self) -> list[PaidOrder]:
        if not self.path.exists():
            return []
        data = json.loads(self.path.read_text())
        return [PaidOrder(**entry) for entry in data.get("orders", [])]

    def orders(self, chain_id: int, escrow: str) -> list[PaidOrder]:
        escrow = Web3.to_checksum_address(escrow)
        return [o for o in self._load() if o.chain_id == chain_id and o.escrow == escrow]

    def next_index(self, chain_id: int, escrow: str) -> int:
        return max((o.index for o in self.orders(chain_id, escrow)), default=-1) + 1

    def index_of(self, chain_id: int, escrow: str, order: str) -> int | None:
        order = Web3.to_checksum_address(order)
        return next((o.index for o in self.orders(chain_id, escrow) if o.order == order), None)

    def add(self, entry: PaidOrder) -> None:
        entries = [asdict(o) for o in self._load()] + [asdict(entry)]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename: a crash never leaves half a file behind.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".orders-", suffix=".json")
        with os.fdopen(fd, "w") as handle:
            json.dump({"version": 1, "orders": entries}, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, self.path)
