// The live tests' world, handed over by tests/web/test_lib_on_chain.py in FAIRKEY_LIVE: a real
// Anvil with the real escrow (and court), and wallets connected through lib/wallet.ts's own
// connect() to an EIP-1193 provider over Anvil's JSON-RPC (Anvil signs for its dev accounts, as
// the browser tests' injected wallet does).
import type { Address, EIP1193Provider, Hex } from "viem";
import { parseDeployment, type Deployment } from "../../src/lib/deployment";
import { connect, type Wallet } from "../../src/lib/wallet";
import type { Ctx } from "../../src/lib/chain";

export interface LiveEnv {
  rpc: string;
  chain_id: number;
  escrow: Address;
  court: Address | null;
  token: Address;
  block: number;
  accounts: Record<string, Address>;
  api?: { url: string; domain: string; origin: string; juror_key: Hex; case_id: number; seat: number; round: number };
}

declare const process: { env: Record<string, string | undefined> };

/** The world the pytest side set up. */
export function liveEnv(): LiveEnv {
  const raw = process.env.FAIRKEY_LIVE;
  if (!raw) throw new Error("FAIRKEY_LIVE is not set: run these through tests/web/test_lib_on_chain.py");
  return JSON.parse(raw) as LiveEnv;
}

/** An EIP-1193 provider over JSON-RPC that shares exactly one account, as a wallet would. */
export function rpcProvider(url: string, account: Address): EIP1193Provider {
  let id = 0;
  const request = async ({ method, params }: { method: string; params?: unknown }) => {
    if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
    return body.result;
  };
  return { request, on: () => undefined, removeListener: () => undefined } as unknown as EIP1193Provider;
}

/** The deployment as the API's GET /deployment would name it. */
export function liveDeployment(env: LiveEnv): Deployment {
  return parseDeployment({
    chain_id: env.chain_id,
    escrow: env.escrow,
    court: env.court,
    tokens: [{ address: env.token, symbol: "dUSD", decimals: 6 }],
    block: env.block,
  });
}

/** A role's wallet, connected the way a page connects one, with its context for the escrow. */
export async function ctxOf(env: LiveEnv, role: string): Promise<Ctx & { wallet: Wallet }> {
  const wallet = await connect(rpcProvider(env.rpc, env.accounts[role]));
  return { wallet, deployment: liveDeployment(env) };
}
