// The API client (lib/api.ts) with a stand-in fetch: problems become ApiError with their members,
// bodies and queries are sent as the routes read them, the bearer token rides along, uploads are
// multipart. (The real API is exercised by test/live/vote.*.test.ts.)
import { afterEach, describe, expect, test, vi } from "vitest";
import { ApiError, apiGet, apiPost, apiPut, apiUpload, setApiBase, setBearer, signInMessage } from "../src/lib/api";
import { LibError } from "../src/lib/errors";

type Seen = { url: string; init: RequestInit };

function serve(status: number, body: string, contentType = "application/problem+json"): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return new Response(status === 204 ? null : body, { status, headers: { "content-type": contentType } });
  });
  return seen;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setBearer(null);
  setApiBase("");
});

describe("the API client", () => {
  test("a problem answer is an ApiError with its type, title, detail and extra members", async () => {
    serve(409, JSON.stringify({ type: "https://fairkey.dev/problems/another-commit", title: "another commit", status: 409, detail: "seat 2 already holds one", error: "X" }));
    const err = await apiPost("/votes/commits", { a: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.kind, err.title, err.detail, err.problem.error]).toEqual([409, "another-commit", "another commit", "seat 2 already holds one", "X"]);
  });

  test("a non-JSON error and a dead server are ApiErrors too", async () => {
    serve(502, "<html>bad gateway</html>", "text/html");
    expect(await apiGet("/listings").catch((e) => e.status)).toBe(502);
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("fetch failed");
    });
    const down = await apiGet("/listings").catch((e) => e);
    expect([down instanceof ApiError, down.status, down.type]).toEqual([true, 0, "network"]);
  });

  test("queries, JSON bodies (bigints as strings), the base URL and the bearer token", async () => {
    const seen = serve(200, JSON.stringify({ ok: true }), "application/json");
    setApiBase("http://127.0.0.1:8800/");
    setBearer("tok");
    expect(await apiGet("/listings", { sort: "price", cursor: undefined, token: null, limit: 20 })).toEqual({ ok: true });
    await apiPut("/listings/1/metadata", { price: 10n ** 20n });
    expect(seen[0].url).toBe("http://127.0.0.1:8800/listings?sort=price&limit=20");
    expect((seen[0].init.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    expect([seen[1].init.method, seen[1].init.body]).toEqual(["PUT", '{"price":"100000000000000000000"}']);
  });

  test("an upload is multipart with the file under `file`", async () => {
    const seen = serve(201, JSON.stringify({ content_hash: "0x" }), "application/json");
    await apiUpload("/cases/1/evidence", new Blob(["hello"], { type: "text/plain" }), { filename: "note.txt" });
    const form = seen[0].init.body as FormData;
    const file = form.get("file") as File;
    expect([file.name, await file.text()]).toEqual(["note.txt", "hello"]);
  });

  test("a sign-in message names this page's site and the API's chain, never another site", () => {
    const nonce = { nonce: "abcdef123456", issued_at: 0, expires_at: 0, domain: "localhost:8800", uri: "http://localhost:8800", chain_id: 31337, version: "1" as const };
    const me = { address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as const };
    const text = signInMessage(me, nonce, { domain: "localhost:8800", uri: "http://localhost:8800" }, new Date("2026-11-01T12:00:00Z"));
    expect(text.split("\n").slice(0, 2)).toEqual(["localhost:8800 wants you to sign in with your Ethereum account:", me.address]);
    expect(text).toContain("Chain ID: 31337");
    expect(text).toContain("Nonce: abcdef123456");
    expect(text).toContain("Expiration Time: 2026-11-01T12:10:00.000Z");
    expect(() => signInMessage(me, nonce, { domain: "evil.example", uri: "https://evil.example" })).toThrow(LibError);
  });
});
