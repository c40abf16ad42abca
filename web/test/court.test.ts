// A juror's vote: commit hashes, leaves, the EIP-712 Commit and VoteSalt (digests and
// signatures), salts derived from a signature, the relay deadline (web/test/vectors/court.json).
import { describe, expect, test } from "vitest";
import { hashTypedData, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { commitHash, commitLeaf, commitTypedData, committedChoice, deriveSalt, relayDeadline, saltFromSignature, saltTypedData, type TypedSigner } from "../src/lib/court";
import { Choice, Period } from "../src/lib/types";
import { seatsToSettle } from "../src/lib/courtChain";
import v from "./vectors/court.json";

const account = privateKeyToAccount(v.juror_key as Hex);
const signer: TypedSigner = { signTypedData: ({ account: _a, ...typed }) => account.signTypedData(typed as never) };
const court = v.court as Address;

describe("votes match arbitration/votes.py", () => {
  test.each(v.rounds.map((r) => [`case ${r.case_id} round ${r.round}`, r] as const))("%s", async (_label, r) => {
    const caseId = BigInt(r.case_id);
    expect(account.address).toBe(v.juror);
    // the salt: a signature of the VoteSalt typed data, hashed
    const saltTyped = saltTypedData(v.chain_id, court, caseId, r.round);
    expect(hashTypedData(saltTyped)).toBe(r.salt_typed_data.digest);
    expect(await account.signTypedData(saltTyped)).toBe(r.salt_signature);
    expect(await deriveSalt(signer, account.address, v.chain_id, court, caseId, r.round)).toBe(r.salt);
    // the commit hash of every choice, and the leaf of the chosen one
    for (const choice of [Choice.Refuse, Choice.RefundBuyer, Choice.PayMerchant]) {
      expect(commitHash(v.chain_id, court, caseId, r.round, account.address, choice, r.salt as Hex)).toBe(
        (r.commit_hashes as Record<string, string>)[String(choice)],
      );
    }
    const chosen = (r.commit_hashes as Record<string, string>)[String(Choice.PayMerchant)] as Hex;
    expect(commitLeaf(caseId, r.round, r.seat, account.address, chosen)).toBe(r.commit_leaf);
    // the relayed commit's typed data, digest and signature
    const typed = commitTypedData(v.chain_id, court, caseId, r.round, r.seat, chosen, r.deadline);
    expect(typed.message.deadline).toBe(BigInt(r.commit_typed_data.message.deadline));
    expect(hashTypedData(typed)).toBe(r.commit_typed_data.digest);
    expect(await account.signTypedData(typed)).toBe(r.commit_signature);
    // revealing on another device: the choice is found from the commit and the re-derived salt
    expect(committedChoice(chosen, v.chain_id, court, caseId, r.round, account.address, r.salt as Hex)).toBe(r.committed_choice);
    expect(committedChoice(chosen, v.chain_id, court, caseId, r.round + 1, account.address, r.salt as Hex)).toBeNull();
  });

  test("a salt does not depend on the wallet reporting v as 0/1 or 27/28", () => {
    const sig = v.rounds[0].salt_signature as Hex;
    const v01 = (sig.slice(0, -2) + (parseInt(sig.slice(-2), 16) - 27).toString(16).padStart(2, "0")) as Hex;
    expect(saltFromSignature(v01)).toBe(v.rounds[0].salt);
  });

  test("the relay deadline is the commit period's end, at least ten minutes ahead", () => {
    const params = { evidencePeriod: v.timings.evidence, commitPeriod: v.timings.commit };
    for (const d of v.relay_deadlines) {
      expect(relayDeadline({ period: d.period as Period, periodStart: d.period_start }, params, d.now)).toBe(BigInt(d.deadline));
    }
  });
});

describe("claiming (juror.seats_to_settle)", () => {
  test("how many seats a claim settles to reach the juror's own", () => {
    for (const s of v.seats_to_settle) {
      const got = seatsToSettle({ case: { period: s.period }, round: { aborted: s.aborted, settled: s.settled }, seat: s.seat, roundNo: s.round });
      expect([s, got]).toEqual([s, s.count]);
    }
  });
});
