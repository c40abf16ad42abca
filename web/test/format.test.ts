// Amounts, durations, times and order ids as fairkey/units.py and fairkey/chain/types.py write
// and read them (web/test/vectors/format.json).
import { describe, expect, test } from "vitest";
import { formatAmount, formatDuration, formatTime, orderIdHex, orderRef, parseAmount, parseDuration, parseOrderRef, relative } from "../src/lib/format";
import v from "./vectors/format.json";

function attempt(fn: () => unknown): { value: string } | { error: true } {
  try {
    return { value: String(fn()) };
  } catch {
    return { error: true };
  }
}

describe("format matches the SDK", () => {
  test("parse_amount: the same units, or a refusal with the same words", () => {
    for (const c of v.parse_amount) {
      let got: { value: string } | { error: string };
      try {
        got = { value: String(parseAmount(c.text, c.decimals)) };
      } catch (err) {
        got = { error: (err as Error).message };
      }
      expect([c.text, c.decimals, got]).toEqual([c.text, c.decimals, "value" in c ? { value: c.value } : { error: c.error }]);
    }
  });

  test("format_amount", () => {
    for (const c of v.format_amount) expect(formatAmount(BigInt(c.units), c.decimals, c.symbol)).toBe(c.text);
  });

  test("parse_duration and format_duration", () => {
    for (const c of v.parse_duration) {
      expect([c.text, attempt(() => parseDuration(c.text))]).toEqual([c.text, "value" in c ? { value: c.value } : { error: true }]);
    }
    for (const c of v.format_duration) expect(formatDuration(c.seconds)).toBe(c.text);
  });

  test("relative times and UTC times", () => {
    for (const c of v.relative) expect(relative(c.timestamp, c.now)).toBe(c.text);
    for (const c of v.format_time) expect(formatTime(c.timestamp)).toBe(c.text);
  });

  test("order ids: EIP-55 for people, lower hex for stores, and the one parser", () => {
    for (const c of v.order_ref) {
      expect(orderRef(BigInt(c.order_id))).toBe(c.ref);
      expect(orderIdHex(BigInt(c.order_id))).toBe(c.hex);
    }
    for (const c of v.parse_order_ref) {
      expect([c.text, attempt(() => parseOrderRef(c.text))]).toEqual([c.text, "value" in c ? { value: c.value } : { error: true }]);
    }
  });
});
