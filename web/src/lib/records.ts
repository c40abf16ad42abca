// Delivery records, their hash, the contract's fault finder and misdelivery proofs, exactly as
// fairkey/crypto/records.py (docs/protocol.md, "Delivery record" and "Misdelivery faults").
import { bytesToHex, encodeAbiParameters, type Hex } from "viem";
import { bytes32, hexToBytes, keccak, keccakHex, uintBytes, UINT256_MAX } from "./bytes";
import { isCanonical, KeyAlphabet } from "./canonical";
import { fingerprint as keyFingerprint, isTrimmed, MAX_KEY_BYTES, SALT_BYTES } from "./keys";
import { ecrecoverMulAddress, N } from "./secp256k1";
import { xorCipher } from "./stream";
import { LibError } from "./errors";

/** Fault codes of the contract's DeliveryCrypto.findFault (0: the delivery is as committed). */
export const Fault = {
  None: 0,
  BadEphemeral: 1, // z cannot be derived (E.x >= n, not on the curve, bad parity)
  BadLength: 2, // ciphertext is not 33..288 bytes
  Commitment: 3, // keccak(P) != c
  Fingerprint: 4, // keccak(DOMAIN || P[32:]) != f
  NotTrimmed: 5, // the key part starts or ends with whitespace
  NotCanonical: 6, // an invisible/control character, invalid UTF-8, or outside the alphabet
} as const;

/** A delivery as its KeyDelivered event carries it (the Solidity DeliveryRecord, E.x as a number). */
export interface DeliveryRecord {
  root: Hex;
  unitIndex: bigint;
  commitment: Hex;
  fingerprint: Hex;
  ephemeralX: bigint;
  ephemeralParity: number;
  ciphertext: Hex;
}

/** The record as the ABI tuple deliver/replace/proveMisdelivery/submitVerdict take (E.x bytes32). */
export function recordStruct(record: DeliveryRecord) {
  return {
    root: bytes32(record.root, "root"),
    unitIndex: record.unitIndex,
    commitment: bytes32(record.commitment, "commitment"),
    fingerprint: bytes32(record.fingerprint, "fingerprint"),
    ephemeralX: bytesToHex(uintBytes(record.ephemeralX)),
    ephemeralParity: record.ephemeralParity,
    ciphertext: record.ciphertext,
  };
}

/** The record of a KeyDelivered event's arguments (viem's decoded args). */
export function recordFromEvent(args: {
  root: Hex;
  unitIndex: bigint;
  commitment: Hex;
  fingerprint: Hex;
  ephemeralX: Hex;
  ephemeralParity: number;
  ciphertext: Hex;
}): DeliveryRecord {
  return {
    root: args.root,
    unitIndex: args.unitIndex,
    commitment: args.commitment,
    fingerprint: args.fingerprint,
    ephemeralX: BigInt(args.ephemeralX),
    ephemeralParity: Number(args.ephemeralParity),
    ciphertext: args.ciphertext,
  };
}

function checkUint(name: string, value: bigint): void {
  if (value < 0n || value > UINT256_MAX) throw new RangeError(`${name} out of uint256 range: ${value}`);
}

/** keccak(abi.encode(o, d, root, unitIndex, c, f, E.x, parity, keccak(C))) of delivery d of order o. */
export function recordHash(orderId: bigint, deliveryNo: bigint | number, record: DeliveryRecord): Hex {
  const d = BigInt(deliveryNo);
  checkUint("order id", orderId);
  checkUint("delivery no", d);
  checkUint("unit index", record.unitIndex);
  checkUint("E.x", record.ephemeralX);
  if (record.ephemeralParity !== 0 && record.ephemeralParity !== 1) {
    throw new RangeError(`parity must be 0 or 1, got ${record.ephemeralParity}`);
  }
  const s = recordStruct(record);
  const encoded = encodeAbiParameters(
    [
      { type: "uint256" }, { type: "uint256" }, { type: "bytes32" }, { type: "uint256" }, { type: "bytes32" },
      { type: "bytes32" }, { type: "bytes32" }, { type: "uint8" }, { type: "bytes32" },
    ],
    [orderId, d, s.root, record.unitIndex, s.commitment, s.fingerprint, s.ephemeralX, record.ephemeralParity, keccakHex(hexToBytes(record.ciphertext))],
  );
  return keccakHex(hexToBytes(encoded));
}

/** What the contract's findFault reports for this record (Fault.*), step by step, for a listing
 * selling keys of `alphabet`. */
export function findFault(buyerSecret: bigint, orderId: bigint, record: DeliveryRecord, alphabet: KeyAlphabet = KeyAlphabet.Text): number {
  const rx = record.ephemeralX;
  const parity = record.ephemeralParity;
  if (rx === 0n || rx >= N || parity > 1) return Fault.BadEphemeral;
  const z = ecrecoverMulAddress(buyerSecret, rx, parity);
  if (z === null) return Fault.BadEphemeral;
  const c = hexToBytes(record.ciphertext);
  if (c.length < SALT_BYTES + 1 || c.length > SALT_BYTES + MAX_KEY_BYTES) return Fault.BadLength;
  const plain = xorCipher(c, z, orderId);
  if (keccakHex(plain) !== record.commitment.toLowerCase()) return Fault.Commitment;
  const key = plain.slice(SALT_BYTES);
  if (keyFingerprint(key) !== record.fingerprint.toLowerCase()) return Fault.Fingerprint;
  if (!isTrimmed(key)) return Fault.NotTrimmed;
  if (!isCanonical(key, alphabet)) return Fault.NotCanonical;
  return Fault.None;
}

/** What proveMisdelivery takes: the order, the buyer secret, the record exactly as delivered. */
export interface MisdeliveryProof {
  orderId: bigint;
  deliveryNo: bigint;
  buyerSecret: bigint;
  record: DeliveryRecord;
  fault: number;
  recordHash: Hex;
  /** proveMisdelivery(orderId, buyerSecret, record)'s arguments, in order. */
  args: readonly [bigint, bigint, ReturnType<typeof recordStruct>];
}

/** Assembles a proof, refusing one the contract would reject as showing no fault (the fault is
 * found under `alphabet`, the listing's). */
export function buildMisdeliveryProof(
  orderId: bigint,
  deliveryNo: bigint | number,
  record: DeliveryRecord,
  buyerSecret: bigint,
  alphabet: KeyAlphabet = KeyAlphabet.Text,
): MisdeliveryProof {
  if (buyerSecret < 1n || buyerSecret >= N) throw new RangeError("buyer secret must be in [1, n-1]");
  const fault = findFault(buyerSecret, orderId, record, alphabet);
  if (fault === Fault.None) throw new LibError("delivery.noFault");
  return {
    orderId,
    deliveryNo: BigInt(deliveryNo),
    buyerSecret,
    record,
    fault,
    recordHash: recordHash(orderId, deliveryNo, record),
    args: [orderId, buyerSecret, recordStruct(record)] as const,
  };
}

/** Re-exported for callers that hash a record's ciphertext alone. */
export const ciphertextHash = (ciphertext: Hex): Hex => bytesToHex(keccak(hexToBytes(ciphertext)));
