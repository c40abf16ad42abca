// Who is using the page: the connected wallet (EIP-6963, or window.ethereum) and whether the API
// knows them (SIWE). Pages ask `ensureWallet()` / `ensureSignedIn()` right before they need it,
// so browsing needs neither.
import { currentSession, signIn } from "../lib/api";
import type { Ctx } from "../lib/chain";
import { deployment } from "../lib/deployment";
import { connect, discoverWallets, ensureChain, type Wallet, type WalletChoice } from "../lib/wallet";
import { pickWallet } from "./components/walletPicker";
import { reopen } from "./live";

const REMEMBER = "fairkey.wallet";
let wallet: Wallet | null = null;
let signedIn: string | null = null;
let connecting: Promise<Wallet> | null = null;
const listeners = new Set<() => void>();

export function currentWallet(): Wallet | null {
  return wallet;
}

export function signedInAs(): string | null {
  return signedIn;
}

export function onSessionChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed(): void {
  listeners.forEach((fn) => fn());
}

// Whether this browser signed in as an address, until when: a session is only asked for (GET
// /auth/session) when one may exist, so a first visit does not start with a refused request.
const HINT = "fairkey.session.";
const hinted = (address: string) => Number(localStorage.getItem(HINT + address.toLowerCase()) ?? 0) > Date.now() / 1000;
const remember = (address: string, expiresAt: number) => localStorage.setItem(HINT + address.toLowerCase(), String(expiresAt));

const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

async function choose(found: WalletChoice[]): Promise<WalletChoice | undefined> {
  const remembered = localStorage.getItem(REMEMBER);
  const again = found.find((w) => w.info.rdns === remembered);
  if (again || found.length <= 1) return again ?? found[0];
  return pickWallet(found);
}

/** Connects a wallet (asking which one when several announce themselves) on the marketplace's
 * chain, once; later calls get the same wallet. */
export function ensureWallet(): Promise<Wallet> {
  if (wallet) return Promise.resolve(wallet);
  connecting ??= (async () => {
    try {
      const chosen = await choose(await discoverWallets());
      const w = await connect(chosen ?? null);
      const dep = await deployment();
      await ensureChain(w, dep.chainId, dep.rpcUrl);
      if (chosen) localStorage.setItem(REMEMBER, chosen.info.rdns);
      w.onChange(() => {
        if (!same(signedIn, w.address)) signedIn = null; // another account: sign in again
        changed();
      });
      wallet = w;
      changed();
      return w;
    } finally {
      connecting = null;
    }
  })();
  return connecting;
}

/** What the lib's transactions need: the connected wallet and the deployment it acts on. */
export async function ensureCtx(): Promise<Ctx> {
  const [w, dep] = await Promise.all([ensureWallet(), deployment()]);
  return { wallet: w, deployment: dep };
}

/** The signed-in address: the API's session if it is this wallet's, else a SIWE sign-in. */
export async function ensureSignedIn(): Promise<string> {
  const w = await ensureWallet();
  if (same(signedIn, w.address)) return signedIn!;
  const session = hinted(w.address) ? await currentSession() : null;
  if (session && same(session.address, w.address)) {
    signedIn = session.address;
  } else {
    const fresh = await signIn(w);
    remember(fresh.address, fresh.expires_at);
    signedIn = fresh.address;
    reopen(); // the notification stream is keyed on the session
  }
  changed();
  return signedIn;
}

/** On load: reconnect the wallet used last time, if it still shares its account without a
 * prompt (eth_accounts), and pick up the API's session, if any. */
export async function restoreSession(): Promise<void> {
  const remembered = localStorage.getItem(REMEMBER);
  if (!remembered) return;
  try {
    const choice = (await discoverWallets()).find((w) => w.info.rdns === remembered);
    const accounts = (await choice?.provider.request({ method: "eth_accounts" })) as string[] | undefined;
    if (!accounts?.length) return;
    const w = await ensureWallet();
    const session = hinted(w.address) ? await currentSession() : null;
    if (session && same(session.address, w.address)) signedIn = session.address;
    changed();
  } catch {
    /* no wallet now, or no session: the page asks when it needs one */
  }
}
