"""OpenZeppelin-compatible Merkle tree over stock units (docs/protocol.md, "leaf" and "tree").

Layout is OpenZeppelin ``makeMerkleTree`` (what ``StandardMerkleTree`` builds with
``sortLeaves: false``): a flat array of ``2m-1`` nodes, leaf ``i`` at ``2m-2-i``, node ``j`` =
``hashPair(node[2j+1], node[2j+2])``. Leaves stay in index order (no sorting) so a unit's index
is its position. Proofs verify with OZ ``MerkleProof.verify``.

This module is below the key format: it hashes a unit's ``(index, c, f)`` and knows no
``StockUnit`` (which imports it for ``StockUnit.leaf``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from eth_abi import encode
from eth_utils import is_address, keccak

_UINT256_MAX = 2**256 - 1


class StockLeaf(Protocol):
    """What a stock tree's leaf is made of (``keys.StockUnit`` is one)."""

    @property
    def index(self) -> int: ...

    @property
    def commitment(self) -> bytes: ...

    @property
    def fingerprint(self) -> bytes: ...


def _check_node(node: bytes, what: str = "node") -> None:
    if not isinstance(node, bytes) or len(node) != 32:
        raise ValueError(f"Merkle {what} must be 32 bytes")


def leaf_hash(merchant: str, index: int, commitment: bytes, fingerprint: bytes) -> bytes:
    """``keccak(keccak(abi.encode(address merchant, uint256 i, bytes32 c, bytes32 f)))``.

    Double hashing keeps a 64-byte inner node from ever being accepted as a leaf. The merchant
    is bound in so that a root copied from a pending commit proves nothing for anyone else.
    """
    if not 0 <= index <= _UINT256_MAX:
        raise ValueError(f"unit index out of uint256 range: {index}")
    if not is_address(merchant):
        raise ValueError(f"merchant must be an address, got {merchant!r}")
    _check_node(commitment, "commitment")
    _check_node(fingerprint, "fingerprint")
    inner = encode(
        ["address", "uint256", "bytes32", "bytes32"], [merchant, index, commitment, fingerprint]
    )
    return keccak(keccak(inner))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """``keccak(min(a,b) || max(a,b))``, as OZ ``Hashes.commutativeKeccak256``."""
    return keccak(a + b) if a <= b else keccak(b + a)


class MerkleTree:
    """Immutable Merkle tree; ``nodes`` is the OZ flat array, ``nodes[0]`` the root."""

    __slots__ = ("_nodes", "_size")

    def __init__(self, nodes: Sequence[bytes], size: int) -> None:
        # Use build(); the constructor trusts its input.
        self._nodes: tuple[bytes, ...] = tuple(nodes)
        self._size = size

    @classmethod
    def build(cls, leaves: Sequence[bytes]) -> MerkleTree:
        """Build from leaf hashes given in unit-index order."""
        m = len(leaves)
        if m == 0:
            raise ValueError("cannot build a Merkle tree with no leaves")
        for leaf in leaves:
            _check_node(leaf, "leaf")
        nodes: list[bytes] = [b""] * (2 * m - 1)
        for i, leaf in enumerate(leaves):
            nodes[2 * m - 2 - i] = bytes(leaf)
        for j in range(m - 2, -1, -1):
            nodes[j] = hash_pair(nodes[2 * j + 1], nodes[2 * j + 2])
        return cls(nodes, m)

    @property
    def root(self) -> bytes:
        return self._nodes[0]

    @property
    def nodes(self) -> tuple[bytes, ...]:
        return self._nodes

    def leaf(self, index: int) -> bytes:
        return self._nodes[self._position(index)]

    def _position(self, index: int) -> int:
        if not 0 <= index < self._size:
            raise IndexError(f"leaf index {index} out of range for a tree of {self._size}")
        return 2 * self._size - 2 - index

    def proof(self, index: int) -> list[bytes]:
        """Sibling hashes from leaf ``index`` up to (excluding) the root, as OZ ``getProof``."""
        pos = self._position(index)
        out: list[bytes] = []
        while pos > 0:
            sibling = pos - 1 if pos % 2 == 0 else pos + 1
            out.append(self._nodes[sibling])
            pos = (pos - 1) // 2
        return out

    @staticmethod
    def verify(root: bytes, leaf: bytes, proof: Sequence[bytes]) -> bool:
        """OZ ``MerkleProof.verify``: fold the proof with the commutative pair hash."""
        computed = leaf
        for node in proof:
            computed = hash_pair(computed, node)
        return computed == root

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"MerkleTree(size={self._size}, root=0x{self.root.hex()})"


def build_stock_tree(units: Sequence[StockLeaf], merchant: str) -> MerkleTree:
    """Tree of ``merchant``'s stock batch; units must carry indices ``0..m-1`` in order."""
    for position, unit in enumerate(units):
        if unit.index != position:
            raise ValueError(
                f"stock unit at position {position} has index {unit.index}; "
                "units must be indexed 0..m-1 in order"
            )
    return MerkleTree.build(
        [leaf_hash(merchant, unit.index, unit.commitment, unit.fingerprint) for unit in units]
    )
