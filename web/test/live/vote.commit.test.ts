// A drawn juror signs in with SIWE (bearer session), is refused before signing in, and posts a
// signed commit for the relayer (gasless), as the arbitrator page does. The reveal is
// vote.reveal.test.ts, after the pytest side relayed the commit and moved the case on.
import { describe, expect, test } from "vitest";
import { ApiError, apiGet, currentSession, setBearer, signIn, signOut } from "../../src/lib/api";
import { listEvidence, myVotes, relayDeadline, voteSigned } from "../../src/lib/court";
import { caseData, courtParams } from "../../src/lib/courtChain";
import { chainTime } from "../../src/lib/chain";
import { LibError } from "../../src/lib/errors";
import { Choice, Period } from "../../src/lib/types";
import { juror } from "./juror";

const j = juror();

describe("a juror signs in and votes without gas", () => {
  test("without a session the API answers a 401 problem, read as an ApiError", async () => {
    setBearer(null);
    expect(await currentSession()).toBeNull();
    const refused = await apiGet("/votes/mine").catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect([refused.status, refused.kind, refused.title]).toEqual([401, "not-signed-in", "not signed in"]);
  });

  test("a sign-in message for another site is never signed", async () => {
    const other = await signIn(j.wallet as never, { site: { domain: "evil.example", uri: "https://evil.example" }, session: "bearer" }).catch((e) => e);
    expect(other).toBeInstanceOf(LibError);
    expect(other.key).toBe("signin.wrongSite");
  });

  test("SIWE signs the juror in; signing out ends the session", async () => {
    const session = await j.signIn();
    expect(session.address).toBe(j.account.address);
    expect((await currentSession())?.address).toBe(j.account.address);
    await signOut();
    expect(await currentSession()).toBeNull();
    await j.signIn();
  });

  test("a drawn juror reads the case's evidence list", async () => {
    const evidence = await listEvidence(j.api.case_id);
    expect(evidence.case_id).toBe(j.api.case_id);
    expect(Array.isArray(evidence.files) && Array.isArray(evidence.anchors)).toBe(true);
  });

  test("the signed commit is held for the relayer", async () => {
    const caseId = BigInt(j.api.case_id);
    const view = await caseData(j.pc, j.court, caseId);
    expect(view.period).toBe(Period.Evidence);
    const deadline = relayDeadline(view, await courtParams(j.pc, j.court), await chainTime(j.pc));
    const held = await voteSigned({
      signer: j.signer,
      juror: j.account.address,
      chainId: j.env.chain_id,
      court: j.court,
      caseId,
      round: j.api.round,
      seat: j.api.seat,
      choice: Choice.PayMerchant,
      deadline,
    });
    expect([held.kind, held.status, held.juror, held.seat]).toEqual(["commit", "pending", j.account.address, j.api.seat]);
    expect((await myVotes()).map((v) => [v.kind, v.status])).toEqual([["commit", "pending"]]);
  });
});
