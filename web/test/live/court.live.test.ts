// The court from the lib, on the real court contract: a juror stakes (paying only the top-up),
// lowers the stake and withdraws the rest; a below-minimum stake is refused by name; a merchant
// contests a dispute, paying the court's fee, and the order goes to the court.
import { beforeAll, describe, expect, test } from "vitest";
import { keccak256, stringToHex, zeroAddress } from "viem";
import * as lib from "../../src/lib/contracts";
import { prepareBatch } from "../../src/lib/stock";
import { DisputeReason, OrderStatus } from "../../src/lib/types";
import { ctxOf, liveEnv, type LiveEnv } from "./env";

let env: LiveEnv;

beforeAll(() => {
  env = liveEnv();
});

function errorName(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 10; i++, e = (e as { cause?: unknown }).cause) {
    const name = (e as { data?: { errorName?: string } }).data?.errorName;
    if (name) return name;
  }
  return undefined;
}

describe("the court from the dApp's lib", () => {
  test("setStake pays the top-up only; lowering it credits the rest, which withdraws", async () => {
    const juror = await ctxOf(env, "stranger");
    const pc = juror.wallet.publicClient;
    const court = env.court!;
    const { minStake, stakeToken } = await lib.courtParams(pc, court);
    expect(stakeToken).toBe(zeroAddress);

    const first = await lib.setStake(juror, 3n * minStake);
    expect((await pc.getTransaction({ hash: first.hash })).value).toBe(3n * minStake);
    const more = await lib.setStake(juror, 4n * minStake);
    expect((await pc.getTransaction({ hash: more.hash })).value).toBe(minStake);
    expect((await lib.stakeOf(pc, court, juror.wallet.address)).staked).toBe(4n * minStake);

    const lower = await lib.setStake(juror, minStake);
    expect((await pc.getTransaction({ hash: lower.hash })).value).toBe(0n);
    const withdrawn = await lib.courtWithdraw(juror, zeroAddress);
    expect(lib.eventOf(withdrawn, "Withdrawn").amount).toBe(3n * minStake);

    const refused = await lib.setStake(juror, minStake - 1n).catch((e) => e);
    expect(errorName(refused)).toBe("CourtBelowMinStake");
  });

  test("a merchant contests a dispute, paying the court's fee: the order goes to the court", async () => {
    const merchant = await ctxOf(env, "merchant");
    const buyer = await ctxOf(env, "buyer");
    const { listingId } = await lib.createListing(merchant, {
      token: zeroAddress,
      price: 10n ** 16n,
      bondPerUnit: 10n ** 15n,
      disputeBond: 10n ** 15n,
      deliveryWindow: 3600,
      confirmWindow: 86400,
      responseWindow: 43200,
      appealWindow: 7200,
      maxReplacements: 1,
      verifier: zeroAddress,
      descriptionHash: keccak256(stringToHex("a game key")),
    });
    const batch = prepareBatch(merchant.wallet.address, ["COURT-1"]);
    await lib.commitBatch(merchant, listingId, batch);
    const seed = await lib.orderSeed(buyer.wallet, buyer.deployment);
    const { orderIds } = await lib.buyKeys(buyer, seed, lib.keyIndexes(buyer.deployment, buyer.wallet.address), listingId, 1, 10n ** 16n);
    await lib.deliverUnit(merchant, batch, 0, orderIds[0]);
    await lib.dispute(buyer, orderIds[0], DisputeReason.NotAsDescribed);

    const fee = await lib.arbitrationCost(merchant.wallet.publicClient, env.escrow, orderIds[0]);
    expect(fee).toBeGreaterThan(0n);
    const contested = await lib.respond(merchant, orderIds[0], { kind: "contest", evidenceHash: keccak256(stringToHex("our side")) });
    expect((await merchant.wallet.publicClient.getTransaction({ hash: contested.hash })).value).toBe(fee);
    expect(lib.eventOf(contested, "ArbitrationRequested").arbitrator).toBe(env.court);
    expect((await lib.readOrder(merchant.wallet.publicClient, env.escrow, orderIds[0])).status).toBe(OrderStatus.Arbitrating);
  });
});
