// Live status: one EventSource on the API's notification stream (GET /notifications/stream,
// per signed-in address, the session cookie authenticates it), shared by every page. The stream
// says `ready` first; what a page loads after that is never older than what the stream sends
// next, so a page subscribes, awaits `ready`, then loads.

/** One event about my orders or cases (api/notifications/schemas.py Notification). */
export interface Notice {
  id: string;
  kind: "order" | "case";
  what: string; // paid, delivered, disputed, refunded, completed, ruled, drawn, …
  event: string;
  roles: string[];
  order_id?: string | null;
  listing_id?: number | null;
  status?: string | null;
  deadline?: number | null;
  case_id?: number | null;
}

const READY_WAIT_MS = 3000; // a stream that is slow to open must not hold the page
let source: EventSource | null = null;
let ready: Promise<void> = Promise.resolve();
const subscribers = new Set<(n: Notice) => void>();

function dispatch(ev: MessageEvent): void {
  let notice: Notice;
  try {
    notice = JSON.parse(ev.data) as Notice;
  } catch {
    return;
  }
  subscribers.forEach((fn) => fn(notice));
}

function open(): void {
  if (source) return;
  const es = new EventSource("/notifications/stream", { withCredentials: true });
  source = es;
  ready = new Promise<void>((resolve) => {
    es.addEventListener("ready", () => resolve());
    es.addEventListener("error", () => resolve()); // not signed in, or the API is down: go on
    setTimeout(resolve, READY_WAIT_MS);
  });
  es.addEventListener("order", (ev) => dispatch(ev as MessageEvent));
  es.addEventListener("case", (ev) => dispatch(ev as MessageEvent));
  // After a reorg the events that follow again are dispatched too: pages simply reload.
  es.addEventListener("reorg", () => subscribers.forEach((fn) => fn({ id: "", kind: "order", what: "reorg", event: "reorg", roles: [] })));
  // EventSource reconnects by itself (sending Last-Event-ID: nothing is lost); a 401 closes it.
  es.addEventListener("error", () => {
    if (es.readyState === EventSource.CLOSED && source === es) source = null;
  });
}

/** Calls `fn` for each notice until `signal` aborts (the page was left). Resolves once the
 * stream is ready (or could not open): load what the page shows after that. Call it signed in. */
export function subscribe(fn: (n: Notice) => void, signal: AbortSignal): Promise<void> {
  open();
  subscribers.add(fn);
  signal.addEventListener("abort", () => subscribers.delete(fn), { once: true });
  return ready;
}

/** After signing in (as someone else), the stream must be opened with the new session. */
export function reopen(): void {
  source?.close();
  source = null;
  if (subscribers.size) open();
}
