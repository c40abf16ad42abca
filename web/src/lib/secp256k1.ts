// secp256k1 as the protocol uses it (fairkey/crypto/secp256k1.py): points as (x, y) bigints,
// addresses of points, decompression, and the EVM ecrecover's k·P (docs/protocol.md).
import { secp256k1 } from "@noble/curves/secp256k1";
import { keccak, uintBytes } from "./bytes";
import { getAddress, bytesToHex, type Address } from "viem";

/** The field prime. */
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
/** The group order. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** The generator's coordinates. */
export const GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
export const GY = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

/** An affine curve point (the form events and calldata carry). */
export interface Point {
  x: bigint;
  y: bigint;
}

const Projective = secp256k1.ProjectivePoint;

/** Whether (x, y) is an affine point of the curve y² = x³ + 7 mod p. */
export function isOnCurve(x: bigint, y: bigint): boolean {
  if (x < 0n || x >= P || y < 0n || y >= P) return false;
  return (((y * y - (x * x * x + 7n)) % P) + P) % P === 0n;
}

function scalar(k: bigint): bigint {
  const r = ((k % N) + N) % N;
  if (r === 0n) throw new RangeError("scalar is 0 mod n (result would be the point at infinity)");
  return r;
}

/** k·G. */
export function baseMul(k: bigint): Point {
  const { x, y } = Projective.BASE.multiply(scalar(k)).toAffine();
  return { x, y };
}

/** k·(x, y) for a curve point; k is reduced mod n and must not vanish. */
export function pointMul(point: Point, k: bigint): Point {
  if (!isOnCurve(point.x, point.y)) throw new RangeError("point is not on secp256k1");
  const { x, y } = Projective.fromAffine(point).multiply(scalar(k)).toAffine();
  return { x, y };
}

/** The curve point with abscissa x and y & 1 == parity. */
export function decompress(x: bigint, parity: number): Point {
  if (parity !== 0 && parity !== 1) throw new RangeError(`parity must be 0 or 1, got ${parity}`);
  if (x < 0n || x >= P) throw new RangeError("x out of field range");
  const encoded = new Uint8Array(33);
  encoded[0] = 2 + parity;
  encoded.set(uintBytes(x), 1);
  try {
    const { x: px, y } = Projective.fromHex(encoded).toAffine();
    return { x: px, y };
  } catch {
    throw new RangeError("x is not the abscissa of a curve point");
  }
}

/** keccak(x || y)[12:]: the 20 raw bytes of a point's Ethereum address. */
export function pointAddressBytes(point: Point): Uint8Array {
  const data = new Uint8Array(64);
  data.set(uintBytes(point.x), 0);
  data.set(uintBytes(point.y), 32);
  return keccak(data).slice(12);
}

/** A point's EIP-55 address. */
export function pointAddress(point: Point): Address {
  return getAddress(bytesToHex(pointAddressBytes(point)));
}

/** ecrecover(0, 27 + parity, r, k·r mod n) as the contract computes k·R with R = (r, parity):
 * the 20 address bytes, or null where Solidity sees address(0) (r or s out of [1, n-1], r not
 * an abscissa). r is used directly as R.x, as the precompile does. */
export function ecrecoverMulAddress(k: bigint, r: bigint, parity: number): Uint8Array | null {
  if (parity !== 0 && parity !== 1) return null;
  const b = ((k % N) + N) % N;
  if (b === 0n || r <= 0n || r >= N) return null;
  if ((b * r) % N === 0n) return null;
  let R: Point;
  try {
    R = decompress(r, parity);
  } catch {
    return null;
  }
  return pointAddressBytes(pointMul(R, b)); // r⁻¹·s·R with s = k·r is k·R
}
