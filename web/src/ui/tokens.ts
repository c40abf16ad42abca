// A token's symbol and decimals for display: ETH for the zero address, else what the listing's
// answer says, else what the deployment lists (read once at start: `loadTokens`).
import { deployment, type TokenInfo } from "../lib/deployment";

const ZERO = "0x0000000000000000000000000000000000000000";
let known: TokenInfo[] = [];

export interface TokenMeta {
  address: string;
  symbol: string;
  decimals: number;
  native: boolean;
}

export function isNative(token: string): boolean {
  return token.toLowerCase() === ZERO;
}

/** Remembers the deployment's tokens (a page that renders before it answers shows addresses). */
export async function loadTokens(): Promise<TokenInfo[]> {
  known = (await deployment()).tokens;
  return known;
}

export function knownTokens(): TokenInfo[] {
  return known;
}

/** A token as the API names it (an address, or {address, symbol, decimals}). */
export function tokenMeta(token: string | { address: string; symbol: string | null; decimals: number | null }): TokenMeta {
  const address = typeof token === "string" ? token : token.address;
  if (isNative(address)) return { address: ZERO, symbol: "ETH", decimals: 18, native: true };
  const listed = known.find((x) => x.address.toLowerCase() === address.toLowerCase());
  const given = typeof token === "string" ? null : token;
  return {
    address,
    symbol: given?.symbol ?? listed?.symbol ?? `${address.slice(0, 6)}…`,
    decimals: given?.decimals ?? listed?.decimals ?? 18,
    native: false,
  };
}
