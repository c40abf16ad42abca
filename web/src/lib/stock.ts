// A merchant's stock made in the browser, byte for byte as the SDK makes it (fairkey/crypto/keys.py
// StockUnit, merkle.py): canonical keys, fresh salts, commitments, fingerprints, the merchant's
// leaves, the Merkle root and every unit's proof. Plain keys stay in the page: only the root and
// the count go on chain (commitStock); the units are kept encrypted (lib/unitVault.ts).
import { getAddress, type Address, type Hex } from "viem";
import { asBytes, bytesToHex, concatBytes } from "./bytes";
import { commitment, fingerprint, KeyFormatError, newSalt, normaliseKey } from "./keys";
import { buildStockTree, type StockTree } from "./merkle";
import { LibError } from "./errors";

export { parseStockFile, parseStockText, stockProblems, KEY_COLUMNS } from "./stockFile";
export type { ParsedStock, StockLine, DuplicateLine, InvalidLine } from "./stockFile";

/** One card key of a batch, at position `index` of the batch's tree. */
export interface StockUnit {
  index: number;
  /** The canonical key bytes K. */
  key: Uint8Array;
  salt: Hex;
  commitment: Hex;
  fingerprint: Hex;
}

/** A batch ready to commit: its units, tree and root, for one merchant. */
export interface StockBatch {
  merchant: Address;
  units: StockUnit[];
  root: Hex;
  count: number;
  tree: StockTree;
  /** The tag stored with the batch on chain (a supplier name, ≤ 32 UTF-8 bytes). */
  supplier: string;
}

/** A unit; refuses a key that is not already canonical (keys.py StockUnit). */
export function stockUnit(index: number, key: Uint8Array, salt: Hex): StockUnit {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`unit index must be non-negative, got ${index}`);
  const normal = normaliseKey(key);
  if (bytesToHex(normal) !== bytesToHex(key)) {
    throw new KeyFormatError("not-canonical", "card key is not normalised (use normalise_key first)", "card key is not normalised");
  }
  return { index, key, salt, commitment: commitment(salt, key), fingerprint: fingerprint(key) };
}

/** The unit's plaintext P = s || K (what is encrypted for a buyer). */
export function unitPlaintext(unit: StockUnit): Uint8Array {
  return concatBytes([asBytes(unit.salt), unit.key]);
}

/** The bytes32 tag of a supplier name (escrow_client.supplier_tag: UTF-8, zero padded). */
export function supplierTag(name: string): Hex {
  const raw = new TextEncoder().encode(name);
  if (raw.length > 32) throw new LibError("stock.supplierTooLong", { n: raw.length });
  const out = new Uint8Array(32);
  out.set(raw);
  return bytesToHex(out);
}

/** Units for keys (normalised first), with fresh salts unless `salts` are given (tests). */
export function makeUnits(keys: ReadonlyArray<string | Uint8Array>, salts?: readonly Hex[]): StockUnit[] {
  return keys.map((k, i) => stockUnit(i, normaliseKey(k), salts ? salts[i] : newSalt()));
}

/** The batch of `merchant` over `units` (indices 0..m-1 in order). */
export function makeBatch(merchant: string, units: StockUnit[], supplier = ""): StockBatch {
  units.forEach((u, position) => {
    if (u.index !== position) {
      throw new RangeError(`stock unit at position ${position} has index ${u.index}; units must be indexed 0..m-1 in order`);
    }
  });
  supplierTag(supplier); // refuse a tag the chain cannot hold before anything is built
  const who = getAddress(merchant);
  const tree = buildStockTree(who, units);
  return { merchant: who, units, root: tree.root, count: units.length, tree, supplier };
}

/** A batch of fresh units for keys (one call for a page's import). */
export function prepareBatch(merchant: string, keys: ReadonlyArray<string | Uint8Array>, supplier = ""): StockBatch {
  return makeBatch(merchant, makeUnits(keys), supplier);
}

/** What deliver/replace need of a unit: its record inputs and its proof. */
export function deliverable(batch: StockBatch, index: number) {
  const unit = batch.units[index];
  if (!unit) throw new RangeError(`the batch has no unit ${index}`);
  return {
    root: batch.root,
    index: unit.index,
    plaintext: unitPlaintext(unit),
    commitment: unit.commitment,
    fingerprint: unit.fingerprint,
    proof: batch.tree.proof(index),
  };
}
