// The buyer's card key sealed to the listing's verifier only, exactly as
// fairkey/verifier/envelope.py: ECIES over secp256k1 (shared secret = x of e·V), AES-256-GCM
// key = HKDF-SHA256(x, salt = E || V compressed, info = "fairkey.verifier-envelope.v1"), and
// associated data binding chain, escrow and order (keyCheckAad), so a captured envelope cannot
// be replayed for another order. Whoever relays it (the API) never reads the key.
import { secp256k1 } from "@noble/curves/secp256k1";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";
import { getAddress, type Address, type Hex } from "viem";
import { asBytes, bytesToHex, bytesToUint, concatBytes, hexToBytes, keccak, randomBytes, uintBytes } from "./bytes";
import { N } from "./secp256k1";

export const ENVELOPE_VERSION = 1;
export const HKDF_INFO = "fairkey.verifier-envelope.v1";
export const AAD_DOMAIN = "fairkey.key-check.v1";
export const NONCE_BYTES = 12;

const utf8 = (s: string) => new TextEncoder().encode(s);
/** A copy on its own ArrayBuffer (what WebCrypto's types take). */
const own = (b: Uint8Array) => new Uint8Array(b);

/** The envelope as the verifier's POST /orders/{id}/key-check takes it (Envelope.to_json). */
export interface Envelope {
  version: number;
  ephemeral_pubkey: Hex; // 33 bytes, compressed
  nonce: Hex;
  ciphertext: Hex; // AES-GCM ciphertext || 16-byte tag
}

/** Associated data of an envelope for one order: domain || uint256 chainId || escrow || uint256 orderId. */
export function keyCheckAad(chainId: number | bigint, escrow: string, orderId: bigint): Uint8Array {
  return concatBytes([utf8(AAD_DOMAIN), uintBytes(BigInt(chainId)), hexToBytes(getAddress(escrow)), uintBytes(orderId)]);
}

/** A verifier public key (33 compressed, 65 uncompressed or 64 raw x || y bytes), compressed;
 * RangeError when it is not a secp256k1 point. */
export function verifierPublicKey(value: Hex | Uint8Array): Uint8Array {
  let raw = asBytes(value);
  if (raw.length === 64) raw = concatBytes([new Uint8Array([4]), raw]);
  try {
    return secp256k1.ProjectivePoint.fromHex(raw).toRawBytes(true);
  } catch {
    throw new RangeError("not a secp256k1 public key");
  }
}

/** The Ethereum address of a verifier's public key: what the listing names on chain. */
export function verifierAddress(publicKey: Hex | Uint8Array): Address {
  const point = secp256k1.ProjectivePoint.fromHex(verifierPublicKey(publicKey)).toRawBytes(false);
  return getAddress(bytesToHex(keccak(point.slice(1)).slice(12)));
}

function newEphemeralSecret(): Uint8Array {
  for (;;) {
    const e = bytesToUint(randomBytes(32));
    if (e > 0n && e < N) return uintBytes(e);
  }
}

/** Seals `key` (the normalised card key) to the verifier for the order `aad` names. `fixed`
 * (ephemeral secret and nonce) is for the shared test vectors only: never reuse either. */
export async function sealForVerifier(
  key: Uint8Array,
  verifierKey: Hex | Uint8Array,
  aad: Uint8Array,
  fixed?: { ephemeralSecret: Hex | Uint8Array; nonce: Hex | Uint8Array },
): Promise<Envelope> {
  const recipient = verifierPublicKey(verifierKey);
  const secret = fixed ? asBytes(fixed.ephemeralSecret) : newEphemeralSecret();
  const nonce = fixed ? asBytes(fixed.nonce) : randomBytes(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
  const ephemeral = secp256k1.getPublicKey(secret, true);
  const sharedX = secp256k1.getSharedSecret(secret, recipient, true).slice(1);
  const aeadKey = hkdf(sha256, sharedX, concatBytes([ephemeral, recipient]), utf8(HKDF_INFO), 32);
  const cryptoKey = await crypto.subtle.importKey("raw", own(aeadKey), "AES-GCM", false, ["encrypt"]);
  const params = { name: "AES-GCM", iv: own(nonce), additionalData: own(aad), tagLength: 128 };
  const sealed = await crypto.subtle.encrypt(params, cryptoKey, own(key));
  return {
    version: ENVELOPE_VERSION,
    ephemeral_pubkey: bytesToHex(ephemeral),
    nonce: bytesToHex(nonce),
    ciphertext: bytesToHex(new Uint8Array(sealed)),
  };
}

/** What a verifier says about itself (its GET /info, relayed by the API's GET /orders/{id}/verifier). */
export interface VerifierInfo {
  address: string;
  public_key: Hex;
  chain_id: number;
  escrow: string;
}

/** Why a verifier is not the one to seal the key to (as fairkey/verifier/client.py refuses
 * before sending anything), or null: its key is its address's, and address, chain and escrow
 * are the ones this page reads from the chain. */
export function verifierMismatch(
  info: VerifierInfo,
  expected: { verifier: string; chainId: number | bigint; escrow: string },
): "key" | "verifier" | "chain" | "escrow" | null {
  let address: Address;
  try {
    address = verifierAddress(info.public_key);
  } catch {
    return "key";
  }
  if (address !== getAddress(info.address)) return "key";
  if (address !== getAddress(expected.verifier)) return "verifier";
  if (BigInt(info.chain_id) !== BigInt(expected.chainId)) return "chain";
  if (getAddress(info.escrow) !== getAddress(expected.escrow)) return "escrow";
  return null;
}
