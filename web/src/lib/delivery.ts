// Opening a delivered key in the browser, exactly as fairkey/crypto/delivery_crypto.py: the shared
// secret z = address(b·E), the key stream, P = s || K checked against the commitment and the
// fingerprint; the buyer's decision (fairkey/services/buyer_watch.py) and the misdelivery proof
// when the check fails; and, for a merchant's page, sealing a unit to a buyer key.
import { bytesToHex, type Hex } from "viem";
import { hexToBytes, keccakHex, randomBytes, bytesToUint } from "./bytes";
import { decodeUtf8, isCanonical, KeyAlphabet } from "./canonical";
import { fingerprint as keyFingerprint, isTrimmed, KeyFormatError, MAX_KEY_BYTES, normaliseKey, SALT_BYTES } from "./keys";
import { buildMisdeliveryProof, type DeliveryRecord, type MisdeliveryProof } from "./records";
import { baseMul, decompress, isOnCurve, N, pointAddressBytes, pointMul, type Point } from "./secp256k1";
import { xorCipher } from "./stream";
import type { OrderKey } from "./orderKeys";
import { OrderStatus } from "./types";

export { buildMisdeliveryProof, findFault, Fault, recordHash, recordStruct, recordFromEvent } from "./records";
export type { DeliveryRecord, MisdeliveryProof } from "./records";

/** Buyer side: z = address(b·E), E decompressed from (E.x, parity). Throws for a point off the curve. */
export function buyerSharedSecret(buyerSecret: bigint, ephemeralX: bigint, parity: number): Uint8Array {
  return pointAddressBytes(pointMul(decompress(ephemeralX, parity), buyerSecret));
}

/** Merchant side: z = address(e·B). */
export function sharedSecret(ephemeralSecret: bigint, buyerKey: Point): Uint8Array {
  if (!isOnCurve(buyerKey.x, buyerKey.y)) throw new RangeError("buyer key is not on secp256k1");
  return pointAddressBytes(pointMul(buyerKey, ephemeralSecret));
}

/** Decrypts a delivery with the order's buyer secret: P, unchecked. */
export function openSealed(record: Pick<DeliveryRecord, "ephemeralX" | "ephemeralParity" | "ciphertext">, orderId: bigint, buyerSecret: bigint): Uint8Array {
  const z = buyerSharedSecret(buyerSecret, record.ephemeralX, record.ephemeralParity);
  return xorCipher(hexToBytes(record.ciphertext), z, orderId);
}

/** A decrypted plaintext checked against the delivered (c, f) (delivery_crypto.DeliveryCheck). */
export interface DeliveryCheck {
  plaintext: Uint8Array;
  /** P[32:] when it is valid UTF-8, else null. */
  key: Uint8Array | null;
  /** The key as text, when it is valid UTF-8. */
  keyText: string | null;
  commitmentOk: boolean;
  fingerprintOk: boolean;
  /** The key is in the protocol's canonical form (trimmed UTF-8, 1..256 bytes, canonical). */
  canonical: boolean;
  /** Exactly what was committed, in canonical form. */
  ok: boolean;
  /** A fault the contract sees by re-decrypting: c or f wrong, or the key not trimmed or not canonical. */
  provableMisdelivery: boolean;
}

/** Checks a decrypted plaintext against the commitment and fingerprint it was delivered as. */
export function checkDelivery(plaintext: Uint8Array, expectedCommitment: Hex, expectedFingerprint: Hex): DeliveryCheck {
  const commitmentOk = keccakHex(plaintext) === expectedCommitment.toLowerCase();
  let key: Uint8Array | null = null;
  let fingerprintOk = false;
  if (plaintext.length > SALT_BYTES) {
    const raw = plaintext.slice(SALT_BYTES);
    fingerprintOk = keyFingerprint(raw) === expectedFingerprint.toLowerCase();
    key = decodeUtf8(raw).ok ? raw : null;
  }
  let canonical = false;
  if (key !== null && key.length <= MAX_KEY_BYTES) {
    try {
      const normal = normaliseKey(key);
      canonical = normal.length === key.length && normal.every((b, i) => b === key![i]);
    } catch (err) {
      if (!(err instanceof KeyFormatError)) throw err;
    }
  }
  let provableMisdelivery = !(commitmentOk && fingerprintOk);
  if (!provableMisdelivery && plaintext.length > SALT_BYTES) {
    const raw = plaintext.slice(SALT_BYTES);
    provableMisdelivery = !(isTrimmed(raw) && isCanonical(raw));
  }
  return {
    plaintext,
    key,
    keyText: key === null ? null : new TextDecoder().decode(key),
    commitmentOk,
    fingerprintOk,
    canonical,
    ok: commitmentOk && fingerprintOk && canonical,
    provableMisdelivery,
  };
}

/** Decrypts and checks in one step. An ephemeral point the buyer cannot use is a failed check
 * (itself a provable misdelivery), never an exception — as fairkey/flows/buyer.py open_delivery. */
export function openAndCheck(record: DeliveryRecord, orderId: bigint, buyerSecret: bigint): DeliveryCheck {
  let plain: Uint8Array;
  try {
    plain = openSealed(record, orderId, buyerSecret);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    plain = new Uint8Array(0);
  }
  return checkDelivery(plain, record.commitment, record.fingerprint);
}

/** The order states in which the escrow accepts a misdelivery proof (buyer_watch.PROVABLE_IN). */
export const PROVABLE_IN: ReadonlySet<number> = new Set([
  OrderStatus.Delivered,
  OrderStatus.Disputed,
  OrderStatus.VerifierRefundPending,
  OrderStatus.Arbitrating,
]);

/** What the buyer's page does with an opened delivery (buyer_watch.check_and_act's rule). */
export type Verdict =
  | { kind: "ok"; check: DeliveryCheck }
  | { kind: "dispute"; check: DeliveryCheck; why: "not-canonical" } // not provable: dispute it (wrong content)
  | { kind: "prove"; check: DeliveryCheck; proof: MisdeliveryProof }
  | { kind: "too-late"; check: DeliveryCheck; fault: number }; // provably wrong, but no proof accepted now

/** Judges a delivery: fine; not provable (dispute it); provable now (the proof to file); or
 * provable but too late. `status` and `deadline` are the order's, `now` the chain's time. */
export function judgeDelivery(args: {
  orderId: bigint;
  deliveryNo: bigint | number;
  record: DeliveryRecord;
  orderKey: Pick<OrderKey, "secret">;
  alphabet: KeyAlphabet;
  status: number;
  deadline: bigint | number;
  now: bigint | number;
}): Verdict {
  const check = openAndCheck(args.record, args.orderId, args.orderKey.secret);
  // A canonical key outside the listing's alphabet (a Cyrillic "Е" in an ASCII listing).
  const offAlphabet = check.key !== null && !isCanonical(check.key, args.alphabet);
  if (check.ok && !offAlphabet) return { kind: "ok", check };
  if (!(check.provableMisdelivery || offAlphabet)) return { kind: "dispute", check, why: "not-canonical" };
  const proof = buildMisdeliveryProof(args.orderId, args.deliveryNo, args.record, args.orderKey.secret, args.alphabet);
  const late = args.status === OrderStatus.Delivered && BigInt(args.now) > BigInt(args.deadline);
  if (!PROVABLE_IN.has(args.status) || late) return { kind: "too-late", check, fault: proof.fault };
  return { kind: "prove", check, proof };
}

// ---------------------------------------------------------------------------- merchant side

/** A merchant's one-delivery key pair; never reuse one (two deliveries would share a key stream). */
export interface Ephemeral {
  secret: bigint;
  x: bigint;
  y: bigint;
}

/** A fresh e in [1, n-1] whose E.x < n (ecrecover needs r < n; retried otherwise, odds ~2^-128). */
export function newEphemeral(): Ephemeral {
  for (;;) {
    const e = bytesToUint(randomBytes(32)) % N;
    if (e === 0n) continue;
    const { x, y } = baseMul(e);
    if (x < N) return { secret: e, x, y };
  }
}

/** Encrypts a unit's plaintext P for buyer key B of order `orderId` into a delivery record. */
export function sealUnit(
  unit: { root: Hex; index: bigint | number; plaintext: Uint8Array; commitment: Hex; fingerprint: Hex },
  orderId: bigint,
  buyerKey: Point,
  ephemeral: Ephemeral = newEphemeral(),
): DeliveryRecord {
  if (baseMul(ephemeral.secret).x !== ephemeral.x || ephemeral.x >= N) throw new RangeError("bad ephemeral key");
  const z = sharedSecret(ephemeral.secret, buyerKey);
  return {
    root: unit.root,
    unitIndex: BigInt(unit.index),
    commitment: unit.commitment,
    fingerprint: unit.fingerprint,
    ephemeralX: ephemeral.x,
    ephemeralParity: Number(ephemeral.y & 1n),
    ciphertext: bytesToHex(xorCipher(unit.plaintext, z, orderId)),
  };
}
