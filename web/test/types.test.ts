// The TypeScript enums mirror the SDK's (and through them the contracts'): same names, same values.
import { describe, expect, test } from "vitest";
import { KeyAlphabet } from "../src/lib/canonical";
import * as types from "../src/lib/types";
import v from "./vectors/types.json";

const mirrors: Record<string, Record<string, string | number>> = {
  OrderStatus: types.OrderStatus,
  DisputeReason: types.DisputeReason,
  CompletionCause: types.CompletionCause,
  RefundCause: types.RefundCause,
  Verdict: types.Verdict,
  Ruling: types.Ruling,
  KeyAlphabet,
  Period: types.Period,
  Choice: types.Choice,
};

function members(e: Record<string, string | number>): Record<string, number> {
  return Object.fromEntries(Object.entries(e).filter(([, value]) => typeof value === "number")) as Record<string, number>;
}

describe("enums match fairkey/chain/types.py and arbitration/court_client.py", () => {
  test.each(Object.keys(v.enums))("%s", (name) => {
    expect(members(mirrors[name])).toEqual((v.enums as Record<string, Record<string, number>>)[name]);
  });

  test("final states and the rounds' seats", () => {
    const terminal = Object.values(types.OrderStatus).filter((s): s is number => typeof s === "number" && types.isTerminal(s));
    expect(terminal).toEqual(v.terminal);
    expect([0, 1, 2, 3].map(types.seatsOf)).toEqual(v.seats_of);
  });
});
