// Whether this page already holds the buyer's order-key seed (lib/buy orderSeed: one wallet
// signature per visit, memory only), so an order page can open a delivered key by itself
// without springing a signature prompt on someone who only looks.
import type { Hex } from "viem";
import type { Ctx } from "../lib/chain";
import { orderSeed } from "../lib/contracts";

const known = new Set<string>();
const slot = (ctx: Ctx) => `${ctx.deployment.chainId}:${ctx.deployment.escrow}:${ctx.wallet.address}`.toLowerCase();

export async function seedOf(ctx: Ctx): Promise<Hex> {
  const seed = await orderSeed(ctx.wallet, ctx.deployment);
  known.add(slot(ctx));
  return seed;
}

export function hasSeed(ctx: Ctx): boolean {
  return known.has(slot(ctx));
}
