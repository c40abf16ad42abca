// Byte helpers the protocol code shares (over viem's): fixed-width big-endian integers, keccak,
// equality. Protocol values cross module boundaries as 0x hex strings and bigints (viem's forms).
import { bytesToHex, concatBytes, hexToBytes, keccak256, type Hex } from "viem";

export { bytesToHex, concatBytes, hexToBytes };

/** 2^256 - 1: the largest uint256. */
export const UINT256_MAX = (1n << 256n) - 1n;

/** `value` as `size` big-endian bytes (uint256 by default); refuses what does not fit. */
export function uintBytes(value: bigint, size = 32): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(8 * size)) throw new RangeError(`${value} does not fit in ${size} bytes`);
  const out = new Uint8Array(size);
  let v = value;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Big-endian bytes as an unsigned integer. */
export function bytesToUint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** keccak256 of bytes, as bytes. */
export function keccak(data: Uint8Array): Uint8Array {
  return keccak256(data, "bytes");
}

/** keccak256 of bytes, as 0x hex. */
export function keccakHex(data: Uint8Array): Hex {
  return keccak256(data, "hex");
}

/** Whether two byte strings are equal. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytes from 0x hex or bytes (a copy is not made for bytes). */
export function asBytes(value: Hex | Uint8Array): Uint8Array {
  return typeof value === "string" ? hexToBytes(value) : value;
}

/** A 32-byte value as 0x hex, refusing another length. */
export function bytes32(value: Hex | Uint8Array, what = "value"): Hex {
  const b = asBytes(value);
  if (b.length !== 32) throw new RangeError(`${what} must be 32 bytes, got ${b.length}`);
  return bytesToHex(b);
}

/** Fresh random bytes from the browser's (or Node's) cryptographic generator. */
export function randomBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  crypto.getRandomValues(out);
  return out;
}
