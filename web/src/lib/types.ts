// TypeScript mirrors of contracts/types/EscrowTypes.sol and CourtTypes.sol, as fairkey/chain/types.py
// and arbitration/court_client.py mirror them (web/test/types.test.ts compares with the SDK).
import type { Address, Hex } from "viem";

/** An order's life cycle; Completed, Refunded and Split are final. */
export enum OrderStatus {
  None = 0,
  Paid = 1,
  Delivered = 2,
  Disputed = 3,
  VerifierRefundPending = 4,
  Arbitrating = 5,
  Completed = 6,
  Refunded = 7,
  Split = 8,
}

/** Whether an order's status is final. */
export function isTerminal(status: OrderStatus): boolean {
  return status === OrderStatus.Completed || status === OrderStatus.Refunded || status === OrderStatus.Split;
}

/** Why a buyer disputes a delivery. */
export enum DisputeReason {
  None = 0,
  WrongContent = 1,
  Duplicate = 2,
  KeyInvalid = 3,
  NotAsDescribed = 4,
  Other = 5,
}

/** Which rule paid the merchant. */
export enum CompletionCause {
  BuyerConfirmed = 0,
  ConfirmWindowPassed = 1,
  Ruling = 2,
}

/** Which rule refunded the buyer. */
export enum RefundCause {
  MerchantRefunded = 0,
  NotDelivered = 1,
  Misdelivery = 2,
  MerchantSilent = 3,
  VerifierAttested = 4,
  Ruling = 5,
  Duplicate = 6,
}

/** A verifier's verdict on a disputed key. */
export enum Verdict {
  Invalid = 1,
  Redeemed = 2,
  Valid = 3, // the issuer accepts the key: the order is delivered again (a working key is a delivered key)
}

/** The court's ruling as the escrow reads it. */
export enum Ruling {
  Split = 0,
  RefundBuyer = 1,
  PayMerchant = 2,
}

/** A court case's period. */
export enum Period {
  Evidence = 0,
  Commit = 1,
  Reveal = 2,
  Appeal = 3,
  Executed = 4,
}

/** A juror's vote. */
export enum Choice {
  Refuse = 0,
  RefundBuyer = 1,
  PayMerchant = 2,
}

/** What a merchant sets when creating a listing (fixed for its life but price and active). */
export interface ListingTerms {
  token: Address;
  price: bigint;
  bondPerUnit: bigint;
  disputeBond: bigint;
  deliveryWindow: number;
  confirmWindow: number;
  responseWindow: number;
  appealWindow: number;
  maxReplacements: number;
  verifier: Address;
  descriptionHash: Hex;
}

/** A listing as the escrow stores it. */
export interface Listing {
  merchant: Address;
  confirmWindow: number;
  responseWindow: number;
  appealWindow: number;
  maxReplacements: number;
  feeBps: number;
  token: Address;
  bondPerUnit: bigint;
  price: bigint;
  priceVersion: number;
  stockAvailable: number;
  deliveryWindow: number;
  active: boolean;
  pricePoint: bigint;
  keyAlphabet: number;
  verifier: Address;
  disputeBond: bigint;
  descriptionHash: Hex;
}

/** An order as the escrow's `order` view reports it. `deadline` is the current phase's end. */
export interface Order {
  buyer: Address;
  listingId: bigint;
  status: OrderStatus;
  deadline: number;
  deliveries: number;
  reason: DisputeReason;
  priceVersion: number;
}

/** A merchant's stock batch. */
export interface Batch {
  listingId: bigint;
  count: number;
  used: number;
  revoked: number;
  seq: bigint;
}

/** The court's parameters, fixed at deployment. */
export interface CourtParams {
  stakeToken: Address;
  minStake: bigint;
  lockPerSeat: bigint;
  feePerJuror: bigint;
  stakeQuantum: bigint;
  evidencePeriod: number;
  commitPeriod: number;
  revealPeriod: number;
  appealPeriod: number;
  maxRounds: number;
}

/** A case as the court's caseData reports it. */
export interface CaseView {
  caseId: bigint;
  arbitrable: Address;
  period: Period;
  round: number;
  ruling: Choice;
  periodStart: number;
  commits: number;
  buyer: Address;
  merchant: Address;
}

/** A round of a case (the court's roundOf). */
export interface RoundView {
  ticket: bigint;
  seats: number;
  drawn: number;
  attempts: number;
  committed: number;
  revealed: number;
  settled: number;
  votes: [number, number, number];
  aborted: boolean;
  commitBits: number;
  revealBits: bigint;
  feePayer: Address;
  fee: bigint;
  defender: Address;
  defenderDeposit: bigint;
}

/** (first seat, seats) of a round: 3, 7, 15, 31 jurors, numbered across the case (court_client.seats_of). */
export function seatsOf(round: number): [number, number] {
  return [(1 << (round + 2)) - 4 - round, (1 << (round + 2)) - 1];
}
