// Where the marketplace is: GET /deployment (api/config_route.py: chain id, escrow and court with
// their deployment blocks, tokens, verifier URLs, the API's public URL; an RPC URL when the API
// names one). Read once per page load; nothing comes from a CDN.
import { getAddress, zeroAddress, type Address } from "viem";
import { apiGet } from "./api";
import { LibError } from "./errors";

/** A token the marketplace prices in; ETH is the zero address. */
export interface TokenInfo {
  address: Address;
  symbol: string;
  decimals: number;
}

/** The deployment the dApp talks to. */
export interface Deployment {
  chainId: number;
  escrow: Address;
  court: Address | null;
  tokens: TokenInfo[];
  rpcUrl: string | null;
  /** The escrow's deployment block: where scans of its events start. */
  block: bigint;
  /** The court's first block. */
  courtBlock: bigint;
  /** Listing verifier → the URL it takes keys at. */
  verifiers: Record<string, string>;
  /** The API's origin (sign-in messages name it). */
  publicUrl: string | null;
}

/** ETH as the escrow names it (address(0)). */
export const ETH: TokenInfo = { address: zeroAddress, symbol: "ETH", decimals: 18 };

type Raw = Record<string, unknown>;

function address(value: unknown): Address | null {
  return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) && BigInt(value) !== 0n ? getAddress(value) : null;
}

/** A token known only by its address: shown by it, in whole units (no decimals guessed). */
function unknownToken(a: Address): TokenInfo {
  return { address: a, symbol: `${a.slice(0, 6)}…`, decimals: 0 };
}

function token(value: unknown): TokenInfo | null {
  if (typeof value === "string") {
    const a = address(value);
    return a ? unknownToken(a) : null;
  }
  if (!value || typeof value !== "object") return null;
  const raw = value as Raw;
  const a = address(raw.address);
  if (!a) return null;
  const unknown = unknownToken(a); // a contract without symbol() or decimals()
  return { address: a, symbol: typeof raw.symbol === "string" ? raw.symbol : unknown.symbol, decimals: raw.decimals == null ? 0 : Number(raw.decimals) };
}

/** The API's answer in the dApp's shape (snake_case or camelCase members both accepted). */
export function parseDeployment(raw: Raw): Deployment {
  const escrow = address(raw.escrow);
  const chainId = Number(raw.chain_id ?? raw.chainId);
  if (!escrow || !Number.isSafeInteger(chainId)) throw new LibError("error.noDeployment");
  const listed = Array.isArray(raw.tokens) ? raw.tokens : [raw.demo_token ?? raw.token].filter(Boolean);
  const tokens = [ETH, ...listed.map(token).filter((x): x is TokenInfo => x !== null && x.address !== zeroAddress)];
  const rpc = raw.rpc_url ?? raw.rpcUrl;
  return {
    chainId,
    escrow,
    court: address(raw.court ?? raw.arbitrator),
    tokens,
    rpcUrl: typeof rpc === "string" && rpc ? rpc : null,
    block: BigInt(Number(raw.escrow_block ?? raw.block ?? 0)),
    courtBlock: BigInt(Number(raw.court_block ?? 0)),
    verifiers: raw.verifiers && typeof raw.verifiers === "object" ? (raw.verifiers as Record<string, string>) : {},
    publicUrl: typeof raw.public_url === "string" ? raw.public_url : null,
  };
}

let cached: Promise<Deployment> | null = null;

/** GET /deployment, once per page (a failed read is retried on the next call). */
export function deployment(): Promise<Deployment> {
  cached ??= apiGet<Raw>("/deployment")
    .then(parseDeployment)
    .catch((err) => {
      cached = null;
      throw err;
    });
  return cached;
}

/** The token of `address` as the deployment lists it (ETH for the zero address; an unlisted one
 * by its address: lib/escrow.ts readTokenInfo asks the chain). */
export function tokenInfo(dep: Deployment, tokenAddress: string): TokenInfo {
  const a = tokenAddress.toLowerCase();
  if (BigInt(tokenAddress) === 0n) return ETH;
  return dep.tokens.find((x) => x.address.toLowerCase() === a) ?? unknownToken(getAddress(tokenAddress));
}
