// Wallets: discovered by EIP-6963 (mipd), with window.ethereum as the fallback for wallets that
// do not announce themselves. A connected Wallet signs with the wallet and reads the chain
// through the wallet's own EIP-1193 provider (or the deployment's RPC URL): no third-party RPC.
import { createStore, type EIP6963ProviderDetail, type Store } from "mipd";
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  getAddress,
  http,
  numberToHex,
  type Address,
  type Chain,
  type EIP1193Provider,
  type PublicClient,
  type WalletClient,
} from "viem";
import { LibError } from "./errors";

/** A wallet the page may connect: what EIP-6963 announces (name, icon, rdns) and its provider. */
export type WalletChoice = EIP6963ProviderDetail<EIP1193Provider>;

/** A connected wallet: its account and chain, a client that signs, one that reads. */
export interface Wallet {
  address: Address;
  chainId: number;
  provider: EIP1193Provider;
  chain: Chain;
  walletClient: WalletClient;
  publicClient: PublicClient;
  /** Asks the wallet to switch to `chainId` (adding it with `rpcUrl` when it does not know it). */
  switchChain(chainId: number, rpcUrl?: string | null): Promise<void>;
  /** Calls `cb` when the wallet's account or chain changes; returns the function that stops it. */
  onChange(cb: (w: Wallet) => void): () => void;
}

/** The rdns the window.ethereum fallback is listed under. */
export const INJECTED_RDNS = "injected";
const INJECTED_ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 20 20'%3E%3Crect width='20' height='20' rx='4' fill='%23888'/%3E%3C/svg%3E" as const;

let store: Store | null = null;

function injected(): EIP1193Provider | undefined {
  return typeof window === "undefined" ? undefined : (window as unknown as { ethereum?: EIP1193Provider }).ethereum;
}

/** The wallets this page can use: every EIP-6963 announcement heard within `waitMs`, else
 * window.ethereum (listed as "Browser wallet", rdns "injected"), else none. */
export async function discoverWallets(waitMs = 200): Promise<WalletChoice[]> {
  store ??= createStore();
  if (store.getProviders().length === 0) {
    await new Promise((resolve) => setTimeout(resolve, waitMs)); // announcements answer our request
  }
  const found = [...store.getProviders()] as WalletChoice[];
  if (found.length) return found;
  const fallback = injected();
  if (!fallback) return [];
  return [{ info: { uuid: INJECTED_RDNS, name: "Browser wallet", icon: INJECTED_ICON, rdns: INJECTED_RDNS }, provider: fallback }];
}

/** Calls `cb` with every wallet list as wallets announce themselves; returns the unsubscribe. */
export function watchWallets(cb: (wallets: WalletChoice[]) => void): () => void {
  store ??= createStore();
  return store.subscribe((details) => cb([...details] as WalletChoice[]), { emitImmediately: true });
}

/** A viem chain for a chain id (the wallet's, or the one the API names with its RPC URL). */
export function chainOf(chainId: number, rpcUrl?: string | null): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? "Anvil" : `Chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrl ? [rpcUrl] : [] } },
  });
}

function isProvider(x: unknown): x is EIP1193Provider {
  return !!x && typeof (x as EIP1193Provider).request === "function";
}

/** Connects a wallet: an announced choice, a bare EIP-1193 provider, or (none given)
 * window.ethereum. Asks for its accounts (the wallet may prompt). `rpcUrl`, when given, is what
 * the public client reads through instead of the wallet. */
export async function connect(choice?: WalletChoice | EIP1193Provider | null, options: { rpcUrl?: string | null } = {}): Promise<Wallet> {
  const provider = isProvider(choice) ? choice : (choice?.provider ?? injected());
  if (!provider) throw new LibError("wallet.none");
  const accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
  if (!accounts?.length) throw new LibError("wallet.noAccount");
  const chainHex = (await provider.request({ method: "eth_chainId" })) as string;
  const listeners = new Set<(w: Wallet) => void>();

  const build = (address: Address, chainId: number) => {
    const chain = chainOf(chainId, options.rpcUrl);
    wallet.address = address;
    wallet.chainId = chainId;
    wallet.chain = chain;
    wallet.walletClient = createWalletClient({ account: address, chain, transport: custom(provider) });
    wallet.publicClient = createPublicClient({
      chain,
      transport: options.rpcUrl ? http(options.rpcUrl) : custom(provider),
    }) as PublicClient;
  };

  const wallet = {
    provider,
    async switchChain(chainId: number, rpcUrl?: string | null) {
      if (wallet.chainId === chainId) return;
      try {
        await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: numberToHex(chainId) }] });
      } catch (err) {
        if ((err as { code?: number })?.code !== 4902) throw err; // 4902: the wallet does not know it
        const url = rpcUrl ?? options.rpcUrl;
        if (!url) throw new LibError("wallet.unknownChain", { want: chainId });
        await provider.request({
          method: "wallet_addEthereumChain",
          params: [{ chainId: numberToHex(chainId), chainName: chainOf(chainId).name, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: [url] }],
        });
      }
      build(wallet.address, Number(await provider.request({ method: "eth_chainId" })));
      listeners.forEach((cb) => cb(wallet));
    },
    onChange(cb: (w: Wallet) => void) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  } as unknown as Wallet;
  build(getAddress(accounts[0]), Number(chainHex));

  provider.on?.("accountsChanged", (next: string[]) => {
    if (!next.length) return;
    build(getAddress(next[0]), wallet.chainId);
    listeners.forEach((cb) => cb(wallet));
  });
  provider.on?.("chainChanged", (id: string) => {
    build(wallet.address, Number(id));
    listeners.forEach((cb) => cb(wallet));
  });
  return wallet;
}

/** Makes sure the wallet is on the marketplace's chain before it signs a transaction there. */
export async function ensureChain(wallet: Wallet, chainId: number, rpcUrl?: string | null): Promise<void> {
  if (wallet.chainId !== chainId) await wallet.switchChain(chainId, rpcUrl);
  if (wallet.chainId !== chainId) throw new LibError("wallet.wrongChain", { have: wallet.chainId, want: chainId });
}

/** A read-only client without a wallet (browsing), when the deployment names an RPC URL. */
export function readClient(chainId: number, rpcUrl: string): PublicClient {
  return createPublicClient({ chain: chainOf(chainId, rpcUrl), transport: http(rpcUrl) }) as PublicClient;
}
