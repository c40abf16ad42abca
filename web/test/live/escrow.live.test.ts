// The lib against the real escrow on a real Anvil (set up by tests/web/test_lib_on_chain.py):
// a merchant lists and commits stock made in the browser; buyers buy one key and a basket, in
// ETH and in an ERC-20 (approving exactly the price), open and check their keys, confirm, prove a
// wrong key, dispute; the merchant delivers, refunds and replaces from the browser batch.
import { beforeAll, describe, expect, test } from "vitest";
import { keccak256, stringToHex, zeroAddress, type Address, type Hex } from "viem";
import * as lib from "../../src/lib/contracts";
import { judgeDelivery } from "../../src/lib/delivery";
import { findOrderKey } from "../../src/lib/orderKeys";
import { deliverable, prepareBatch, unitPlaintext, type StockBatch } from "../../src/lib/stock";
import { sealUnit } from "../../src/lib/delivery";
import { ContractRuleError } from "../../src/lib/errors";
import { DisputeReason, OrderStatus, RefundCause, CompletionCause, type ListingTerms } from "../../src/lib/types";
import { read, erc20Abi } from "../../src/lib/chain";
import { ctxOf, liveEnv, type LiveEnv } from "./env";

const HOUR = 3600;
let env: LiveEnv;
let merchant: Awaited<ReturnType<typeof ctxOf>>;
let buyer: Awaited<ReturnType<typeof ctxOf>>;
let seed: Hex;
const indexes = () => lib.keyIndexes(buyer.deployment, buyer.wallet.address);

function terms(token: Address, price: bigint, bond: bigint, disputeBond: bigint): ListingTerms {
  return {
    token,
    price,
    bondPerUnit: bond,
    disputeBond,
    deliveryWindow: HOUR,
    confirmWindow: 24 * HOUR,
    responseWindow: 12 * HOUR,
    appealWindow: 2 * HOUR,
    maxReplacements: 2,
    verifier: zeroAddress,
    descriptionHash: keccak256(stringToHex("Steam wallet card, 50 USD, global")),
  };
}

/** The buyer's page after a delivery: find the key, read the delivery, judge it. */
async function open(orderId: bigint) {
  const pc = buyer.wallet.publicClient;
  const key = findOrderKey(seed, orderId);
  expect(key).not.toBeNull();
  const found = await lib.currentDelivery(pc, env.escrow, orderId, buyer.deployment.block);
  expect(found).not.toBeNull();
  const order = await lib.readOrder(pc, env.escrow, orderId);
  const listing = await lib.readListing(pc, env.escrow, order.listingId);
  return judgeDelivery({
    orderId,
    deliveryNo: found!.deliveryNo,
    record: found!.record,
    orderKey: key!,
    alphabet: listing.keyAlphabet,
    status: order.status,
    deadline: order.deadline,
    now: await lib.chainTime(pc),
  });
}

function errorName(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 10; i++, e = (e as { cause?: unknown }).cause) {
    const name = (e as { data?: { errorName?: string } }).data?.errorName ?? (e as { errorName?: string }).errorName;
    if (name) return name;
  }
  return undefined;
}

let ethListing: bigint;
let firstOrder: bigint;
let batch: StockBatch;

beforeAll(async () => {
  env = liveEnv();
  merchant = await ctxOf(env, "merchant");
  buyer = await ctxOf(env, "buyer");
  seed = await lib.orderSeed(buyer.wallet, buyer.deployment);
});

describe("the dApp's lib on the real escrow", () => {
  test("a wallet connects through its EIP-1193 provider on the marketplace's chain", () => {
    expect(merchant.wallet.address).toBe(env.accounts.merchant);
    expect(merchant.wallet.chainId).toBe(env.chain_id);
  });

  test("a merchant lists, and commits stock made in the browser with exactly its bond", async () => {
    const made = await lib.createListing(merchant, terms(zeroAddress, 10n ** 16n, 5n * 10n ** 15n, 10n ** 15n));
    ethListing = made.listingId;
    batch = prepareBatch(merchant.wallet.address, ["LIVE-0001", "LIVE-0002", " LIVE-0003 ", "LIVE-0004", "LIVE-0005", "LIVE-0006"], "acme");
    const outcome = await lib.commitBatch(merchant, ethListing, batch);
    const committed = lib.eventOf(outcome, "StockCommitted");
    expect(committed.root).toBe(batch.root);
    expect(committed.bond).toBe(6n * 5n * 10n ** 15n);
    const pc = merchant.wallet.publicClient;
    expect((await lib.readListing(pc, env.escrow, ethListing)).stockAvailable).toBe(6);
    expect((await lib.readBatch(pc, env.escrow, merchant.wallet.address, batch.root)).count).toBe(6);
  });

  test("a buyer buys one key, the merchant delivers it, the buyer opens, checks and confirms it", async () => {
    const price = (await lib.readListing(buyer.wallet.publicClient, env.escrow, ethListing)).price;
    const purchase = await lib.buyKeys(buyer, seed, indexes(), ethListing, 1, price);
    expect(purchase.orderIds).toHaveLength(1);
    expect(purchase.basketId).toBeNull();
    expect(purchase.total).toBe(price);
    const [orderId] = purchase.orderIds;
    firstOrder = orderId;
    expect((await lib.readOrder(buyer.wallet.publicClient, env.escrow, orderId)).status).toBe(OrderStatus.Paid);

    await lib.deliverUnit(merchant, batch, 0, orderId);
    const verdict = await open(orderId);
    expect(verdict.kind).toBe("ok");
    expect(verdict.check.keyText).toBe("LIVE-0001");

    const done = await lib.confirm(buyer, orderId);
    expect(lib.eventOf(done, "OrderCompleted").cause).toBe(CompletionCause.BuyerConfirmed);
    const credit = await lib.creditOf(merchant.wallet.publicClient, env.escrow, zeroAddress, merchant.wallet.address);
    expect(credit).toBeGreaterThan(0n);
    expect(lib.eventOf(await lib.withdraw(merchant), "Withdrawn").amount).toBe(credit);
  });

  test("a basket of two: a wrong key is proven on chain, the right one confirmed", async () => {
    const price = (await lib.readListing(buyer.wallet.publicClient, env.escrow, ethListing)).price;
    const purchase = await lib.buyKeys(buyer, seed, indexes(), ethListing, 2, price);
    const [good, wrong] = purchase.orderIds;
    expect(purchase.basketId).toBe(good);
    expect(purchase.total).toBe(2n * price);
    expect(purchase.keys[0].index).toBeGreaterThan(0); // the first purchase's index is not reused

    await lib.deliverUnit(merchant, batch, 1, good);
    // unit 2's commitment and proof, but unit 3's key inside: what a cheating merchant sends
    const unit = deliverable(batch, 2);
    const { buyerKey } = await lib.orderPaid(merchant.wallet.publicClient, env.escrow, wrong);
    const record = sealUnit({ ...unit, plaintext: unitPlaintext(batch.units[3]) }, wrong, buyerKey);
    await lib.deliver(merchant, wrong, record, unit.proof);

    const bad = await open(wrong);
    expect(bad.kind).toBe("prove");
    if (bad.kind !== "prove") return;
    const proven = await lib.proveMisdelivery(buyer, bad.proof);
    expect(lib.eventOf(proven, "MisdeliveryProven").fault).toBe(3);
    expect(lib.eventOf(proven, "OrderRefunded").cause).toBe(RefundCause.Misdelivery);

    expect((await open(good)).kind).toBe("ok");
    await lib.confirmMany(buyer, [good]);
    expect((await lib.readOrder(buyer.wallet.publicClient, env.escrow, good)).status).toBe(OrderStatus.Completed);
  });

  test("a dispute deposits the listing's dispute bond; the merchant answers with a refund", async () => {
    const pc = buyer.wallet.publicClient;
    const listing = await lib.readListing(pc, env.escrow, ethListing);
    const [orderId] = (await lib.buyKeys(buyer, seed, indexes(), ethListing, 1, listing.price)).orderIds;
    await lib.deliverUnit(merchant, batch, 3, orderId);
    const disputed = await lib.dispute(buyer, orderId, DisputeReason.NotAsDescribed, keccak256(stringToHex("screenshot")));
    expect((await pc.getTransaction({ hash: disputed.hash })).value).toBe(listing.disputeBond);
    expect(lib.eventOf(disputed, "OrderDisputed").reason).toBe(DisputeReason.NotAsDescribed);

    const refunded = await lib.respond(merchant, orderId, { kind: "refund" });
    expect(lib.eventOf(refunded, "OrderRefunded").cause).toBe(RefundCause.MerchantRefunded);
    const credit = await lib.creditOf(pc, env.escrow, zeroAddress, buyer.wallet.address);
    expect(credit).toBeGreaterThanOrEqual(listing.price + listing.disputeBond);
    await lib.withdraw(buyer);
  });

  test("the merchant answers a dispute with a replacement from the browser batch", async () => {
    const pc = buyer.wallet.publicClient;
    const listing = await lib.readListing(pc, env.escrow, ethListing);
    const [orderId] = (await lib.buyKeys(buyer, seed, indexes(), ethListing, 1, listing.price)).orderIds;
    await lib.deliverUnit(merchant, batch, 4, orderId);
    await lib.dispute(buyer, orderId, DisputeReason.KeyInvalid);
    const replaced = await lib.respond(merchant, orderId, { kind: "replace", batch, index: 5 });
    expect(lib.eventOf(replaced, "KeyDelivered").deliveryNo).toBe(1n);
    const verdict = await open(orderId);
    expect(verdict.kind).toBe("ok");
    expect(verdict.check.keyText).toBe("LIVE-0006");
    await lib.confirm(buyer, orderId);
  });

  test("an ERC-20 listing: the merchant approves exactly the bond, the buyer exactly the price", async () => {
    const token = env.token;
    const price = 5_000_000n;
    const bond = 1_000_000n;
    const { listingId } = await lib.createListing(merchant, terms(token, price, bond, 100_000n));
    const tokenBatch = prepareBatch(merchant.wallet.address, ["DUSD-1", "DUSD-2"]);
    const balance = (who: Address) => read<bigint>(merchant.wallet.publicClient, token, erc20Abi, "balanceOf", [who]);
    const allowance = (who: Address) => read<bigint>(merchant.wallet.publicClient, token, erc20Abi, "allowance", [who, env.escrow]);

    const merchantBefore = await balance(merchant.wallet.address);
    await lib.commitBatch(merchant, listingId, tokenBatch);
    expect(merchantBefore - (await balance(merchant.wallet.address))).toBe(2n * bond);
    expect(await allowance(merchant.wallet.address)).toBe(0n);

    await lib.preparePayment(buyer, token, price); // what buyKeys does first: an allowance of the price, no more
    expect(await allowance(buyer.wallet.address)).toBe(price);
    const buyerBefore = await balance(buyer.wallet.address);
    const purchase = await lib.buyKeys(buyer, seed, indexes(), listingId, 1, price);
    expect(buyerBefore - (await balance(buyer.wallet.address))).toBe(price);
    expect(await allowance(buyer.wallet.address)).toBe(0n);

    await lib.deliverUnit(merchant, tokenBatch, 0, purchase.orderIds[0]);
    expect((await open(purchase.orderIds[0])).kind).toBe("ok");
  });

  test("what the escrow would refuse is said before anything is sent, named as the escrow names it", async () => {
    const pc = buyer.wallet.publicClient;
    const available = (await lib.readListing(pc, env.escrow, ethListing)).stockAvailable;
    await expect(lib.checkPurchase(pc, env.escrow, ethListing, available + 1)).rejects.toMatchObject({ errorName: "EscrowOutOfStock" });
    await expect(lib.checkPurchase(pc, env.escrow, ethListing, 101)).rejects.toMatchObject({ errorName: "EscrowBasketSize" });
    await expect(lib.checkPurchase(pc, env.escrow, 999n, 1)).rejects.toBeInstanceOf(ContractRuleError);
    // a call the escrow refuses is simulated first: its custom error, before the wallet signs anything
    const refused = await lib.confirm(buyer, firstOrder).catch((e) => e);
    expect(errorName(refused)).toBe("EscrowUnexpectedStatus");
  });
});
