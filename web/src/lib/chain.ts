// The one way the dApp sends a transaction: on the marketplace's chain, simulated first (so a
// contract's named error shows before the wallet asks anything), signed by the user's wallet,
// waited for, its logs decoded. Also the API's unsigned transactions (api/schemas.py TxRequest).
import {
  parseEventLogs,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import courtJson from "./abi/court.json";
import erc20Json from "./abi/erc20.json";
import escrowJson from "./abi/escrow.json";
import type { Deployment } from "./deployment";
import { LibError } from "./errors";
import { ensureChain, type Wallet } from "./wallet";

/** FairkeyEscrow's ABI (web/src/lib/abi/escrow.json, exported from the build by scripts/web_abis.py). */
export const escrowAbi = escrowJson as Abi;
/** The court's ABI. */
export const courtAbi = courtJson as Abi;
/** OpenZeppelin's IERC20Metadata: what the dApp asks of a token. */
export const erc20Abi = erc20Json as Abi;

/** Who sends and where: the connected wallet and the deployment it acts on. */
export interface Ctx {
  wallet: Wallet;
  deployment: Deployment;
}

/** A decoded log of a mined transaction. */
export interface DecodedEvent {
  eventName: string;
  args: Record<string, unknown>;
  address: Address;
  logIndex: number;
}

/** A mined, successful transaction and the events the called contract emitted. */
export interface TxOutcome {
  hash: Hex;
  receipt: TransactionReceipt;
  events: DecodedEvent[];
}

/** The first event named `name` of an outcome (throws if there is none). */
export function eventOf(outcome: TxOutcome, name: string): Record<string, unknown> {
  const found = outcome.events.find((e) => e.eventName === name);
  if (!found) throw new Error(`transaction ${outcome.hash} emitted no ${name}`);
  return found.args;
}

function decode(abi: Abi, address: Address, receipt: TransactionReceipt): DecodedEvent[] {
  const ours = receipt.logs.filter((l) => l.address.toLowerCase() === address.toLowerCase());
  return parseEventLogs({ abi, logs: ours, strict: false }).map((e) => ({
    eventName: e.eventName as string,
    args: (e.args ?? {}) as Record<string, unknown>,
    address: e.address,
    logIndex: e.logIndex,
  }));
}

async function mined(pc: PublicClient, abi: Abi, address: Address, hash: Hex): Promise<TxOutcome> {
  const receipt = await pc.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new LibError("error.txFailed", { hash });
  return { hash, receipt, events: decode(abi, address, receipt) };
}

/** Calls `functionName` on `address` as the wallet's account: chain checked, simulated, signed,
 * mined. A refusal surfaces as viem's error carrying the contract's error name (data.errorName). */
export async function send(
  ctx: Ctx,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
  value = 0n,
): Promise<TxOutcome> {
  const { wallet, deployment } = ctx;
  await ensureChain(wallet, deployment.chainId, deployment.rpcUrl);
  const { request } = await wallet.publicClient.simulateContract({
    account: wallet.address,
    address,
    abi,
    functionName,
    args,
    value: value > 0n ? value : undefined,
  } as never);
  const hash = await wallet.walletClient.writeContract({ ...(request as object), account: wallet.address, chain: wallet.chain } as never);
  return mined(wallet.publicClient, abi, address, hash);
}

/** An unsigned transaction the API answered (evidence anchors, appeals, contests). */
export interface TxRequest {
  from: Address;
  to: Address;
  data: Hex;
  value: Hex;
  chainId: Hex;
}

/** Signs and sends an API's unsigned transaction with the wallet, refusing one meant for another
 * account or chain; `abi` decodes the events of its target. */
export async function sendTxRequest(ctx: Ctx, tx: TxRequest, abi: Abi): Promise<TxOutcome> {
  const { wallet, deployment } = ctx;
  if (tx.from.toLowerCase() !== wallet.address.toLowerCase()) {
    throw new Error(`the API prepared this transaction for ${tx.from}, not ${wallet.address}`);
  }
  await ensureChain(wallet, Number(BigInt(tx.chainId)), deployment.rpcUrl);
  const hash = await wallet.walletClient.sendTransaction({
    account: wallet.address,
    chain: wallet.chain,
    to: tx.to,
    data: tx.data,
    value: BigInt(tx.value),
  });
  return mined(wallet.publicClient, abi, tx.to, hash);
}

/** A view call. */
export function read<T>(pc: PublicClient, address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []): Promise<T> {
  return pc.readContract({ address, abi, functionName, args } as never) as Promise<T>;
}

/** The chain's time: the latest block's timestamp (deadlines are judged by it, not the PC clock). */
export async function chainTime(pc: PublicClient): Promise<bigint> {
  return (await pc.getBlock({ blockTag: "latest" })).timestamp;
}

/** Decoded events of `address` named `eventName`, filtered by indexed `args`, from `fromBlock`. */
export async function events(
  pc: PublicClient,
  address: Address,
  abi: Abi,
  eventName: string,
  args: Record<string, unknown>,
  fromBlock: bigint = 0n,
): Promise<DecodedEvent[]> {
  const logs = await pc.getContractEvents({ address, abi, eventName, args, fromBlock, toBlock: "latest", strict: false } as never);
  return (logs as Array<{ eventName: string; args: Record<string, unknown>; address: Address; logIndex: number; blockNumber: bigint }>).map((e) => ({
    eventName: e.eventName,
    args: e.args ?? {},
    address: e.address,
    logIndex: e.logIndex,
  }));
}
