// The escrow's calls the pages make, mirroring fairkey/chain/escrow_client.py (argument shapes,
// exact ERC-20 allowances, dispute bonds, arbitration fees): reads, an order's events, and every
// write the buyer and the merchant sign. Buying lives in lib/buy.ts, the court in lib/courtChain.ts.
import { getAddress, zeroAddress, type Address, type Hex } from "viem";
import { escrowAbi, eventOf, send, type Ctx, type TxOutcome } from "./chain";
import { recordStruct, type DeliveryRecord, type MisdeliveryProof } from "./records";
import { arbitrationCost, isUnitUsed, orderPaid, preparePayment, readListing, readOrder } from "./escrow";
import { sealUnit } from "./delivery";
import { supplierTag, deliverable, type StockBatch } from "./stock";
import { KeyAlphabet } from "./canonical";
import type { DisputeReason, ListingTerms } from "./types";

export * from "./escrow";
export { chainTime, send, sendTxRequest, escrowAbi, courtAbi, erc20Abi, eventOf, type Ctx, type TxOutcome, type TxRequest } from "./chain";
export { buyKeys, checkPurchase, freshOrderKeys, keyIndexes, maxBasket, pay, payBasket, orderSeed, type Purchase, type KeyIndexes } from "./buy";
export { setStake, courtWithdraw, courtParams, stakeOf, caseData, roundOf, voteOf, claim, appeal, settleSeats, seatsToSettle } from "./courtChain";

/** 32 zero bytes: "no evidence". */
export const ZERO32: Hex = `0x${"00".repeat(32)}`;

const ETH = zeroAddress;

// ---------------------------------------------------------------------------- buyer

const escrowOf = (ctx: Ctx) => ctx.deployment.escrow;

/** The buyer accepts the key: the merchant is paid. */
export function confirm(ctx: Ctx, orderId: bigint): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "confirm", [orderId]);
}

/** Confirms several orders in one transaction; refused items are reported by BatchItemRefused. */
export function confirmMany(ctx: Ctx, orderIds: readonly bigint[]): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "confirmMany", [orderIds]);
}

/** Disputes a delivered key with a reason, depositing the listing's dispute bond (ETH value or an
 * exact ERC-20 allowance); `evidenceHash` anchors off-chain evidence. */
export async function dispute(ctx: Ctx, orderId: bigint, reason: DisputeReason, evidenceHash: Hex = ZERO32): Promise<TxOutcome> {
  const pc = ctx.wallet.publicClient;
  const order = await readOrder(pc, escrowOf(ctx), orderId);
  const listing = await readListing(pc, escrowOf(ctx), order.listingId);
  const value = await preparePayment(ctx, listing.token, listing.disputeBond);
  return send(ctx, escrowOf(ctx), escrowAbi, "dispute", [orderId, reason, evidenceHash], value);
}

/** Files a misdelivery proof (lib/records.ts buildMisdeliveryProof): refund + the unit's bond. */
export function proveMisdelivery(ctx: Ctx, proof: MisdeliveryProof): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "proveMisdelivery", [...proof.args]);
}

/** Proves the order's current delivery was displaced by an older batch's delivery of its key. */
export function proveDuplicate(ctx: Ctx, orderId: bigint, record: DeliveryRecord): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "proveDuplicate", [orderId, recordStruct(record)]);
}

/** Withdraws everything credited to the wallet in `token` (ETH by default). */
export function withdraw(ctx: Ctx, token: Address = ETH): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "withdraw", [getAddress(token)]);
}

/** Withdraws the wallet's credit in `token` to another address. */
export function withdrawTo(ctx: Ctx, token: Address, to: Address): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "withdrawTo", [getAddress(token), getAddress(to)]);
}

// ---------------------------------------------------------------------------- anyone (deadlines)

/** The confirm window passed without a dispute: pay the merchant. */
export function settle(ctx: Ctx, orderId: bigint): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "settle", [orderId]);
}

/** The delivery deadline passed: refund the buyer + the unit's bond. */
export function refundUndelivered(ctx: Ctx, orderId: bigint): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "refundUndelivered", [orderId]);
}

/** The response window passed without an answer: refund the buyer, dispute bond and unit bond. */
export function refundUnanswered(ctx: Ctx, orderId: bigint): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "refundUnanswered", [orderId]);
}

/** A verifier's verdict outlived its appeal window: refund the buyer. */
export function executeVerifierRefund(ctx: Ctx, orderId: bigint): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "executeVerifierRefund", [orderId]);
}

/** The court did not rule in time: split the order. */
export function resolveStalledArbitration(ctx: Ctx, orderId: bigint): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "resolveStalledArbitration", [orderId]);
}

// ---------------------------------------------------------------------------- merchant

/** Opens a listing; returns its id (from ListingCreated). */
export async function createListing(ctx: Ctx, terms: ListingTerms, alphabet: KeyAlphabet = KeyAlphabet.Text): Promise<{ listingId: bigint; outcome: TxOutcome }> {
  const outcome = await send(ctx, escrowOf(ctx), escrowAbi, "createListing", [terms, alphabet]);
  return { listingId: eventOf(outcome, "ListingCreated").listingId as bigint, outcome };
}

/** Changes a listing's price for future orders. */
export function setPrice(ctx: Ctx, listingId: bigint, price: bigint): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "setPrice", [listingId, price]);
}

/** Opens or closes a listing to new orders. */
export function setActive(ctx: Ctx, listingId: bigint, active: boolean): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "setActive", [listingId, active]);
}

/** Commits a batch by its root with the bond for `count` units (ETH value or an exact allowance). */
export async function commitStock(ctx: Ctx, listingId: bigint, root: Hex, count: number, supplier = ""): Promise<TxOutcome> {
  const listing = await readListing(ctx.wallet.publicClient, escrowOf(ctx), listingId);
  const value = await preparePayment(ctx, listing.token, BigInt(count) * listing.bondPerUnit);
  return send(ctx, escrowOf(ctx), escrowAbi, "commitStock", [listingId, root, count, supplierTag(supplier)], value);
}

/** Commits a batch made in the browser (lib/stock.ts). */
export function commitBatch(ctx: Ctx, listingId: bigint, batch: StockBatch): Promise<TxOutcome> {
  return commitStock(ctx, listingId, batch.root, batch.count, batch.supplier);
}

/** Withdraws a batch's unsold units (and their bond) from sale, as far as no open order relies on them. */
export function revokeBatch(ctx: Ctx, listingId: bigint, root: Hex): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "revokeBatch", [listingId, root]);
}

/** Delivers a sealed record with its Merkle proof. */
export function deliver(ctx: Ctx, orderId: bigint, record: DeliveryRecord, proof: readonly Hex[]): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "deliver", [orderId, recordStruct(record), proof]);
}

/** Seals unit `index` of a browser batch to the order's buyer key and delivers it (or, with
 * `replacement`, sends it as the merchant's replacement answer). */
export async function deliverUnit(ctx: Ctx, batch: StockBatch, index: number, orderId: bigint, replacement = false): Promise<TxOutcome> {
  const { buyerKey } = await orderPaid(ctx.wallet.publicClient, escrowOf(ctx), orderId, ctx.deployment.block);
  const unit = deliverable(batch, index);
  const record = sealUnit(unit, orderId, buyerKey);
  return replacement ? replace(ctx, orderId, record, unit.proof) : deliver(ctx, orderId, record, unit.proof);
}

/** The first unit of a browser batch the escrow has not seen delivered (null: all are used). */
export async function nextUnusedUnit(ctx: Ctx, batch: StockBatch, from = 0): Promise<number | null> {
  for (let i = from; i < batch.count; i++) {
    if (!(await isUnitUsed(ctx.wallet.publicClient, escrowOf(ctx), batch.root, i))) return i;
  }
  return null;
}

/** The merchant refunds the buyer (out of stock, or answering a dispute). */
export function refund(ctx: Ctx, orderId: bigint): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "refund", [orderId]);
}

/** Answers a dispute with a replacement unit from stock. */
export function replace(ctx: Ctx, orderId: bigint, record: DeliveryRecord, proof: readonly Hex[]): Promise<TxOutcome> {
  return send(ctx, escrowOf(ctx), escrowAbi, "replace", [orderId, recordStruct(record), proof]);
}

/** Contests a dispute (or appeals a verifier verdict): opens a court case, paying its fee. */
export async function contest(ctx: Ctx, orderId: bigint, evidenceHash: Hex = ZERO32, fee?: bigint): Promise<TxOutcome> {
  const cost = fee ?? (await arbitrationCost(ctx.wallet.publicClient, escrowOf(ctx), orderId));
  return send(ctx, escrowOf(ctx), escrowAbi, "contest", [orderId, evidenceHash], cost);
}

/** The merchant's answer to a dispute (L2). */
export type Answer =
  | { kind: "refund" }
  | { kind: "replace"; batch: StockBatch; index: number }
  | { kind: "replace"; record: DeliveryRecord; proof: readonly Hex[] }
  | { kind: "contest"; evidenceHash?: Hex };

/** Answers a dispute: refund, replace from stock, or contest before the court. */
export function respond(ctx: Ctx, orderId: bigint, answer: Answer): Promise<TxOutcome> {
  switch (answer.kind) {
    case "refund":
      return refund(ctx, orderId);
    case "contest":
      return contest(ctx, orderId, answer.evidenceHash ?? ZERO32);
    case "replace":
      return "batch" in answer ? deliverUnit(ctx, answer.batch, answer.index, orderId, true) : replace(ctx, orderId, answer.record, answer.proof);
  }
}
