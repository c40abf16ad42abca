// A purchase from the buy box: the wallet's order-key seed (a signature, once per visit), then
// lib/buy's buyKeys (checks, fresh keys, an exact allowance for an ERC-20, one payment).
import { buyKeys, keyIndexes, type Purchase } from "../lib/contracts";
import { orderRef } from "../lib/format";
import type { Listing } from "./apiTypes";
import { seedOf } from "./orderSeed";
import { ensureCtx } from "./session";

export type PurchaseStep = "wallet" | "key" | "pay";

export async function purchase(
  listing: Listing,
  quantity: number,
  progress: (step: PurchaseStep) => void,
): Promise<{ orderIds: string[]; purchase: Purchase }> {
  progress("wallet");
  const ctx = await ensureCtx();
  progress("key");
  const seed = await seedOf(ctx);
  progress("pay");
  const bought = await buyKeys(
    ctx,
    seed,
    keyIndexes(ctx.deployment, ctx.wallet.address),
    BigInt(listing.listing_id),
    quantity,
    BigInt(listing.price), // the price shown: a raise meanwhile reverts, nothing is paid
  );
  return { orderIds: bought.orderIds.map(orderRef), purchase: bought };
}
