// A juror's vote in the browser, exactly as arbitration/votes.py: the commit hash (bound to chain,
// court, case, round, juror, choice and salt), the EIP-712 Commit a relayer carries, and the salt
// derived from the juror's own signature (so any device of the wallet can reveal). Gasless votes
// and evidence go through the API (api/votes/router.py, api/evidence/router.py).
import { encodeAbiParameters, getAddress, hashTypedData, keccak256, stringToBytes, type Address, type Hex } from "viem";
import { apiBytes, apiGet, apiPost, apiUpload } from "./api";
import { asBytes, concatBytes, keccakHex } from "./bytes";
import { LibError } from "./errors";
import { Choice, Period, type CaseView, type CourtParams } from "./types";
import type { TxRequest } from "./chain";

/** keccak256("fairkey.court.vote"): the tag that makes a commit hash a court vote. */
export const VOTE_TAG: Hex = keccak256(stringToBytes("fairkey.court.vote"));
/** The court's EIP-712 domain name. */
export const COURT_DOMAIN = "fairkey court";
/** What a juror signs to derive a salt (never valid as anything on chain). */
export const SALT_PURPOSE = "fairkey court vote salt: sign only in your juror client";

const COMMIT_FIELDS = [
  { name: "caseId", type: "uint256" },
  { name: "round", type: "uint256" },
  { name: "seat", type: "uint256" },
  { name: "commitHash", type: "bytes32" },
  { name: "deadline", type: "uint64" },
] as const;
const SALT_FIELDS = [
  { name: "purpose", type: "string" },
  { name: "caseId", type: "uint256" },
  { name: "round", type: "uint256" },
] as const;

/** The court's EIP-712 domain on a chain. */
export function courtDomain(chainId: number, court: Address) {
  return { name: COURT_DOMAIN, version: "1", chainId, verifyingContract: getAddress(court) } as const;
}

/** The hash a juror commits (CourtVotes.commitHashOf). */
export function commitHash(chainId: number | bigint, court: Address, caseId: bigint, round: number | bigint, juror: Address, choice: number, salt: Hex): Hex {
  const encoded = encodeAbiParameters(
    [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "uint256" }, { type: "address" }, { type: "uint8" }, { type: "bytes32" }],
    [VOTE_TAG, BigInt(chainId), getAddress(court), caseId, BigInt(round), getAddress(juror), choice, salt],
  );
  return keccak256(encoded);
}

/** A seat's commit as a leaf of its commitment root (CourtVotes.commitLeaf), hashed twice. */
export function commitLeaf(caseId: bigint, round: number | bigint, seat: number | bigint, juror: Address, commit: Hex): Hex {
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "address" }, { type: "bytes32" }],
    [caseId, BigInt(round), BigInt(seat), getAddress(juror), commit],
  );
  return keccak256(keccak256(encoded));
}

/** The EIP-712 Commit a juror signs to have a commit relayed (CourtVotes.commitDigest). */
export function commitTypedData(chainId: number, court: Address, caseId: bigint, round: number, seat: number, commit: Hex, deadline: bigint | number) {
  return {
    domain: courtDomain(chainId, court),
    types: { Commit: COMMIT_FIELDS },
    primaryType: "Commit",
    message: { caseId, round: BigInt(round), seat: BigInt(seat), commitHash: commit, deadline: BigInt(deadline) },
  } as const;
}

/** The EIP-712 VoteSalt a juror signs to derive the salt of (chain, court, case, round). */
export function saltTypedData(chainId: number, court: Address, caseId: bigint, round: number) {
  return {
    domain: courtDomain(chainId, court),
    types: { VoteSalt: SALT_FIELDS },
    primaryType: "VoteSalt",
    message: { purpose: SALT_PURPOSE, caseId, round: BigInt(round) },
  } as const;
}

/** The digest the court checks a relayed commit's signature against. */
export function commitDigest(...args: Parameters<typeof commitTypedData>): Hex {
  return hashTypedData(commitTypedData(...args));
}

/** What signs typed data: a viem wallet client (or a local account in tests). */
export interface TypedSigner {
  signTypedData(args: { account: Address; domain: unknown; types: unknown; primaryType: string; message: unknown }): Promise<Hex>;
}

/** keccak of a signature with v as 27/28 (what eth-account signs; some wallets say 0/1). */
export function saltFromSignature(signature: Hex): Hex {
  let sig = asBytes(signature);
  if (sig.length === 65 && (sig[64] === 0 || sig[64] === 1)) sig = concatBytes([sig.slice(0, 64), new Uint8Array([sig[64] + 27])]);
  return keccakHex(sig);
}

/** The juror's salt for (chain, court, case, round): keccak of their deterministic signature. */
export async function deriveSalt(signer: TypedSigner, juror: Address, chainId: number, court: Address, caseId: bigint, round: number): Promise<Hex> {
  return saltFromSignature(await signer.signTypedData({ account: juror, ...saltTypedData(chainId, court, caseId, round) } as never));
}

/** Which choice a stored commit hides, trying each with the re-derived salt (juror.committed_choice). */
export function committedChoice(stored: Hex, chainId: number, court: Address, caseId: bigint, round: number, juror: Address, salt: Hex): Choice | null {
  for (const choice of [Choice.Refuse, Choice.RefundBuyer, Choice.PayMerchant]) {
    if (commitHash(chainId, court, caseId, round, juror, choice, salt) === stored.toLowerCase()) return choice;
  }
  return null;
}

/** The deadline to sign a relayed commit with (juror.relay_deadline): the commit period's end (the
 * evidence period's end plus the commit period while evidence runs), at least `margin` s ahead. */
export function relayDeadline(view: Pick<CaseView, "period" | "periodStart">, params: Pick<CourtParams, "evidencePeriod" | "commitPeriod">, now: number | bigint, margin = 600): bigint {
  const end = view.period === Period.Evidence ? view.periodStart + params.evidencePeriod + params.commitPeriod : view.periodStart + params.commitPeriod;
  const soonest = BigInt(now) + BigInt(margin);
  return BigInt(end) > soonest ? BigInt(end) : soonest;
}

// ---------------------------------------------------------------------------- the API

/** A vote held by the API for its relayer (api/votes/schemas.py VoteOut). */
export interface VoteOut {
  kind: "commit" | "reveal";
  case_id: number;
  round: number;
  seat: number;
  juror: Address;
  status: "pending" | "submitted" | "refused";
  received_at: number;
  tx_hash: string | null;
  reason: string | null;
  deadline: number | null;
}

/** The seat's signed commit, posted for relaying (gasless): salt derived, hash made, Commit signed. */
export async function voteSigned(args: {
  signer: TypedSigner;
  juror: Address;
  chainId: number;
  court: Address;
  caseId: bigint;
  round: number;
  seat: number;
  choice: Choice;
  deadline: bigint;
}): Promise<VoteOut> {
  const salt = await deriveSalt(args.signer, args.juror, args.chainId, args.court, args.caseId, args.round);
  const hash = commitHash(args.chainId, args.court, args.caseId, args.round, args.juror, args.choice, salt);
  const typed = commitTypedData(args.chainId, args.court, args.caseId, args.round, args.seat, hash, args.deadline);
  const signature = await args.signer.signTypedData({ account: args.juror, ...typed } as never);
  return apiPost<VoteOut>("/votes/commits", {
    case_id: Number(args.caseId),
    seat: args.seat,
    commit_hash: hash,
    deadline: Number(args.deadline),
    signature,
  });
}

/** Reveals a seat's vote through the API (reveal period): re-derives the salt, finds the choice
 * that matches the seat's commit on chain (`stored`), and posts (case, seat, choice, salt). */
export async function revealSigned(args: {
  signer: TypedSigner;
  juror: Address;
  chainId: number;
  court: Address;
  caseId: bigint;
  round: number;
  seat: number;
  stored: Hex | null;
}): Promise<VoteOut> {
  if (!args.stored) throw new LibError("court.notCommitted", { seat: args.seat, case: args.caseId });
  const salt = await deriveSalt(args.signer, args.juror, args.chainId, args.court, args.caseId, args.round);
  const choice = committedChoice(args.stored, args.chainId, args.court, args.caseId, args.round, args.juror, salt);
  if (choice === null) throw new LibError("court.noChoiceMatches");
  return apiPost<VoteOut>("/votes/reveals", { case_id: Number(args.caseId), seat: args.seat, choice, salt });
}

/** Every vote the signed-in juror posted (pending, submitted or refused). */
export async function myVotes(): Promise<VoteOut[]> {
  return (await apiGet<{ votes: VoteOut[] }>("/votes/mine")).votes;
}

/** A file of a case's evidence held by the API (api/evidence/schemas.py EvidenceOut). */
export interface EvidenceFile {
  content_hash: Hex;
  uri: string;
  content_type: string;
  size: number;
  filename: string | null;
  uploaded_by: Address;
  uploaded_at: number;
}

/** A case's evidence: files held by the API and anchors on chain (parties and drawn jurors). */
export interface EvidenceList {
  case_id: number;
  files: EvidenceFile[];
  anchors: Array<{ party: Address; uri: string; content_hash: Hex; block_number: number; tx_hash: Hex; stored_here: boolean }>;
}

/** GET /cases/{id}/evidence. */
export function listEvidence(caseId: bigint | number): Promise<EvidenceList> {
  return apiGet<EvidenceList>(`/cases/${caseId}/evidence`);
}

/** Uploads a file of evidence (parties only); the answer carries the anchor transaction to sign. */
export function uploadEvidence(caseId: bigint | number, file: Blob, filename?: string): Promise<EvidenceFile & { anchor_tx: TxRequest }> {
  return apiUpload(`/cases/${caseId}/evidence`, file, { filename });
}

/** Reads one file of evidence, checked against its keccak256 (so the API cannot swap a file). */
export async function readEvidence(caseId: bigint | number, contentHash: Hex): Promise<Blob> {
  const { bytes, contentType } = await apiBytes(`/cases/${caseId}/evidence/${contentHash}`);
  if (keccakHex(bytes) !== contentHash.toLowerCase()) throw new Error(`evidence ${contentHash} does not match its hash`);
  return new Blob([bytes as BlobPart], { type: contentType });
}
