// A tiny router over the page's path: /app/listings/7?sort=price → the page registered for
// "/listings/:id". The API serves index.html for every path under /app/ (api/web.py), so any
// address can be opened, bookmarked or sent to another device. Same-origin links under /app/
// are followed without reloading. Each render gets an AbortSignal that fires when the page is
// left (or re-rendered after a language switch): pages close their streams and drop late answers.

export interface PageContext {
  params: Record<string, string>;
  query: URLSearchParams;
  signal: AbortSignal;
}
export type Page = (ctx: PageContext) => Node | Promise<Node>;

interface Route {
  regex: RegExp;
  names: string[];
  page: Page;
}

const BASE = import.meta.env.BASE_URL.replace(/\/$/, ""); // "/app"
const routes: Route[] = [];
let outlet: HTMLElement | null = null;
let current: AbortController | null = null;
let onError: (err: unknown) => Node = (err) => document.createTextNode(String(err));
const listeners: Array<(path: string) => void> = [];

export function route(pattern: string, page: Page): void {
  const names: string[] = [];
  const source = pattern.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  routes.push({ regex: new RegExp(`^${source}/?$`), names, page });
}

/** The dApp path ("/orders/0x…") and query of the page's address. */
export function location(): { path: string; query: URLSearchParams } {
  const { pathname, search } = window.location;
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  return { path: path || "/", query: new URLSearchParams(search) };
}

/** The address of a dApp path, for links: href("/listings", {sort: "price_asc"}). */
export function href(path: string, query?: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `${BASE}${path}${s ? `?${s}` : ""}`;
}

export function navigate(path: string, query?: Record<string, string | number | undefined>, replace = false): void {
  const target = href(path, query);
  if (replace) history.replaceState(null, "", target);
  else if (target !== window.location.pathname + window.location.search) history.pushState(null, "", target);
  void render();
}

export function onNavigate(fn: (path: string) => void): void {
  listeners.push(fn);
}

/** Renders the current route into the outlet; on every navigation and language switch. */
export async function render(): Promise<void> {
  if (!outlet) return;
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const { path, query } = location();
  listeners.forEach((fn) => fn(path));
  let found: { r: Route; m: RegExpExecArray } | null = null;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (m) {
      found = { r, m };
      break;
    }
  }
  if (!found) {
    navigate("/listings", undefined, true);
    return;
  }
  const params: Record<string, string> = {};
  found.r.names.forEach((name, i) => (params[name] = decodeURIComponent(found!.m[i + 1])));
  const target = outlet;
  let node: Node;
  try {
    node = await found.r.page({ params, query, signal: controller.signal });
  } catch (err) {
    node = onError(err);
  }
  if (!controller.signal.aborted) {
    target.replaceChildren(node);
    window.scrollTo?.(0, 0);
  }
}

function followLinks(ev: MouseEvent): void {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = (ev.target as Element | null)?.closest?.("a");
  if (!a || a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || !(url.pathname === BASE || url.pathname.startsWith(`${BASE}/`))) return;
  if (url.pathname.startsWith(`${BASE}/assets/`)) return;
  ev.preventDefault();
  history.pushState(null, "", url.pathname + url.search);
  void render();
}

export function start(into: HTMLElement, errorView: (err: unknown) => Node): void {
  outlet = into;
  onError = errorView;
  window.addEventListener("popstate", () => void render());
  document.addEventListener("click", followLinks);
  void render();
}
