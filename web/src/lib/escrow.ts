// The escrow's views and the one rule for money going in (exact ERC-20 allowances), mirroring
// fairkey/chain/escrow_client.py: typed reads of listings, orders and batches, an order's events.
import { encodeAbiParameters, getAddress, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { courtAbi, erc20Abi, escrowAbi, events, read, send, type Ctx } from "./chain";
import { recordFromEvent, type DeliveryRecord } from "./records";
import type { Batch, Listing, Order } from "./types";
import type { Point } from "./secp256k1";

const ETH = zeroAddress;
const isEth = (token: string) => BigInt(token) === 0n;

// ---------------------------------------------------------------------------- reads

/** A listing as stored (escrow.listing). */
export async function readListing(pc: PublicClient, escrow: Address, listingId: bigint): Promise<Listing> {
  const l = await read<Record<string, unknown>>(pc, escrow, escrowAbi, "listing", [listingId]);
  return {
    merchant: getAddress(l.merchant as string),
    confirmWindow: Number(l.confirmWindow),
    responseWindow: Number(l.responseWindow),
    appealWindow: Number(l.appealWindow),
    maxReplacements: Number(l.maxReplacements),
    feeBps: Number(l.feeBps),
    token: getAddress(l.token as string),
    bondPerUnit: BigInt(l.bondPerUnit as bigint),
    price: BigInt(l.price as bigint),
    priceVersion: Number(l.priceVersion),
    stockAvailable: Number(l.stockAvailable),
    deliveryWindow: Number(l.deliveryWindow),
    active: Boolean(l.active),
    pricePoint: BigInt(l.pricePoint as bigint),
    keyAlphabet: Number(l.keyAlphabet),
    verifier: getAddress(l.verifier as string),
    disputeBond: BigInt(l.disputeBond as bigint),
    descriptionHash: l.descriptionHash as Hex,
  };
}

/** An order (escrow.order); status None for an id nobody paid. */
export async function readOrder(pc: PublicClient, escrow: Address, orderId: bigint): Promise<Order> {
  const o = await read<Record<string, unknown>>(pc, escrow, escrowAbi, "order", [orderId]);
  return {
    buyer: getAddress(o.buyer as string),
    listingId: BigInt(o.listingId as bigint),
    status: Number(o.status),
    deadline: Number(o.deadline),
    deliveries: Number(o.deliveries),
    reason: Number(o.reason),
    priceVersion: Number(o.priceVersion),
  };
}

/** A merchant's batch by its root (zero count: none). */
export async function readBatch(pc: PublicClient, escrow: Address, merchant: Address, root: Hex): Promise<Batch> {
  const b = await read<Record<string, unknown>>(pc, escrow, escrowAbi, "batch", [merchant, root]);
  return { listingId: BigInt(b.listingId as bigint), count: Number(b.count), used: Number(b.used), revoked: Number(b.revoked), seq: BigInt(b.seq as bigint) };
}

/** What `account` can withdraw from the escrow in `token` (ETH: the zero address). */
export function creditOf(pc: PublicClient, escrow: Address, token: Address, account: Address): Promise<bigint> {
  return read<bigint>(pc, escrow, escrowAbi, "creditOf", [token, account]);
}

/** Whether unit `index` of batch `root` was delivered. */
export function isUnitUsed(pc: PublicClient, escrow: Address, root: Hex, index: bigint | number): Promise<boolean> {
  return read<boolean>(pc, escrow, escrowAbi, "isUnitUsed", [root, BigInt(index)]);
}

/** The price order `orderId` paid (escrow.priceAt of its listing and price version). */
export async function priceOf(pc: PublicClient, escrow: Address, orderId: bigint): Promise<bigint> {
  const o = await readOrder(pc, escrow, orderId);
  return read<bigint>(pc, escrow, escrowAbi, "priceAt", [o.listingId, BigInt(o.priceVersion)]);
}

/** The court's fee to contest an order (escrow_client.arbitration_cost: parties buyer, merchant, merchant). */
export async function arbitrationCost(pc: PublicClient, escrow: Address, orderId: bigint): Promise<bigint> {
  const order = await readOrder(pc, escrow, orderId);
  const listing = await readListing(pc, escrow, order.listingId);
  const court = await read<Address>(pc, escrow, escrowAbi, "arbitrator");
  const parties = encodeAbiParameters([{ type: "address" }, { type: "address" }, { type: "address" }], [order.buyer, listing.merchant, listing.merchant]);
  return read<bigint>(pc, court, courtAbi, "arbitrationCost", [parties]);
}

/** The buyer key and payment of an order, from its OrderPaid event. */
export async function orderPaid(pc: PublicClient, escrow: Address, orderId: bigint, fromBlock = 0n) {
  const found = await events(pc, escrow, escrowAbi, "OrderPaid", { orderId }, fromBlock);
  if (!found.length) throw new Error(`order ${orderId} has no OrderPaid event`);
  const a = found[0].args;
  return {
    buyerKey: { x: a.buyerKeyX as bigint, y: a.buyerKeyY as bigint } as Point,
    listingId: a.listingId as bigint,
    buyer: getAddress(a.buyer as string),
    price: a.price as bigint,
    deliveryDeadline: a.deliveryDeadline as bigint,
  };
}

/** The order's latest delivered key as posted on chain, with its delivery number; null before delivery. */
export async function currentDelivery(pc: PublicClient, escrow: Address, orderId: bigint, fromBlock = 0n): Promise<{ record: DeliveryRecord; deliveryNo: bigint; confirmDeadline: bigint } | null> {
  const found = await events(pc, escrow, escrowAbi, "KeyDelivered", { orderId }, fromBlock);
  if (!found.length) return null;
  const latest = found.reduce((a, b) => ((b.args.deliveryNo as bigint) > (a.args.deliveryNo as bigint) ? b : a));
  return {
    record: recordFromEvent(latest.args as Parameters<typeof recordFromEvent>[0]),
    deliveryNo: latest.args.deliveryNo as bigint,
    confirmDeadline: latest.args.confirmDeadline as bigint,
  };
}

/** A token's symbol and decimals, read from the chain (ETH for the zero address). */
export async function readTokenInfo(pc: PublicClient, token: Address): Promise<{ address: Address; symbol: string; decimals: number }> {
  if (isEth(token)) return { address: ETH, symbol: "ETH", decimals: 18 };
  const [symbol, decimals] = await Promise.all([read<string>(pc, token, erc20Abi, "symbol"), read<number>(pc, token, erc20Abi, "decimals")]);
  return { address: getAddress(token), symbol, decimals: Number(decimals) };
}


// ---------------------------------------------------------------------------- money in

/** ETH goes as msg.value; an ERC-20 first gets an allowance of exactly `amount` for `spender`
 * (never an unlimited one: the allowance is only ever what the next call takes). Returns msg.value. */
export async function preparePayment(ctx: Ctx, token: Address, amount: bigint, spender: Address = ctx.deployment.escrow): Promise<bigint> {
  if (isEth(token)) return amount;
  if (amount > 0n) {
    const owner = ctx.wallet.address;
    const current = await read<bigint>(ctx.wallet.publicClient, token, erc20Abi, "allowance", [owner, spender]);
    if (current !== amount) await send(ctx, token, erc20Abi, "approve", [spender, amount]);
  }
  return 0n;
}

/** Approves exactly `amount` of `token` for `spender` (a no-op when that is already the allowance). */
export async function approveExactly(ctx: Ctx, token: Address, spender: Address, amount: bigint): Promise<void> {
  await preparePayment(ctx, token, amount, spender);
}

