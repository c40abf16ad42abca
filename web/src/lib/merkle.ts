// Stock trees (docs/protocol.md, "leaf" and "tree"; fairkey/crypto/merkle.py): OpenZeppelin's
// StandardMerkleTree with sortLeaves false, whose leaf is keccak(keccak(abi.encode(address
// merchant, uint256 i, bytes32 c, bytes32 f))) — the SDK's leaf, so roots and proofs are its own.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, getAddress, type Address, type Hex } from "viem";
import { bytes32, equalBytes, hexToBytes, keccak, keccakHex, concatBytes } from "./bytes";

/** The ABI types of a stock leaf, in order. */
export const LEAF_ENCODING = ["address", "uint256", "bytes32", "bytes32"] as const;

/** What a leaf binds: the merchant, the unit's index in its batch, c and f. */
export type LeafValue = [Address, bigint, Hex, Hex];

/** keccak(keccak(abi.encode(merchant, index, c, f))): double hashed so no inner node passes as a
 * leaf; the merchant bound in so a copied root proves nothing for anyone else. */
export function leafHash(merchant: Address, index: bigint | number, commitment: Hex, fingerprint: Hex): Hex {
  const inner = encodeAbiParameters(
    [{ type: "address" }, { type: "uint256" }, { type: "bytes32" }, { type: "bytes32" }],
    [getAddress(merchant), BigInt(index), bytes32(commitment, "commitment"), bytes32(fingerprint, "fingerprint")],
  );
  return keccakHex(keccak(hexToBytes(inner)));
}

/** keccak(min(a, b) || max(a, b)) (OpenZeppelin Hashes.commutativeKeccak256). */
export function hashPair(a: Hex, b: Hex): Hex {
  const x = hexToBytes(a);
  const y = hexToBytes(b);
  return keccakHex(compare(x, y) <= 0 ? concatBytes([x, y]) : concatBytes([y, x]));
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** OpenZeppelin MerkleProof.verify: fold the proof with the commutative pair hash. */
export function verifyProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
  let computed = leaf;
  for (const node of proof) computed = hashPair(computed, node);
  return equalBytes(hexToBytes(computed), hexToBytes(root));
}

/** A merchant's stock tree over units given in index order 0..m-1. */
export interface StockTree {
  root: Hex;
  leaves: Hex[];
  proof(index: number): Hex[];
}

/** The tree of `merchant`'s batch of (c, f) pairs, leaf i for unit i. */
export function buildStockTree(merchant: Address, units: ReadonlyArray<{ commitment: Hex; fingerprint: Hex }>): StockTree {
  if (units.length === 0) throw new RangeError("cannot build a Merkle tree with no leaves");
  const who = getAddress(merchant);
  const values: LeafValue[] = units.map((u, i) => [who, BigInt(i), bytes32(u.commitment), bytes32(u.fingerprint)]);
  const tree = StandardMerkleTree.of(values, [...LEAF_ENCODING], { sortLeaves: false });
  return {
    root: tree.root as Hex,
    leaves: values.map((v) => tree.leafHash(v) as Hex),
    proof: (index: number) => {
      if (!Number.isInteger(index) || index < 0 || index >= values.length) {
        throw new RangeError(`leaf index ${index} out of range for a tree of ${values.length}`);
      }
      return tree.getProof(index) as Hex[];
    },
  };
}
