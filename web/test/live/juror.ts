// A juror for the live API tests: a local key (the court's test jurors are fresh accounts, not
// Anvil's), signing in and voting through lib/api.ts and lib/court.ts as the arbitrator page does.
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { setApiBase, signIn } from "../../src/lib/api";
import type { TypedSigner } from "../../src/lib/court";
import { readClient } from "../../src/lib/wallet";
import { liveEnv } from "./env";

/** The juror, the court, and a read client over the chain's RPC. */
export function juror() {
  const env = liveEnv();
  if (!env.api || !env.court) throw new Error("these tests need the API and the court in FAIRKEY_LIVE");
  const account = privateKeyToAccount(env.api.juror_key);
  const signer: TypedSigner = { signTypedData: ({ account: _a, ...typed }) => account.signTypedData(typed as never) };
  const wallet = {
    address: account.address as Address,
    walletClient: { signMessage: ({ message }: { message: string }) => account.signMessage({ message }) as Promise<Hex> },
  };
  setApiBase(env.api.url);
  const site = { domain: env.api.domain, uri: env.api.origin };
  return {
    env,
    api: env.api,
    court: env.court,
    account,
    signer,
    wallet,
    site,
    pc: readClient(env.chain_id, env.rpc),
    signIn: () => signIn(wallet as never, { site, session: "bearer" }),
  };
}
