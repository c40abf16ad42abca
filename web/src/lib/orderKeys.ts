// Per-order buyer keys from one wallet signature, exactly as fairkey/crypto/order_keys.py
// (docs/protocol.md, "Per-order buyer key"): seed = keccak(personal_sign(seedMessage)), key j is
// b = keccak(seed || uint256 j) mod n (next candidate on 0), B = b·G, and the order id is
// address(B). Wallets sign deterministically (RFC 6979): every device re-derives the same keys.
import { bytesToHex, getAddress, type Address, type Hex } from "viem";
import { asBytes, bytesToUint, concatBytes, equalBytes, hexToBytes, keccak, uintBytes, UINT256_MAX } from "./bytes";
import { baseMul, N, pointAddressBytes, type Point } from "./secp256k1";

/** One order's key pair: the order stores `address`, its OrderPaid event (x, y). */
export interface OrderKey {
  index: number;
  secret: bigint;
  publicKey: Point;
  address: Address;
  /** The order id this key pays for (uint160 of its address). */
  orderId: bigint;
}

/** The exact text the wallet signs; binding chain and escrow keeps seeds per deployment. */
export function seedMessage(chainId: number | bigint, escrow: string): string {
  if (BigInt(chainId) < 0n) throw new RangeError("chain id must be non-negative");
  return `fairkey order keys v1\nchain: ${chainId}\nescrow: ${getAddress(escrow)}`;
}

/** seed = keccak(signature) over r || s || v, with v rewritten to 27/28 when a signer reports 0/1. */
export function seedFromSignature(signature: Hex | Uint8Array): Hex {
  let sig = asBytes(signature);
  if (sig.length === 0) throw new RangeError("signature is empty");
  if (sig.length === 65 && (sig[64] === 0 || sig[64] === 1)) {
    sig = concatBytes([sig.slice(0, 64), new Uint8Array([sig[64] + 27])]);
  }
  return bytesToHex(keccak(sig));
}

/** b_j = keccak(seed || uint256 j) mod n, then keccak(seed || j || uint256 k) for k = 1, 2, … while 0. */
export function orderSecret(seed: Hex | Uint8Array, index: number | bigint): bigint {
  const j = BigInt(index);
  if (j < 0n || j > UINT256_MAX) throw new RangeError(`order key index out of uint256 range: ${index}`);
  const base = concatBytes([asBytes(seed), uintBytes(j)]);
  let b = bytesToUint(keccak(base)) % N;
  for (let k = 1n; b === 0n; k++) b = bytesToUint(keccak(concatBytes([base, uintBytes(k)]))) % N;
  return b;
}

function keyOf(index: number, secret: bigint): OrderKey {
  const publicKey = baseMul(secret);
  const raw = pointAddressBytes(publicKey);
  return { index, secret, publicKey, address: getAddress(bytesToHex(raw)), orderId: bytesToUint(raw) };
}

/** Order key j of a seed. */
export function deriveOrderKey(seed: Hex | Uint8Array, index: number): OrderKey {
  return keyOf(index, orderSecret(seed, index));
}

/** The key whose address is `keyAddress` (an order id), scanning j = 0 .. limit-1; null if none. */
export function findOrderKey(seed: Hex | Uint8Array, keyAddress: string | bigint, limit = 10_000): OrderKey | null {
  const target = typeof keyAddress === "bigint" ? uintBytes(keyAddress, 20) : hexToBytes(getAddress(keyAddress));
  const s = asBytes(seed);
  for (let j = 0; j < limit; j++) {
    const b = orderSecret(s, j);
    if (equalBytes(pointAddressBytes(baseMul(b)), target)) return keyOf(j, b);
  }
  return null;
}

/** The keys of several orders (a page listing "my orders") in one scan of j = 0 .. limit-1:
 * order id → key; orders not paid from this seed are absent. */
export function findOrderKeys(seed: Hex | Uint8Array, orderIds: Iterable<bigint>, limit = 10_000): Map<bigint, OrderKey> {
  const wanted = new Set(orderIds);
  const found = new Map<bigint, OrderKey>();
  const s = asBytes(seed);
  for (let j = 0; j < limit && found.size < wanted.size; j++) {
    const b = orderSecret(s, j);
    const id = bytesToUint(pointAddressBytes(baseMul(b)));
    if (wanted.has(id)) found.set(id, keyOf(j, b));
  }
  return found;
}

/** The seed of a wallet for a deployment: its personal_sign of seedMessage (the wallet may prompt). */
export async function seedFromWallet(
  signer: { signMessage(args: { account: Address; message: string }): Promise<Hex> },
  account: Address,
  chainId: number,
  escrow: Address,
): Promise<Hex> {
  return seedFromSignature(await signer.signMessage({ account, message: seedMessage(chainId, escrow) }));
}
