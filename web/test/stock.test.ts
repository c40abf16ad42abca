// Stock made in the browser: units, leaves, roots and proofs for 1, 2, 3 and 7 units, stock files
// parsed as the SDK's importer parses them, and a batch's units exported and imported encrypted.
import { describe, expect, test } from "vitest";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { deliverable, makeBatch, makeUnits, parseStockFile, parseStockText, stockProblems, supplierTag, unitPlaintext } from "../src/lib/stock";
import { leafHash, verifyProof } from "../src/lib/merkle";
import { exportUnits, importUnits } from "../src/lib/unitVault";
import { LibError } from "../src/lib/errors";
import v from "./vectors/stock.json";
import files from "./vectors/stock_files.json";

describe("stock batches match the SDK", () => {
  test.each(v.batches.map((b) => [b.count, b] as const))("%i unit(s): units, leaves, root, proofs", (_count, b) => {
    const units = makeUnits(b.inputs, b.units.map((u) => u.salt as Hex));
    const batch = makeBatch(v.merchant, units);
    units.forEach((u, i) => {
      const want = b.units[i];
      expect(bytesToHex(u.key)).toBe(want.key);
      expect(u.commitment).toBe(want.commitment);
      expect(u.fingerprint).toBe(want.fingerprint);
      expect(bytesToHex(unitPlaintext(u))).toBe(want.plaintext);
      expect(leafHash(v.merchant as Hex, i, u.commitment, u.fingerprint)).toBe(want.leaf);
      expect(batch.tree.leaves[i]).toBe(want.leaf);
      expect(batch.tree.proof(i)).toEqual(b.proofs[i]);
      expect(verifyProof(batch.root, want.leaf as Hex, b.proofs[i] as Hex[])).toBe(true);
    });
    expect(batch.root).toBe(b.root);
    expect(batch.count).toBe(b.count);
    expect(deliverable(batch, b.count - 1).proof).toEqual(b.proofs[b.count - 1]);
  });

  test("a leaf binds the merchant: another merchant's tree of the same unit has another root", () => {
    const b = v.batches[0];
    const batch = makeBatch(v.other_merchant.merchant, makeUnits(b.inputs, b.units.map((u) => u.salt as Hex)));
    expect(batch.root).toBe(v.other_merchant.root);
    expect(batch.root).not.toBe(b.root);
  });

  test("fresh salts differ, so the same keys make another root", () => {
    const b = v.batches[2];
    expect(makeBatch(v.merchant, makeUnits(b.inputs)).root).not.toBe(b.root);
  });

  test("supplier tags are the SDK's bytes32; a tag over 32 bytes is refused", () => {
    for (const s of v.supplier_tags) expect(supplierTag(s.name)).toBe(s.tag);
    expect(() => supplierTag("x".repeat(33))).toThrow(LibError);
  });
});

describe("stock files parse as the SDK's importer parses them", () => {
  test.each(files.map((f) => [f.name, f] as const))("%s", (_name, f) => {
    const bytes = hexToBytes(f.content as Hex);
    if ("error" in f && f.error) {
      expect(() => parseStockFile(bytes, f.name)).toThrow(f.error);
      return;
    }
    const parsed = parseStockFile(bytes, f.name);
    expect(parsed.lines.map((l) => ({ line: l.line, key: bytesToHex(l.key), fingerprint: l.fingerprint }))).toEqual(f.lines);
    expect(parsed.duplicates.map((d) => ({ line: d.line, first_line: d.firstLine }))).toEqual(f.duplicates);
    expect(parsed.invalid.map((i) => ({ line: i.line, text: i.text }))).toEqual(f.invalid);
  });

  test("pasted keys parse as a text file, and every bad line is named once", () => {
    const parsed = parseStockText("\uFEFFA-1\nB-2\nA-1\n\u200bC\n");
    expect(parsed.lines.map((l) => l.line)).toEqual([1, 2]);
    expect(stockProblems(parsed)).toHaveLength(2);
  });
});

describe("units at rest: exported with a passphrase, imported back", () => {
  const b = v.batches[3];
  const batch = () => makeBatch(v.merchant, makeUnits(b.inputs, b.units.map((u) => u.salt as Hex)), "acme");

  test("the right passphrase gives back the same batch; the file never holds a plain key", async () => {
    const exported = await exportUnits(batch(), "correct horse", { chainId: 31337, listingId: 3n }, 1000);
    const text = JSON.stringify(exported);
    for (const u of b.units) expect(text).not.toContain(u.key.slice(2));
    expect(exported.root).toBe(b.root);
    const back = await importUnits(text, "correct horse");
    expect(back.root).toBe(b.root);
    expect(back.supplier).toBe("acme");
    expect(back.units.map((u) => bytesToHex(u.key))).toEqual(b.units.map((u) => u.key));
  });

  test("a wrong passphrase or a changed header is refused", async () => {
    const exported = await exportUnits(batch(), "correct horse", {}, 1000);
    await expect(importUnits(exported, "wrong horse")).rejects.toThrow(LibError);
    await expect(importUnits({ ...exported, supplier: "other" }, "correct horse")).rejects.toThrow(LibError);
    await expect(importUnits("not json", "x")).rejects.toThrow(LibError);
  });
});
