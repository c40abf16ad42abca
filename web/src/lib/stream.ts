// The delivery key stream (docs/protocol.md, "Encrypted delivery"): block j is
// keccak(z || uint256 orderId || uint256 j), abi.encodePacked(address, uint256, uint256).
import { concatBytes, keccak, uintBytes, UINT256_MAX } from "./bytes";

/** The first `length` bytes of the key stream of secret z (20 bytes) for order `orderId`. */
export function keystream(z: Uint8Array, orderId: bigint, length: number): Uint8Array {
  if (z.length !== 20) throw new RangeError(`z must be 20 bytes, got ${z.length}`);
  if (orderId < 0n || orderId > UINT256_MAX) throw new RangeError("order id out of uint256 range");
  if (length < 0) throw new RangeError("length must be non-negative");
  const prefix = concatBytes([z, uintBytes(orderId)]);
  const out = new Uint8Array(Math.ceil(length / 32) * 32);
  for (let j = 0; j * 32 < length; j++) out.set(keccak(concatBytes([prefix, uintBytes(BigInt(j))])), j * 32);
  return out.slice(0, length);
}

/** data xor key stream: the same call encrypts and decrypts. */
export function xorCipher(data: Uint8Array, z: Uint8Array, orderId: bigint): Uint8Array {
  const stream = keystream(z, orderId, data.length);
  return data.map((b, i) => b ^ stream[i]);
}
