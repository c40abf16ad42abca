// The court's calls the arbitrator pages make, mirroring arbitration/court_client.py and the
// juror's money rules of arbitration/juror.py + juror_service.py: stake (paying only the top-up),
// seats and votes read from the chain, settling and withdrawing what a juror earned, appeals.
import { getAddress, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { courtAbi, events, read, send, type Ctx, type TxOutcome } from "./chain";
import { preparePayment } from "./escrow";
import { Period, seatsOf, type CaseView, type CourtParams, type RoundView } from "./types";

function courtOf(ctx: Ctx): Address {
  if (!ctx.deployment.court) throw new Error("this deployment names no court");
  return ctx.deployment.court;
}

/** The court's parameters (fixed at deployment). */
export async function courtParams(pc: PublicClient, court: Address): Promise<CourtParams> {
  const p = await read<Record<string, unknown>>(pc, court, courtAbi, "params");
  return {
    stakeToken: getAddress(p.stakeToken as string),
    minStake: p.minStake as bigint,
    lockPerSeat: p.lockPerSeat as bigint,
    feePerJuror: p.feePerJuror as bigint,
    stakeQuantum: p.stakeQuantum as bigint,
    evidencePeriod: Number(p.evidencePeriod),
    commitPeriod: Number(p.commitPeriod),
    revealPeriod: Number(p.revealPeriod),
    appealPeriod: Number(p.appealPeriod),
    maxRounds: Number(p.maxRounds),
  };
}

/** A juror's stake: staked, locked (by open seats) and how many seats are open. */
export async function stakeOf(pc: PublicClient, court: Address, juror: Address): Promise<{ staked: bigint; locked: bigint; openSeats: number }> {
  const s = await read<Record<string, unknown>>(pc, court, courtAbi, "stakeOf", [juror]);
  return { staked: s.staked as bigint, locked: s.locked as bigint, openSeats: Number(s.openSeats) };
}

/** What `account` can withdraw from the court in `token`. */
export function courtCredit(pc: PublicClient, court: Address, token: Address, account: Address): Promise<bigint> {
  return read<bigint>(pc, court, courtAbi, "creditOf", [token, account]);
}

/** A case as the court reports it. */
export async function caseData(pc: PublicClient, court: Address, caseId: bigint): Promise<CaseView> {
  const c = await read<Record<string, unknown>>(pc, court, courtAbi, "caseData", [caseId]);
  return {
    caseId,
    arbitrable: getAddress(c.arbitrable as string),
    period: Number(c.period),
    round: Number(c.round),
    ruling: Number(c.ruling),
    periodStart: Number(c.periodStart),
    commits: Number(c.commits),
    buyer: getAddress(c.buyer as string),
    merchant: getAddress(c.merchant as string),
  };
}

/** A round of a case. */
export async function roundOf(pc: PublicClient, court: Address, caseId: bigint, round: number): Promise<RoundView> {
  const r = await read<Record<string, unknown>>(pc, court, courtAbi, "roundOf", [caseId, BigInt(round)]);
  return {
    ticket: r.ticket as bigint,
    seats: Number(r.seats),
    drawn: Number(r.drawn),
    attempts: Number(r.attempts),
    committed: Number(r.committed),
    revealed: Number(r.revealed),
    settled: Number(r.settled),
    votes: [Number(r.votesRefuse), Number(r.votesFirst), Number(r.votesSecond)],
    aborted: Boolean(r.aborted),
    commitBits: Number(r.commits),
    revealBits: BigInt(r.reveals as bigint),
    feePayer: getAddress(r.feePayer as string),
    fee: r.fee as bigint,
    defender: getAddress(r.defender as string),
    defenderDeposit: r.defenderDeposit as bigint,
  };
}

/** A seat's vote: committed, revealed, and the revealed choice (0 until revealed). */
export async function voteOf(pc: PublicClient, court: Address, caseId: bigint, seat: number): Promise<{ committed: boolean; revealed: boolean; choice: number }> {
  const [committed, revealed, choice] = await read<[boolean, boolean, number]>(pc, court, courtAbi, "voteOf", [caseId, BigInt(seat)]);
  return { committed, revealed, choice: Number(choice) };
}

/** The juror of a seat. */
export function jurorAt(pc: PublicClient, court: Address, caseId: bigint, seat: number): Promise<Address> {
  return read<Address>(pc, court, courtAbi, "jurorAt", [caseId, BigInt(seat)]);
}

/** One of a juror's seats. */
export interface Seat {
  caseId: bigint;
  round: number;
  seat: number;
}

/** The seats `juror` was drawn for (JurorDrawn logs, each confirmed with jurorAt). */
export async function mySeats(pc: PublicClient, court: Address, juror: Address, fromBlock = 0n): Promise<Seat[]> {
  const drawn = await events(pc, court, courtAbi, "JurorDrawn", { juror }, fromBlock);
  const seats: Seat[] = [];
  for (const e of drawn) {
    const seat = { caseId: e.args.caseId as bigint, round: Number(e.args.round), seat: Number(e.args.seat) };
    if ((await jurorAt(pc, court, seat.caseId, seat.seat)).toLowerCase() === juror.toLowerCase()) seats.push(seat);
  }
  return seats;
}

/** The commit hash a seat's VoteCommitted log holds, or null before it committed. */
export async function commitOf(pc: PublicClient, court: Address, caseId: bigint, seat: number, fromBlock = 0n): Promise<Hex | null> {
  const found = (await events(pc, court, courtAbi, "VoteCommitted", { caseId }, fromBlock)).filter((e) => Number(e.args.seat) === seat);
  return found.length ? (found[found.length - 1].args.commitHash as Hex) : null;
}

/** How many seats `settle` must pay (from the round's first unpaid one) to reach this seat; 0
 * when there is nothing to settle (juror.seats_to_settle). */
export function seatsToSettle(view: { case: Pick<CaseView, "period">; round: Pick<RoundView, "aborted" | "settled">; seat: number; roundNo: number }): number {
  const index = view.seat - seatsOf(view.roundNo)[0];
  if (view.case.period !== Period.Executed || view.round.aborted || index < view.round.settled) return 0;
  return index + 1 - view.round.settled;
}

/** Sets the wallet's stake to `target` (not adds): pays only the top-up (ETH value, or an exact
 * allowance of the stake token); lowering it credits the rest for withdrawal. */
export async function setStake(ctx: Ctx, target: bigint): Promise<TxOutcome> {
  const court = courtOf(ctx);
  const pc = ctx.wallet.publicClient;
  const params = await courtParams(pc, court);
  const current = (await stakeOf(pc, court, ctx.wallet.address)).staked;
  const topUp = target > current ? target - current : 0n;
  const value = await preparePayment(ctx, params.stakeToken, topUp, court);
  return send(ctx, court, courtAbi, "setStake", [target], value);
}

/** Withdraws the wallet's court credit in `token`. */
export function courtWithdraw(ctx: Ctx, token: Address = zeroAddress): Promise<TxOutcome> {
  return send(ctx, courtOf(ctx), courtAbi, "withdraw", [getAddress(token)]);
}

/** Settles `count` seats of an executed round from its first unpaid one (anyone may). */
export function settleSeats(ctx: Ctx, caseId: bigint, round: number, count: number): Promise<TxOutcome> {
  return send(ctx, courtOf(ctx), courtAbi, "settle", [caseId, BigInt(round), BigInt(count)]);
}

/** Claims what the juror earned (juror_service.claim): settles each executed round it sat in up
 * to its seat, then withdraws its credit in ETH (fees) and the stake token. */
export async function claim(ctx: Ctx, seats: readonly Seat[]): Promise<{ settled: Seat[]; withdrawn: Record<string, bigint> }> {
  const court = courtOf(ctx);
  const pc = ctx.wallet.publicClient;
  const settled: Seat[] = [];
  for (const s of seats) {
    const [view, round] = await Promise.all([caseData(pc, court, s.caseId), roundOf(pc, court, s.caseId, s.round)]);
    const count = seatsToSettle({ case: view, round, seat: s.seat, roundNo: s.round });
    if (!count) continue;
    try {
      await settleSeats(ctx, s.caseId, s.round, count);
      settled.push(s);
    } catch (err) {
      if (!String((err as Error)?.message).includes("CourtNothingToSettle")) throw err; // someone settled it meanwhile
    }
  }
  const withdrawn: Record<string, bigint> = {};
  const { stakeToken } = await courtParams(pc, court);
  for (const token of new Set([zeroAddress, stakeToken])) {
    const credit = await courtCredit(pc, court, token, ctx.wallet.address);
    if (credit > 0n) {
      await courtWithdraw(ctx, token);
      withdrawn[token] = credit;
    }
  }
  return { settled, withdrawn };
}

/** Funds the next round of a case as its losing party (value: the court's appeal cost). */
export async function appeal(ctx: Ctx, caseId: bigint): Promise<TxOutcome> {
  const court = courtOf(ctx);
  const cost = await read<bigint>(ctx.wallet.publicClient, court, courtAbi, "appealCost", [caseId, "0x"]);
  return send(ctx, court, courtAbi, "appeal", [caseId, "0x"], cost);
}

/** Anchors evidence on chain (its URI and keccak256; the file stays off chain). */
export function submitEvidence(ctx: Ctx, caseId: bigint, uri: string, contentHash: Hex): Promise<TxOutcome> {
  return send(ctx, courtOf(ctx), courtAbi, "submitEvidence", [caseId, uri, contentHash]);
}

