// The key-check envelope to the verifier: the dApp seals to the same bytes as the SDK
// (web/test/vectors/envelope.json), and, when pytest asks (FAIRKEY_ENVELOPE_OUT, from
// tests/web/test_key_check_envelope.py), writes envelopes sealed with fresh randomness for the
// SDK's `open_for_verifier` to open.
import { writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import {
  keyCheckAad,
  sealForVerifier,
  verifierAddress,
  verifierMismatch,
  verifierPublicKey,
  type VerifierInfo,
} from "../src/lib/verifierEnvelope";
import v from "./vectors/envelope.json";

declare const process: { env: Record<string, string | undefined> };

describe("sealing to the verifier", () => {
  test.each(v.cases.map((c) => [c.order_id, c]))("order %s: the SDK's associated data and envelope", async (_, c) => {
    const aad = keyCheckAad(v.chain_id, v.escrow, BigInt(c.order_id));
    expect(bytesToHex(aad)).toBe(c.aad);
    const sealed = await sealForVerifier(hexToBytes(c.key as Hex), v.verifier_public_key as Hex, aad, {
      ephemeralSecret: c.ephemeral_secret as Hex,
      nonce: c.nonce as Hex,
    });
    expect(sealed).toEqual(c.envelope);
  });

  test("an uncompressed or raw verifier key seals the same", async () => {
    const c = v.cases[0];
    const aad = hexToBytes(c.aad as Hex);
    const fixed = { ephemeralSecret: c.ephemeral_secret as Hex, nonce: c.nonce as Hex };
    const uncompressed = hexToBytes(v.verifier_public_key_uncompressed as Hex);
    for (const key of [uncompressed, uncompressed.slice(1)]) {
      expect(await sealForVerifier(hexToBytes(c.key as Hex), key, aad, fixed)).toEqual(c.envelope);
    }
  });

  test("fresh envelopes differ (new ephemeral key and nonce each time)", async () => {
    const c = v.cases[0];
    const aad = hexToBytes(c.aad as Hex);
    const [a, b] = await Promise.all([0, 1].map(() => sealForVerifier(hexToBytes(c.key as Hex), v.verifier_public_key as Hex, aad)));
    expect(a.ephemeral_pubkey).not.toBe(b.ephemeral_pubkey);
    expect(a.nonce).not.toBe(b.nonce);
    expect(hexToBytes(a.ciphertext).length).toBe(hexToBytes(c.key as Hex).length + 16);
  });

  test("not a public key, or a bad nonce, is refused", async () => {
    expect(() => verifierPublicKey("0x02" + "00".repeat(32))).toThrow(RangeError);
    const fixed = { ephemeralSecret: v.cases[0].ephemeral_secret as Hex, nonce: "0x00" as Hex };
    await expect(sealForVerifier(new Uint8Array([1]), v.verifier_public_key as Hex, new Uint8Array(), fixed)).rejects.toThrow(RangeError);
  });
});

describe("which verifier", () => {
  const info: VerifierInfo = { address: v.verifier_address, public_key: v.verifier_public_key as Hex, chain_id: v.chain_id, escrow: v.escrow };
  const expected = { verifier: v.verifier_address, chainId: v.chain_id, escrow: v.escrow };

  test("its key's address is the SDK's", () => {
    expect(verifierAddress(v.verifier_public_key as Hex)).toBe(v.verifier_address);
    expect(verifierMismatch(info, expected)).toBeNull();
  });

  test("another key, verifier, chain or escrow is refused before anything is sent", () => {
    const other = v.cases[0].envelope.ephemeral_pubkey as Hex;
    expect(verifierMismatch({ ...info, public_key: other }, expected)).toBe("key");
    expect(verifierMismatch(info, { ...expected, verifier: "0x" + "11".repeat(20) })).toBe("verifier");
    expect(verifierMismatch(info, { ...expected, chainId: 1 })).toBe("chain");
    expect(verifierMismatch(info, { ...expected, escrow: "0x" + "22".repeat(20) })).toBe("escrow");
  });
});

const out = process.env.FAIRKEY_ENVELOPE_OUT;

test.runIf(Boolean(out))("envelopes for the SDK to open (FAIRKEY_ENVELOPE_OUT)", async () => {
  const sealed = [];
  for (const c of v.cases) {
    const envelope = await sealForVerifier(hexToBytes(c.key as Hex), v.verifier_public_key as Hex, hexToBytes(c.aad as Hex));
    sealed.push({ key: c.key, aad: c.aad, envelope });
  }
  writeFileSync(out!, JSON.stringify(sealed));
});
