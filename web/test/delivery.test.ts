// Opening a delivery: shared secret, key stream, check, fault and proof, for a good delivery and
// every fault kind, as the SDK computes them (web/test/vectors/delivery.json).
import { describe, expect, test } from "vitest";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import {
  buildMisdeliveryProof,
  buyerSharedSecret,
  checkDelivery,
  findFault,
  judgeDelivery,
  openAndCheck,
  openSealed,
  recordHash,
  recordStruct,
  sealUnit,
  type DeliveryRecord,
} from "../src/lib/delivery";
import { Fault } from "../src/lib/records";
import { keystream, xorCipher } from "../src/lib/stream";
import { ecrecoverMulAddress, GX, GY, baseMul } from "../src/lib/secp256k1";
import { KeyAlphabet } from "../src/lib/canonical";
import { OrderStatus } from "../src/lib/types";
import { orderRef } from "../src/lib/format";
import { LibError } from "../src/lib/errors";
import v from "./vectors/delivery.json";

type Case = (typeof v.cases)[number];

function recordOf(c: Case): DeliveryRecord {
  const r = c.record;
  return {
    root: r.root as Hex,
    unitIndex: BigInt(r.unit_index),
    commitment: r.commitment as Hex,
    fingerprint: r.fingerprint as Hex,
    ephemeralX: BigInt(r.ephemeral_x),
    ephemeralParity: r.ephemeral_parity,
    ciphertext: r.ciphertext as Hex,
  };
}

const names = v.cases.map((c) => [c.name, c] as const);

describe("delivery open and check match the SDK", () => {
  test.each(names)("%s: decrypts to the SDK's plaintext (or cannot, as the SDK)", (_name, c) => {
    const record = recordOf(c);
    const secret = BigInt(c.buyer_secret);
    if (c.plaintext === null) {
      expect(() => openSealed(record, BigInt(c.order_id), secret)).toThrow(RangeError);
    } else {
      expect(bytesToHex(openSealed(record, BigInt(c.order_id), secret))).toBe(c.plaintext);
    }
  });

  test.each(names)("%s: the check says what the SDK's says", (_name, c) => {
    const check = openAndCheck(recordOf(c), BigInt(c.order_id), BigInt(c.buyer_secret));
    expect({
      key: check.key === null ? null : bytesToHex(check.key),
      commitment_ok: check.commitmentOk,
      fingerprint_ok: check.fingerprintOk,
      canonical: check.canonical,
      ok: check.ok,
      provable_misdelivery: check.provableMisdelivery,
    }).toEqual(c.check);
  });

  test.each(names)("%s: the contract's fault, under the listing's alphabet and under Text", (_name, c) => {
    const record = recordOf(c);
    expect(findFault(BigInt(c.buyer_secret), BigInt(c.order_id), record, c.alphabet)).toBe(c.fault);
    expect(findFault(BigInt(c.buyer_secret), BigInt(c.order_id), record, KeyAlphabet.Text)).toBe(c.fault_as_text);
  });

  test.each(names)("%s: record hash, struct and the z the contract recomputes", (_name, c) => {
    const record = recordOf(c);
    expect(recordHash(BigInt(c.order_id), c.delivery_no, record)).toBe(c.record_hash);
    expect(recordStruct(record).ephemeralX).toBe(c.record_struct_ephemeral_x);
    const z = ecrecoverMulAddress(BigInt(c.buyer_secret), record.ephemeralX, record.ephemeralParity);
    expect(z === null ? null : bytesToHex(z)).toBe(c.z);
    expect(orderRef(BigInt(c.order_id))).toBe(c.order_ref);
  });

  test.each(names)("%s: a proof exactly when there is a fault, with the SDK's arguments", (_name, c) => {
    const record = recordOf(c);
    if (c.fault === Fault.None) {
      expect(() => buildMisdeliveryProof(BigInt(c.order_id), c.delivery_no, record, BigInt(c.buyer_secret), c.alphabet)).toThrow(LibError);
      return;
    }
    const proof = buildMisdeliveryProof(BigInt(c.order_id), c.delivery_no, record, BigInt(c.buyer_secret), c.alphabet);
    const [orderId, secret, struct] = proof.args;
    const expected = (c as Case & { proof_args: { order_id: string; buyer_secret: string; record: unknown[] } }).proof_args;
    expect(orderId).toBe(BigInt(expected.order_id));
    expect(secret).toBe(BigInt(expected.buyer_secret));
    expect([struct.root, String(struct.unitIndex), struct.commitment, struct.fingerprint, struct.ephemeralX, struct.ephemeralParity, struct.ciphertext]).toEqual(
      expected.record,
    );
    expect(proof.fault).toBe(c.fault);
  });

  test("sealing with the SDK's ephemeral key gives the SDK's ciphertext", () => {
    for (const c of v.cases.filter((x) => x.name.startsWith("good"))) {
      const e = BigInt(c.ephemeral_secret);
      const E = baseMul(e);
      const plaintext = hexToBytes(c.plaintext as Hex);
      const record = sealUnit(
        { root: c.record.root as Hex, index: BigInt(c.record.unit_index), plaintext, commitment: c.record.commitment as Hex, fingerprint: c.record.fingerprint as Hex },
        BigInt(c.order_id),
        { x: BigInt(c.buyer_key.x), y: BigInt(c.buyer_key.y) },
        { secret: e, x: E.x, y: E.y },
      );
      expect(record).toEqual(recordOf(c));
    }
  });

  test("a sealed unit with a fresh ephemeral key opens and checks out", () => {
    const c = v.cases[0];
    const plaintext = hexToBytes(c.plaintext as Hex);
    const record = sealUnit(
      { root: c.record.root as Hex, index: 5, plaintext, commitment: c.record.commitment as Hex, fingerprint: c.record.fingerprint as Hex },
      BigInt(c.order_id),
      { x: BigInt(c.buyer_key.x), y: BigInt(c.buyer_key.y) },
    );
    expect(record.ciphertext).not.toBe(c.record.ciphertext); // another e, another stream
    expect(openAndCheck(record, BigInt(c.order_id), BigInt(c.buyer_secret)).ok).toBe(true);
  });

  test("key stream, xor and the two ways to z agree with the SDK", () => {
    expect(bytesToHex(keystream(hexToBytes(v.keystream.z as Hex), BigInt(v.keystream.order_id), v.keystream.length))).toBe(v.keystream.stream);
    expect(bytesToHex(xorCipher(hexToBytes(v.xor.data as Hex), hexToBytes(v.xor.z as Hex), BigInt(v.xor.order_id)))).toBe(v.xor.cipher);
    const s = v.buyer_shared_secret;
    expect(bytesToHex(buyerSharedSecret(BigInt(s.secret), BigInt(s.ephemeral_x), s.parity))).toBe(s.z);
    const G = ecrecoverMulAddress(BigInt(v.contract_key_address.secret), GX, Number(GY & 1n));
    expect(bytesToHex(G!)).toBe(v.contract_key_address.address);
  });

  test("a plaintext too short to hold a key fails both checks", () => {
    const check = checkDelivery(new Uint8Array(32), v.cases[0].record.commitment as Hex, v.cases[0].record.fingerprint as Hex);
    expect(check.fingerprintOk).toBe(false);
    expect(check.key).toBeNull();
    expect(check.provableMisdelivery).toBe(true);
  });
});

describe("the buyer's decision (buyer_watch.check_and_act)", () => {
  const base = (c: Case) => ({
    orderId: BigInt(c.order_id),
    deliveryNo: c.delivery_no,
    record: recordOf(c),
    orderKey: { secret: BigInt(c.buyer_secret) },
    alphabet: c.alphabet,
    status: OrderStatus.Delivered,
    deadline: 2000,
    now: 1000,
  });

  test("a good key is ok; every provable fault is proven with its fault code", () => {
    for (const c of v.cases) {
      const verdict = judgeDelivery(base(c));
      if (c.fault === Fault.None) expect(verdict.kind).toBe("ok");
      else {
        expect(verdict.kind).toBe("prove");
        if (verdict.kind === "prove") expect(verdict.proof.fault).toBe(c.fault);
      }
    }
  });

  test("a key outside the listing's alphabet is proven even though it checks out as text", () => {
    const c = v.cases.find((x) => x.alphabet === KeyAlphabet.PrintableAscii && x.fault === Fault.NotCanonical && x.check.ok)!;
    const verdict = judgeDelivery(base(c));
    expect(verdict.kind).toBe("prove");
  });

  test("after the confirm window, or in a final state, a provable fault is too late to prove", () => {
    const c = v.cases.find((x) => x.fault === Fault.Commitment)!;
    expect(judgeDelivery({ ...base(c), now: 2001 }).kind).toBe("too-late");
    expect(judgeDelivery({ ...base(c), status: OrderStatus.Refunded }).kind).toBe("too-late");
    expect(judgeDelivery({ ...base(c), status: OrderStatus.Disputed, now: 5000 }).kind).toBe("prove");
  });
});
