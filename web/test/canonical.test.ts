// Canonical keys and their normalisation, byte for byte as the SDK (web/test/vectors/canonical.json):
// Python's whitespace (not JavaScript's trim), the frozen forbidden table, strict UTF-8.
import { describe, expect, test } from "vitest";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { canonicalProblem, isForbiddenCodePoint, isPythonSpace, KeyAlphabet } from "../src/lib/canonical";
import { commitment, fingerprint, isTrimmed, KeyFormatError, normaliseKey } from "../src/lib/keys";
import v from "./vectors/canonical.json";

function outcome(input: string | Uint8Array): { key: string } | { error: string; text: string } {
  try {
    return { key: bytesToHex(normaliseKey(input)) };
  } catch (err) {
    if (!(err instanceof KeyFormatError)) throw err;
    return { error: err.kind, text: err.text };
  }
}

describe("normalising keys matches the SDK", () => {
  test.each(v.normalise_text.map((c) => [JSON.stringify(c.input), c] as const))("text %s", (_label, c) => {
    const got = outcome(c.input);
    if ("key" in c) expect(got).toEqual({ key: c.key });
    else expect(got).toEqual({ error: c.error, text: c.text });
  });

  test.each(v.normalise_bytes.map((c) => [c.input, c] as const))("bytes %s", (_label, c) => {
    const got = outcome(hexToBytes(c.input as Hex));
    if ("key" in c) expect(got).toEqual({ key: c.key });
    else {
      expect("error" in got && got.error).toBe(c.error);
      if (c.error !== "utf8") expect("text" in got && got.text).toBe(c.text); // Python words its decoder's errors its own way
    }
  });

  test("a lone surrogate typed into a page is refused as not UTF-8", () => {
    expect(outcome("KEY\ud800")).toMatchObject({ error: "utf8" });
  });
});

describe("the contract's checks match the SDK", () => {
  test.each(v.is_trimmed.map((c) => [c.input, c] as const))("is_trimmed %s", (_label, c) => {
    expect(isTrimmed(hexToBytes(c.input as Hex))).toBe(c.trimmed);
  });

  test.each(v.problems.map((c) => [c.input, c] as const))("canonical_problem %s", (_label, c) => {
    const bytes = hexToBytes(c.input as Hex);
    expect(canonicalProblem(bytes, KeyAlphabet.Text)?.text ?? null).toBe(c.text);
    expect(canonicalProblem(bytes, KeyAlphabet.PrintableAscii)?.text ?? null).toBe(c.printable_ascii);
  });

  test("every code point is forbidden and whitespace exactly where Python says", () => {
    const runs = v.code_point_runs;
    let wrong: number[] = [];
    for (let r = 0; r < runs.length; r++) {
      const [start, flags] = runs[r];
      const end = r + 1 < runs.length ? runs[r + 1][0] : 0x110000;
      for (let cp = start; cp < end; cp++) {
        const got = (isForbiddenCodePoint(cp) ? 1 : 0) | (isPythonSpace(cp) ? 2 : 0);
        if (got !== flags) wrong.push(cp);
      }
      if (wrong.length > 10) break;
    }
    expect(wrong.map((cp) => cp.toString(16))).toEqual([]);
  });

  test("commitments and fingerprints", () => {
    for (const c of v.commitments) {
      const key = hexToBytes(c.key as Hex);
      expect(commitment(c.salt as Hex, key)).toBe(c.commitment);
      expect(fingerprint(key)).toBe(c.fingerprint);
    }
  });
});
