// My orders (as a buyer): every order with its status, what it waits for and until when, kept
// live by the notification stream, so nobody refreshes a page to learn what happened.
import { apiGet } from "../lib/api";
import { t } from "../lib/i18n";
import type { OrderSummary as Order, Page } from "../ui/apiTypes";
import { statusBadge } from "../ui/components/status";
import { failure, loading } from "../ui/components/loading";
import { h, replace } from "../ui/dom";
import { amount, shortAddress, when } from "../ui/fmt";
import { subscribe } from "../ui/live";
import { href, navigate, type PageContext } from "../ui/router";
import { ensureSignedIn } from "../ui/session";
import { tokenMeta } from "../ui/tokens";

export function orderRow(o: Order, counterpart: "merchant" | "buyer"): HTMLElement {
  const token = tokenMeta(o.token);
  const other = counterpart === "merchant" ? o.merchant : o.buyer;
  return h(
    "tr",
    { testid: `order-${o.order_id.toLowerCase()}`, "data-status": o.status },
    h("td", null, h("a", { href: href(`/orders/${o.order_id}`), class: "mono", testid: "order-link" }, shortAddress(o.order_id)), o.basket_id ? h("span", { class: "badge small", title: o.basket_id }, t("order.basket")) : null),
    h("td", null, h("a", { href: href(`/listings/${o.listing_id}`) }, `#${o.listing_id}`)),
    h("td", { class: "num" }, amount(o.price, token.symbol, token.decimals)),
    h("td", null, statusBadge(o.status)),
    h("td", { class: "small" }, o.deadline ? when(o.deadline) : "—"),
    h("td", { class: "mono small" }, shortAddress(other)),
    h("td", { class: "small" }, when(o.paid_time)),
  );
}

export function ordersTable(orders: Order[], counterpart: "merchant" | "buyer", testid: string): HTMLElement {
  if (!orders.length) return h("p", { class: "empty", testid: `${testid}-empty` }, t("orders.none"));
  return h(
    "table",
    { testid },
    h(
      "tr",
      null,
      [t("order.id"), t("order.listing"), t("order.price"), t("order.status"), t("order.deadline"), t(`order.${counterpart}`), t("order.paid")].map((c) => h("th", null, c)),
    ),
    orders.map((o) => orderRow(o, counterpart)),
  );
}

export async function ordersPage(ctx: PageContext): Promise<Node> {
  const phase = ctx.query.get("state") ?? "";
  const box = h("div", { testid: "my-orders" }, loading());
  const draw = async () => {
    try {
      await ensureSignedIn();
      const page = await apiGet<Page<Order>>("/me/orders", { role: "buyer", state: phase || undefined, limit: 100 });
      if (!ctx.signal.aborted) replace(box, ordersTable(page.items, "merchant", "orders-table"));
    } catch (err) {
      replace(box, failure(err));
    }
  };
  try {
    await ensureSignedIn();
    await subscribe(() => void draw(), ctx.signal); // any event about my orders: redraw the list
  } catch {
    /* draw() says why */
  }
  await draw();
  const filter = h(
    "select",
    { testid: "orders-filter", "aria-label": t("orders.filter") },
    ["", "open", "final"].map((p) => h("option", { value: p, selected: p === phase }, t(`orders.phase.${p || "all"}`))),
  );
  filter.addEventListener("change", () => navigate("/orders", { state: filter.value || undefined }));
  return h(
    "section",
    { testid: "page-orders" },
    h("div", { class: "row between" }, h("h1", null, t("orders.title")), filter),
    h("p", { class: "muted" }, t("orders.lead")),
    box,
  );
}
