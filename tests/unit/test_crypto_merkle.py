"""OpenZeppelin-compatible stock trees (docs/protocol.md, "leaf" and "tree")."""

import pytest
from Crypto.Hash import keccak as _keccak

from fairkey.crypto.keys import StockUnit, new_salt
from fairkey.crypto.merkle import MerkleTree, build_stock_tree, hash_pair, leaf_hash


def keccak(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def leaves(m: int) -> list[bytes]:
    return [keccak(b"leaf" + i.to_bytes(4, "big")) for i in range(m)]


MERCHANT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_leaf_is_double_keccak_of_abi_encoded_merchant_index_commitment_fingerprint() -> None:
    c, f = keccak(b"c"), keccak(b"f")
    # abi.encode of four static words: the address left-padded to 32 bytes
    encoded = bytes(12) + bytes.fromhex(MERCHANT[2:]) + (7).to_bytes(32, "big") + c + f
    assert leaf_hash(MERCHANT, 7, c, f) == keccak(keccak(encoded))


def test_a_leaf_is_bound_to_its_merchant() -> None:
    c, f = keccak(b"c"), keccak(b"f")
    other = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    assert leaf_hash(MERCHANT, 0, c, f) != leaf_hash(other, 0, c, f)


def test_leaf_refuses_values_that_are_not_bytes32() -> None:
    with pytest.raises(ValueError):
        leaf_hash(MERCHANT, 0, b"\x00" * 31, b"\x00" * 32)


def test_hash_pair_hashes_the_smaller_value_first() -> None:
    lo, hi = b"\x01" * 32, b"\x02" * 32
    assert hash_pair(lo, hi) == keccak(lo + hi)
    assert hash_pair(hi, lo) == keccak(lo + hi)


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8, 100])
def test_every_leaf_proof_verifies(m: int) -> None:
    ls = leaves(m)
    tree = MerkleTree.build(ls)
    assert len(tree) == m
    for i, leaf in enumerate(ls):
        assert tree.leaf(i) == leaf
        assert MerkleTree.verify(tree.root, leaf, tree.proof(i))


def test_a_one_leaf_tree_has_the_leaf_as_root_and_an_empty_proof() -> None:
    (leaf,) = leaves(1)
    tree = MerkleTree.build([leaf])
    assert tree.root == leaf
    assert tree.proof(0) == []


def test_three_leaf_layout_matches_openzeppelin_standard_merkle_tree() -> None:
    l0, l1, l2 = leaves(3)
    tree = MerkleTree.build([l0, l1, l2])
    # OZ array of 2m-1 = 5 nodes: leaf i at 4 - i; node j = hashPair(node[2j+1], node[2j+2]).
    n1 = hash_pair(l1, l0)
    root = hash_pair(n1, l2)
    assert tree.nodes == (root, n1, l2, l1, l0)
    assert tree.root == root
    # OZ getProof: siblings walking up from the leaf's array position.
    assert tree.proof(0) == [l1, l2]
    assert tree.proof(1) == [l0, l2]
    assert tree.proof(2) == [n1]


def test_leaves_are_not_sorted_so_their_order_changes_the_root() -> None:
    l0, l1, l2 = leaves(3)
    assert MerkleTree.build([l0, l1, l2]).root != MerkleTree.build([l2, l1, l0]).root


def test_a_tampered_leaf_fails_verification() -> None:
    ls = leaves(5)
    tree = MerkleTree.build(ls)
    forged = bytes([ls[2][0] ^ 1]) + ls[2][1:]
    assert not MerkleTree.verify(tree.root, forged, tree.proof(2))


def test_a_tampered_proof_fails_verification() -> None:
    ls = leaves(8)
    tree = MerkleTree.build(ls)
    proof = tree.proof(3)
    proof[1] = keccak(b"forged")
    assert not MerkleTree.verify(tree.root, ls[3], proof)


def test_a_truncated_proof_or_another_leafs_proof_fails() -> None:
    ls = leaves(8)
    tree = MerkleTree.build(ls)
    assert not MerkleTree.verify(tree.root, ls[3], tree.proof(3)[:-1])
    assert not MerkleTree.verify(tree.root, ls[3], tree.proof(4))


def test_a_proof_does_not_verify_against_another_root() -> None:
    ls = leaves(5)
    other = MerkleTree.build(leaves(6))
    assert not MerkleTree.verify(other.root, ls[0], MerkleTree.build(ls).proof(0))


def test_an_empty_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="no leaves"):
        MerkleTree.build([])


def test_leaves_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleTree.build([b"\x00" * 31])


def test_proof_index_out_of_range_is_refused() -> None:
    tree = MerkleTree.build(leaves(3))
    with pytest.raises(IndexError):
        tree.proof(3)
    with pytest.raises(IndexError):
        tree.proof(-1)


def test_a_ten_thousand_leaf_tree_builds_and_proves() -> None:
    ls = leaves(10_000)
    tree = MerkleTree.build(ls)
    assert len(tree) == 10_000
    assert len(tree.nodes) == 19_999
    for i in (0, 4_999, 9_999):
        proof = tree.proof(i)
        assert len(proof) <= 14  # depth of a complete tree of 19,999 nodes
        assert MerkleTree.verify(tree.root, ls[i], proof)


def test_stock_tree_is_built_from_unit_leaves_in_index_order() -> None:
    units = [StockUnit(i, f"KEY-{i}".encode(), new_salt()) for i in range(4)]
    tree = build_stock_tree(units, MERCHANT)
    assert tree.root == MerkleTree.build([u.leaf(MERCHANT) for u in units]).root
    for u in units:
        assert MerkleTree.verify(tree.root, u.leaf(MERCHANT), tree.proof(u.index))


def test_stock_tree_refuses_units_out_of_index_order() -> None:
    units = [StockUnit(1, b"A", new_salt()), StockUnit(0, b"B", new_salt())]
    with pytest.raises(ValueError, match="indexed 0..m-1"):
        build_stock_tree(units, MERCHANT)
