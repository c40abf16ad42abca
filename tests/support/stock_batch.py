"""A committed stock batch whose plain keys the test (or benchmark) knows.

Test-only: the product keeps its units in the vault (`fairkey.vault`). The benchmarks import it
from here too (`bench/common.py`); neither tests/ nor bench/ is packaged.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairkey.crypto.keys import StockUnit
from fairkey.crypto.merkle import MerkleTree


@dataclass
class StockBatch:
    """The units of one committed batch, its tree, and the next unit to hand out."""

    listing_id: int
    units: list[StockUnit]
    tree: MerkleTree
    next_unit: int = 0

    @property
    def root(self) -> bytes:
        return self.tree.root

    def take(self) -> StockUnit:
        unit = self.units[self.next_unit]
        self.next_unit += 1
        return unit

    def proof(self, unit: StockUnit) -> list[bytes]:
        return self.tree.proof(unit.index)
