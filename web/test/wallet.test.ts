// Wallet discovery and connection (lib/wallet.ts) with stand-in wallets: EIP-6963 announcements
// heard through mipd, window.ethereum as the fallback, and a chain switch that adds the chain
// when the wallet does not know it (error 4902).
import { afterEach, describe, expect, test, vi } from "vitest";
import type { EIP1193Provider } from "viem";

const ACCOUNT = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";

function fakeProvider(chainId = 1, known: number[] = [1]) {
  const calls: Array<{ method: string; params?: unknown }> = [];
  let chain = chainId;
  const provider = {
    request: async ({ method, params }: { method: string; params?: unknown }) => {
      calls.push({ method, params });
      if (method === "eth_requestAccounts") return [ACCOUNT];
      if (method === "eth_chainId") return `0x${chain.toString(16)}`;
      if (method === "wallet_switchEthereumChain") {
        const want = Number((params as Array<{ chainId: string }>)[0].chainId);
        if (!known.includes(want)) throw Object.assign(new Error("unknown chain"), { code: 4902 });
        chain = want;
        return null;
      }
      if (method === "wallet_addEthereumChain") {
        const want = Number((params as Array<{ chainId: string }>)[0].chainId);
        known.push(want);
        chain = want;
        return null;
      }
      throw new Error(`unexpected ${method}`);
    },
    on: () => undefined,
    removeListener: () => undefined,
  };
  return { provider: provider as unknown as EIP1193Provider, calls };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe("wallets", () => {
  test("a wallet announcing itself by EIP-6963 is discovered", async () => {
    const target = new EventTarget();
    const { provider } = fakeProvider();
    const info = { uuid: "3b6fd7c1-0b0a-4c5e-9a7e-1e2f3a4b5c6d", name: "Test Wallet", icon: "data:image/svg+xml,<svg/>", rdns: "dev.fairkey.test" };
    target.addEventListener("eip6963:requestProvider", () => {
      target.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
    });
    vi.stubGlobal("window", target);
    const { discoverWallets } = await import("../src/lib/wallet");
    const found = await discoverWallets(20);
    expect(found.map((w) => w.info.rdns)).toEqual(["dev.fairkey.test"]);
    expect(found[0].provider).toBe(provider);
  });

  test("without announcements, window.ethereum is offered; without it, nothing", async () => {
    const target = Object.assign(new EventTarget(), { ethereum: fakeProvider().provider });
    vi.stubGlobal("window", target);
    const { discoverWallets, INJECTED_RDNS } = await import("../src/lib/wallet");
    expect((await discoverWallets(10)).map((w) => w.info.rdns)).toEqual([INJECTED_RDNS]);
    delete (target as { ethereum?: unknown }).ethereum;
    expect(await discoverWallets(10)).toEqual([]);
  });

  test("connect asks for the account and chain; switching to an unknown chain adds it with the RPC URL", async () => {
    const { connect, ensureChain } = await import("../src/lib/wallet");
    const { provider, calls } = fakeProvider(1, [1]);
    const wallet = await connect(provider, { rpcUrl: null });
    expect(wallet.address).toBe("0x90F79bf6EB2c4f870365E785982E1f101E93b906");
    expect(wallet.chainId).toBe(1);
    const changes: number[] = [];
    wallet.onChange((w) => changes.push(w.chainId));
    await ensureChain(wallet, 31337, "http://127.0.0.1:8545");
    expect(wallet.chainId).toBe(31337);
    expect(wallet.walletClient.chain?.id).toBe(31337);
    expect(changes).toEqual([31337]);
    expect(calls.map((c) => c.method)).toEqual(["eth_requestAccounts", "eth_chainId", "wallet_switchEthereumChain", "wallet_addEthereumChain", "eth_chainId"]);
  });

  test("an unknown chain and no RPC URL to add it is refused with a sentence", async () => {
    const { connect, ensureChain } = await import("../src/lib/wallet");
    const { LibError } = await import("../src/lib/errors");
    const wallet = await connect(fakeProvider(1, [1]).provider);
    await expect(ensureChain(wallet, 5, null)).rejects.toBeInstanceOf(LibError);
  });

  test("no wallet at all is said so", async () => {
    vi.stubGlobal("window", new EventTarget());
    const { connect } = await import("../src/lib/wallet");
    await expect(connect()).rejects.toMatchObject({ key: "wallet.none" });
  });
});
