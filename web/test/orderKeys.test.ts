// Per-order keys: the SDK's seeds, secrets, points and addresses (web/test/vectors/order_keys.json).
import { describe, expect, test } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import { deriveOrderKey, findOrderKey, findOrderKeys, orderSecret, seedFromSignature, seedFromWallet, seedMessage } from "../src/lib/orderKeys";
import v from "./vectors/order_keys.json";

describe("per-order keys match the SDK", () => {
  test("the seed message is the SDK's text, escrow in EIP-55", () => {
    expect(seedMessage(v.chain_id, v.escrow)).toBe(v.message);
    expect(seedMessage(1, "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512")).toBe(v.other_chain_message);
  });

  test("a wallet signs the seed message as eth-account does (RFC 6979) and gives the SDK's seed", async () => {
    const account = privateKeyToAccount(v.private_key as `0x${string}`);
    expect(account.address).toBe(v.account);
    expect(await account.signMessage({ message: v.message })).toBe(v.signature);
    const wallet = { signMessage: ({ message }: { message: string }) => account.signMessage({ message }) };
    expect(await seedFromWallet(wallet, account.address, v.chain_id, v.escrow as `0x${string}`)).toBe(v.seed);
    expect(seedFromSignature(v.signature as `0x${string}`)).toBe(v.seed);
  });

  test("a recovery id of 0/1 gives the same seed as 27/28", () => {
    for (const r of v.recovery_ids) expect(seedFromSignature(r.signature as `0x${string}`)).toBe(r.seed);
    expect(v.recovery_ids[0].seed).toBe(v.recovery_ids[2].seed);
  });

  test("order key j: secret, public key and address (the order id)", () => {
    for (const k of v.keys) {
      const key = deriveOrderKey(v.seed as `0x${string}`, k.index);
      expect(key.secret).toBe(BigInt(k.secret));
      expect(key.publicKey).toEqual({ x: BigInt(k.x), y: BigInt(k.y) });
      expect(key.address).toBe(k.address);
      expect(key.orderId).toBe(BigInt(k.address));
      expect(orderSecret(v.seed as `0x${string}`, BigInt(k.index))).toBe(BigInt(k.secret));
    }
  });

  test("a device finds an order's key by scanning indices; a stranger's address finds none", () => {
    const seed = v.seed as `0x${string}`;
    expect(findOrderKey(seed, v.find.address)?.index).toBe(v.find.index);
    expect(findOrderKey(seed, BigInt(v.find.address))?.index).toBe(v.find.index);
    expect(findOrderKey(seed, v.account, 50)).toBeNull();
  });

  test("a negative index or an empty signature is refused", () => {
    expect(() => orderSecret(v.seed as `0x${string}`, -1)).toThrow(RangeError);
    expect(() => seedFromSignature("0x")).toThrow(RangeError);
  });
});

describe("many orders at once", () => {
  test("one scan finds each order's key; a stranger's id is absent", () => {
    const seed = v.seed as `0x${string}`;
    const ids = v.keys.slice(0, 5).map((k) => BigInt(k.address));
    const found = findOrderKeys(seed, [...ids, BigInt(v.account)], 100);
    expect([...found.keys()].sort()).toEqual([...ids].sort());
    for (const k of v.keys.slice(0, 5)) expect(found.get(BigInt(k.address))?.index).toBe(k.index);
  });
});
