// The fairkey API from the browser: JSON in and out, RFC 9457 problems as ApiError, multipart
// uploads, and Sign-In with Ethereum (api/auth/router.py). The dApp is served by the API itself
// (/app/), so calls go to the same origin and the session is the API's HttpOnly cookie; a
// script (or a test in Node) may ask for a bearer token instead (api/deps.py reads both).
import { createSiweMessage } from "viem/siwe";
import type { Address, Hex, WalletClient } from "viem";
import { LibError } from "./errors";
import { t } from "./i18n";

/** What a route refused with: the problem's members (api/problems.py), plus the whole body. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: Record<string, unknown>) {
    const title = typeof problem.title === "string" ? problem.title : `${t("error.http")} ${status}`;
    const detail = typeof problem.detail === "string" ? problem.detail : "";
    super(detail ? `${title}: ${detail}` : title);
    this.name = "ApiError";
    this.status = status;
    this.type = typeof problem.type === "string" ? problem.type : "about:blank";
    this.title = title;
    this.detail = detail;
    this.problem = problem;
  }

  /** The problem's kind: the last segment of its type URI ("siwe-expired", "not-signed-in"). */
  get kind(): string {
    return this.type.split("/").pop() ?? this.type;
  }
}

/** Query values; undefined and null ones are left out. */
export type Query = Record<string, string | number | bigint | boolean | null | undefined>;

let base = "";
let bearer: string | null = null;

/** Where the API is: "" (the page's own origin, the default) or an origin such as http://127.0.0.1:8800. */
export function setApiBase(url: string): void {
  base = url.replace(/\/+$/, "");
}

/** The API's origin the calls go to ("" = the page's). */
export function apiBase(): string {
  return base;
}

/** Sends `Authorization: Bearer token` with every call (scripts and tests; browsers use the cookie). */
export function setBearer(token: string | null): void {
  bearer = token;
}

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.append(name, String(value));
  }
  const qs = params.toString();
  return `${base}${path}${qs ? `?${qs}` : ""}`;
}

async function call<T>(method: string, path: string, init: { query?: Query; body?: BodyInit; json?: unknown; raw?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json, application/problem+json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.json, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  }
  let response: Response;
  try {
    response = await fetch(url(path, init.query), { method, headers, body, credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(0, {
      type: "network",
      title: t("error.network", { detail: String((err as Error)?.message ?? err) }),
      status: 0,
      detail: `${method} ${path}`,
    });
  }
  if (response.status === 204) return undefined as T;
  if (init.raw && response.ok) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { bytes, contentType: response.headers.get("content-type") ?? "application/octet-stream" } as T;
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const problem =
      parsed && typeof parsed === "object" && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { title: `${t("error.http")} ${response.status}`, detail: text.slice(0, 200) };
    throw new ApiError(response.status, problem);
  }
  return parsed as T;
}

/** GET a JSON answer. */
export function apiGet<T>(path: string, query?: Query): Promise<T> {
  return call<T>("GET", path, { query });
}

/** GET a file: its bytes and content type (errors are problems, as for JSON routes). */
export function apiBytes(path: string, query?: Query): Promise<{ bytes: Uint8Array; contentType: string }> {
  return call("GET", path, { query, raw: true });
}

/** POST a JSON body (none when `body` is undefined). */
export function apiPost<T>(path: string, body?: unknown): Promise<T> {
  return call<T>("POST", path, { json: body });
}

/** PUT a JSON body. */
export function apiPut<T>(path: string, body: unknown): Promise<T> {
  return call<T>("PUT", path, { json: body });
}

/** DELETE; the answer if there is one. */
export function apiDelete<T>(path: string): Promise<T> {
  return call<T>("DELETE", path);
}

/** POST a file as multipart/form-data (field `file` unless named), with extra text fields. */
export function apiUpload<T>(path: string, file: Blob, options: { filename?: string; field?: string; fields?: Record<string, string> } = {}): Promise<T> {
  const form = new FormData();
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
  form.append(options.field ?? "file", file, options.filename ?? (file as File).name ?? "upload");
  return call<T>("POST", path, { body: form });
}

// ---------------------------------------------------------------------------- sign-in

/** POST /auth/nonce's answer (api/auth/schemas.py NonceOut). */
export interface Nonce {
  nonce: string;
  issued_at: number;
  expires_at: number;
  domain: string;
  uri: string;
  chain_id: number;
  version: "1";
}

/** A session (api/auth/schemas.py SessionOut); `token` only for bearer sessions. */
export interface Session {
  address: Address;
  expires_at: number;
  token?: string | null;
}

/** What signIn needs of a wallet: its address and something that signs personal messages. */
export interface Signer {
  address: Address;
  walletClient: Pick<WalletClient, "signMessage">;
}

/** The message's statement: EIP-4361 wants ASCII, so it is English in every language. */
export const SIGNIN_STATEMENT = "Sign in to fairkey";

/** How long a sign-in message is valid (the CLI's MESSAGE_TTL, arbitration/api_client.py). */
export const SIGNIN_TTL_SECONDS = 600;

/** The EIP-4361 message a sign-in asks the wallet to sign: for `site` (this page's host and
 * origin), never a site the server names, and for the API's chain. */
export function signInMessage(signer: { address: Address }, nonce: Nonce, site: { domain: string; uri: string }, now = new Date()): string {
  if (nonce.domain.toLowerCase() !== site.domain.toLowerCase()) {
    throw new LibError("signin.wrongSite", { domain: nonce.domain, here: site.domain });
  }
  return createSiweMessage({
    domain: site.domain,
    address: signer.address,
    statement: SIGNIN_STATEMENT,
    uri: site.uri,
    version: "1",
    chainId: nonce.chain_id,
    nonce: nonce.nonce,
    issuedAt: now,
    expirationTime: new Date(now.getTime() + SIGNIN_TTL_SECONDS * 1000),
  });
}

function pageSite(): { domain: string; uri: string } {
  if (typeof location === "undefined") throw new Error("signIn outside a page needs options.site");
  return { domain: location.host, uri: location.origin };
}

/** Sign-In with Ethereum: a nonce, the message signed by the wallet (personal_sign), then
 * /auth/verify. A browser gets the API's HttpOnly cookie; `session: "bearer"` keeps the token
 * for this module's later calls instead. */
export async function signIn(
  signer: Signer,
  options: { site?: { domain: string; uri: string }; session?: "cookie" | "bearer" } = {},
): Promise<Session> {
  const nonce = await apiPost<Nonce>("/auth/nonce");
  const message = signInMessage(signer, nonce, options.site ?? pageSite());
  const signature: Hex = await signer.walletClient.signMessage({ account: signer.address, message });
  const session = await apiPost<Session>("/auth/verify", { message, signature, session: options.session ?? "cookie" });
  if (session.token) setBearer(session.token);
  return session;
}

/** Who the API thinks is signed in, or null (401). */
export async function currentSession(): Promise<Session | null> {
  try {
    return await apiGet<Session>("/auth/session");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** Ends the session (cookie or bearer). */
export async function signOut(): Promise<void> {
  await apiPost<void>("/auth/logout");
  setBearer(null);
}
