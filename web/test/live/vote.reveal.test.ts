// The reveal, from "another device": a fresh sign-in, the salt re-derived from the wallet, the
// choice found by trying each against the seat's commit on chain, posted for the relayer.
import { describe, expect, test } from "vitest";
import { myVotes, revealSigned } from "../../src/lib/court";
import { caseData, commitOf, voteOf } from "../../src/lib/courtChain";
import { Period } from "../../src/lib/types";
import { juror } from "./juror";

const j = juror();

describe("a juror reveals in the reveal period", () => {
  test("the relayed commit is on chain and the case takes reveals", async () => {
    const caseId = BigInt(j.api.case_id);
    expect((await caseData(j.pc, j.court, caseId)).period).toBe(Period.Reveal);
    expect((await voteOf(j.pc, j.court, caseId, j.api.seat)).committed).toBe(true);
  });

  test("the reveal is found from the wallet alone and held for the relayer", async () => {
    await j.signIn();
    const caseId = BigInt(j.api.case_id);
    const stored = await commitOf(j.pc, j.court, caseId, j.api.seat, BigInt(j.env.block));
    expect(stored).toMatch(/^0x[0-9a-f]{64}$/);
    const held = await revealSigned({
      signer: j.signer,
      juror: j.account.address,
      chainId: j.env.chain_id,
      court: j.court,
      caseId,
      round: j.api.round,
      seat: j.api.seat,
      stored,
    });
    expect([held.kind, held.status]).toEqual(["reveal", "pending"]);
    expect((await myVotes()).map((v) => v.kind).sort()).toEqual(["commit", "reveal"]);
  });
});
