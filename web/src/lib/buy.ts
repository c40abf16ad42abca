// Buying, as fairkey/flows/buyer.py does it for the CLI: the purchase checked first (the escrow's
// own error names), fresh per-order keys from the wallet's seed (a key another device already
// used is skipped; indices reserved on this device before paying), then one payment — `pay` for
// one key, `payBasket` for more — with an allowance of exactly the price for ERC-20.
import type { Address, Hex, PublicClient } from "viem";
import { escrowAbi, read, send, type Ctx, type TxOutcome } from "./chain";
import { ContractRuleError, LibError } from "./errors";
import { deriveOrderKey, seedFromWallet, type OrderKey } from "./orderKeys";
import type { Deployment } from "./deployment";
import { OrderStatus, type Listing } from "./types";
import type { Wallet } from "./wallet";
import { preparePayment, readListing, readOrder } from "./escrow";

/** Used keys in a row before the device's list is suspected stale (buyer.MAX_SKIPPED_KEYS). */
export const MAX_SKIPPED_KEYS = 1000;

/** The most keys one payment may buy (the escrow's MAX_BASKET). */
export function maxBasket(pc: PublicClient, escrow: Address): Promise<bigint> {
  return read<bigint>(pc, escrow, escrowAbi, "MAX_BASKET");
}

/** The listing, after what the escrow would refuse about buying `quantity` keys of it now
 * (buyer.check_purchase): a ContractRuleError named as the escrow's error otherwise. */
export async function checkPurchase(pc: PublicClient, escrow: Address, listingId: bigint, quantity: number): Promise<Listing> {
  const listing = await readListing(pc, escrow, listingId);
  if (BigInt(listing.merchant) === 0n) {
    throw new ContractRuleError("EscrowUnknownListing", { listingId }, "buy.unknownListing", { listing: listingId });
  }
  if (!listing.active) throw new ContractRuleError("EscrowListingInactive", { listingId }, "buy.inactive", { listing: listingId });
  if (quantity !== 1) {
    const most = await maxBasket(pc, escrow);
    if (!(quantity >= 1 && BigInt(quantity) <= most)) {
      throw new ContractRuleError("EscrowBasketSize", { quantity, max: most }, "buy.basketSize", { quantity, max: most });
    }
  }
  if (listing.stockAvailable < quantity) {
    const args = { listingId, available: listing.stockAvailable, requested: quantity };
    throw new ContractRuleError("EscrowOutOfStock", args, "buy.outOfStock", { listing: listingId, available: listing.stockAvailable, requested: quantity });
  }
  return listing;
}

/** Where this device keeps which order key indices are taken (the CLI: orders.json). */
export interface KeyIndexes {
  nextIndex(): number;
  reserve(end: number): void;
}

/** The key indices of `account` on `deployment`, kept in this browser's localStorage (memory
 * when storage is unavailable). A lost list costs nothing: used keys are skipped on chain. */
export function keyIndexes(deployment: Pick<Deployment, "chainId" | "escrow">, account: Address): KeyIndexes {
  const name = `fairkey.keys.${deployment.chainId}.${deployment.escrow.toLowerCase()}.${account.toLowerCase()}`;
  let memory = 0;
  const store = (() => {
    try {
      return typeof localStorage === "undefined" ? null : localStorage;
    } catch {
      return null;
    }
  })();
  return {
    nextIndex: () => Math.max(memory, Number(store?.getItem(name) ?? 0) || 0),
    reserve: (end: number) => {
      memory = Math.max(memory, end);
      if (store && end > (Number(store.getItem(name)) || 0)) store.setItem(name, String(end));
    },
  };
}

/** `quantity` keys from index `start` on that no order uses yet (buyer.fresh_order_keys). */
export async function freshOrderKeys(pc: PublicClient, escrow: Address, seed: Hex, start: number, quantity: number): Promise<OrderKey[]> {
  const keys: OrderKey[] = [];
  let index = start;
  let skipped = 0;
  while (keys.length < quantity) {
    const key = deriveOrderKey(seed, index);
    if ((await readOrder(pc, escrow, key.orderId)).status === OrderStatus.None) {
      keys.push(key);
      skipped = 0;
    } else if (++skipped >= MAX_SKIPPED_KEYS) {
      throw new LibError("buy.keysExhausted", { n: MAX_SKIPPED_KEYS });
    }
    index++;
  }
  return keys;
}

const seeds = new Map<string, Promise<Hex>>();

/** The wallet's order-key seed for a deployment: one signature per page session (kept in memory
 * only: it derives every order's secret). */
export function orderSeed(wallet: Wallet, deployment: Pick<Deployment, "chainId" | "escrow">): Promise<Hex> {
  const name = `${deployment.chainId}:${deployment.escrow.toLowerCase()}:${wallet.address.toLowerCase()}`;
  let seed = seeds.get(name);
  if (!seed) {
    seed = seedFromWallet(wallet.walletClient as never, wallet.address, deployment.chainId, deployment.escrow);
    seeds.set(name, seed);
    seed.catch(() => seeds.delete(name)); // a refused signature may be asked again
  }
  return seed;
}

/** Pays for one key: the listing's price, at most `maxPrice` (what the page showed). */
export async function pay(ctx: Ctx, listing: Pick<Listing, "token" | "price">, listingId: bigint, key: OrderKey, maxPrice: bigint): Promise<TxOutcome> {
  const value = await preparePayment(ctx, listing.token, listing.price);
  return send(ctx, ctx.deployment.escrow, escrowAbi, "pay", [listingId, maxPrice, key.publicKey.x, key.publicKey.y], value);
}

/** Pays for `keys.length` keys in one transaction (price × N; an exact ERC-20 allowance). */
export async function payBasket(ctx: Ctx, listing: Pick<Listing, "token" | "price">, listingId: bigint, keys: readonly OrderKey[], maxPrice: bigint): Promise<TxOutcome> {
  const value = await preparePayment(ctx, listing.token, listing.price * BigInt(keys.length));
  const buyerKeys = keys.map((k) => ({ x: k.publicKey.x, y: k.publicKey.y }));
  return send(ctx, ctx.deployment.escrow, escrowAbi, "payBasket", [listingId, maxPrice, buyerKeys], value);
}

/** What one payment bought: one unit order per key, in key order (buyer.Purchase). */
export interface Purchase {
  listingId: bigint;
  keys: OrderKey[];
  orderIds: bigint[];
  price: bigint;
  total: bigint;
  deliveryDeadline: bigint;
  basketId: bigint | null;
  txHash: Hex;
}

/** Buys `quantity` keys of `listingId` in one payment, at most `maxPrice` each (buyer.buy_keys):
 * checks the purchase, derives fresh keys, reserves their indices, pays, and checks the escrow
 * opened exactly one order per key. */
export async function buyKeys(ctx: Ctx, seed: Hex, indexes: KeyIndexes, listingId: bigint, quantity: number, maxPrice: bigint): Promise<Purchase> {
  const pc = ctx.wallet.publicClient;
  const listing = await checkPurchase(pc, ctx.deployment.escrow, listingId, quantity);
  const keys = await freshOrderKeys(pc, ctx.deployment.escrow, seed, indexes.nextIndex(), quantity);
  indexes.reserve(keys[keys.length - 1].index + 1);
  const outcome = quantity === 1 ? await pay(ctx, listing, listingId, keys[0], maxPrice) : await payBasket(ctx, listing, listingId, keys, maxPrice);
  const paid = new Map<bigint, Record<string, unknown>>();
  for (const e of outcome.events) if (e.eventName === "OrderPaid") paid.set(e.args.orderId as bigint, e.args);
  const orderIds = keys.map((k) => k.orderId);
  if (paid.size !== orderIds.length || !orderIds.every((id) => paid.has(id))) throw new LibError("buy.unexpectedOrders");
  const basket = outcome.events.find((e) => e.eventName === "BasketPaid")?.args;
  const first = paid.get(orderIds[0])!;
  return {
    listingId,
    keys,
    orderIds,
    price: first.price as bigint,
    total: basket ? (basket.total as bigint) : (first.price as bigint),
    deliveryDeadline: first.deliveryDeadline as bigint,
    basketId: basket ? (basket.basketId as bigint) : null,
    txHash: outcome.hash,
  };
}
