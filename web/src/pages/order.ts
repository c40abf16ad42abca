// One order: what it waits for and until when (in words, not a status label), the key opened
// and checked in this browser, exactly the after-sales actions the API offers the caller now
// (the key sent, sealed, to the listing's verifier among them), and the truthful timeline from
// the chain. Live: every event about it redraws the page.
import { apiGet, ApiError } from "../lib/api";
import { t } from "../lib/i18n";
import type { Order, OrderActions } from "../ui/apiTypes";
import { actionsPanel } from "../ui/components/orderActions";
import { keyPanel } from "../ui/components/keyPanel";
import { failure } from "../ui/components/loading";
import { statusBadge } from "../ui/components/status";
import { timeline } from "../ui/components/timeline";
import { h, replace } from "../ui/dom";
import { amount, label, shortAddress, until, when } from "../ui/fmt";
import { subscribe } from "../ui/live";
import { hasSeed } from "../ui/orderSeed";
import { href, type PageContext } from "../ui/router";
import { currentWallet, ensureCtx, ensureSignedIn, signedInAs } from "../ui/session";
import { tokenMeta } from "../ui/tokens";
import { kv } from "./profile";
import { deliverFromBrowser } from "../ui/vaultDelivery";
import { verifierAnswer, verifyKey } from "../ui/verifyKey";
import { parseOrderRef } from "../lib/format";
import { LibError } from "../lib/errors";

const INDEX_RETRY_MS = 1500;
const INDEX_RETRIES = 40; // a fresh payment appears once the indexer ingested its block

const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

function nextStep(o: Order, now: number): HTMLElement {
  const deadline = o.deadline ? { when: when(o.deadline), left: until(o.deadline, now) } : { when: "—", left: "" };
  const key = `next.${o.status}`;
  const text = t(key, deadline);
  return h("div", { class: "notice", testid: "order-next" }, text === key ? label("status", o.status) : text);
}

export async function orderPage(ctx: PageContext): Promise<Node> {
  const id = ctx.params.id;
  const head = h("div", { class: "row between" });
  const next = h("div");
  const keySlot = h("div");
  const verifySlot = h("div"); // the verifier's answer stays through redraws
  const actionsSlot = h("div");
  const details = h("div", { class: "panel" });
  const history = h("div", { class: "panel" });
  let key: ReturnType<typeof keyPanel> | null = null;
  let retries = 0;
  let generation = 0; // live events can start a redraw while one is loading: the newest wins

  let following = false;
  // Live once signed in: at load, or after the sign-in button (the stream needs the session).
  const follow = async (): Promise<void> => {
    if (following || !signedInAs()) return;
    following = true;
    await subscribe((n) => {
      if (n.what === "reorg" || same(n.order_id, id)) void draw();
    }, ctx.signal);
  };

  const draw = async (): Promise<void> => {
    const mine = ++generation;
    const stale = () => mine !== generation || ctx.signal.aborted;
    let o: Order;
    try {
      o = await apiGet<Order>(`/orders/${id}`);
      if (stale()) return;
    } catch (err) {
      if (stale()) return;
      if (err instanceof ApiError && err.status === 404 && retries++ < INDEX_RETRIES && !ctx.signal.aborted) {
        replace(next, h("div", { class: "notice wait", testid: "order-indexing" }, t("order.indexing")));
        window.setTimeout(() => void draw(), INDEX_RETRY_MS);
        return;
      }
      replace(next, failure(err));
      return;
    }
    const token = tokenMeta(o.token);
    const now = Math.floor(Date.now() / 1000);
    replace(head, h("h1", null, t("order.title"), " ", h("span", { class: "mono small", testid: "order-id" }, o.order_id)), statusBadge(o.status));
    replace(
      details,
      kv([
        [t("order.listing"), h("a", { href: href(`/listings/${o.listing_id}`) }, `#${o.listing_id}`)],
        [t("order.price"), amount(o.price, token.symbol, token.decimals)],
        [t("order.merchant"), h("a", { href: href(`/merchants/${o.merchant}`), class: "mono" }, shortAddress(o.merchant))],
        [t("order.buyer"), h("span", { class: "mono" }, shortAddress(o.buyer))],
        [t("order.paid"), when(o.paid_time)],
        [t("order.deliveries"), String(o.deliveries)],
        ...(o.basket_id ? [[t("order.basket"), h("span", { class: "mono" }, shortAddress(o.basket_id))] as [string, Node]] : []),
        ...(o.dispute_reason ? [[t("order.reason"), label("reason", o.dispute_reason)] as [string, string]] : []),
        ...(o.cause ? [[t("order.cause"), label("cause", o.cause)] as [string, string]] : []),
        ...(o.tier ? [[t("order.tier"), t(`tier.L${o.tier}`)] as [string, string]] : []),
        ...(o.case ? [[t("order.case"), h("a", { href: href(`/cases/${o.case.case_id}`), testid: "order-case" }, `#${o.case.case_id}`)] as [string, Node]] : []),
      ]),
    );
    replace(history, h("h2", null, t("order.timeline")), timeline(o.timeline));

    const me = signedInAs();
    if (!me) {
      replace(next, nextStep(o, now));
      replace(actionsSlot, h("div", { class: "panel" }, h("p", null, t("order.signInForActions")), h("button", { class: "primary", testid: "order-sign-in", on: { click: () => void ensureSignedIn().then(follow).then(draw) } }, t("wallet.signIn"))));
      return;
    }
    let actions: OrderActions | null = null;
    let actionsFailed: unknown = null;
    try {
      actions = await apiGet<OrderActions>(`/orders/${id}/actions`);
    } catch (err) {
      actionsFailed = err;
    }
    if (stale()) return;
    if (actionsFailed) replace(actionsSlot, failure(actionsFailed));
    replace(next, nextStep(o, actions?.chain_time ?? now));
    const buyer = same(me, o.buyer);
    if (buyer && o.deliveries > 0) {
      key ??= keyPanel(id, () => void draw());
      replace(keySlot, key.el);
      const wallet = currentWallet();
      if (wallet && hasSeed(await ensureCtx()) && !key.el.querySelector('[data-testid="key-check"]')) void key.open();
    } else replace(keySlot);
    if (actions) {
      replace(
        actionsSlot,
        actionsPanel(
          actions,
          {
            vault: async (a) => deliverFromBrowser(await ensureCtx(), parseOrderRef(id), o.listing_id, a.kind === "replace"),
            verify: async () => {
              const v = await key?.open(); // the key as read in this browser, sealed to the verifier
              if (!v || v.check.key === null) throw new LibError("verify.noKey");
              replace(verifySlot, verifierAnswer(await verifyKey(await ensureCtx(), id, v.check.key)));
            },
            prove: async () => {
              const v = await key?.open(); // files the proof by itself when the check fails
              if (v && v.kind !== "prove") throw new Error(t("delivery.noFault"));
            },
          },
          () => void draw(),
          (evidenceHash) => apiGet<OrderActions>(`/orders/${id}/actions`, { evidence_hash: evidenceHash }),
        ),
      );
    }
  };

  const page = h(
    "section",
    { testid: "page-order", "data-order": id },
    head,
    next,
    h("div", { class: "cols" }, h("div", null, keySlot, actionsSlot, verifySlot), h("div", null, details, history)),
  );
  if (currentWallet()) {
    try {
      await ensureSignedIn();
    } catch {
      /* the actions panel offers sign-in */
    }
  }
  await follow();
  await draw();
  return page;
}
