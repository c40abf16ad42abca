// The merchant's business in one place: money to withdraw, the bond in unsold stock, the
// listings and their stock, and the orders that wait on the merchant, with their deadlines
// (a dispute unanswered by its deadline refunds the buyer by rule). Live from the stream.
import type { Address } from "viem";
import { apiGet } from "../../lib/api";
import { creditOf, withdraw } from "../../lib/contracts";
import { t } from "../../lib/i18n";
import type { Listing, OrderSummary, Page } from "../../ui/apiTypes";
import { failure, loading } from "../../ui/components/loading";
import { toast } from "../../ui/components/toast";
import { h, replace } from "../../ui/dom";
import { describeError } from "../../ui/errors";
import { amount, percent } from "../../ui/fmt";
import { subscribe } from "../../ui/live";
import { href, type PageContext } from "../../ui/router";
import { ensureCtx, ensureSignedIn } from "../../ui/session";
import { knownTokens, tokenMeta } from "../../ui/tokens";
import { ordersTable } from "../orders";

const WAITING_ON_MERCHANT = new Set(["Paid", "Disputed", "VerifierRefundPending"]);

export async function merchantHome(ctx: PageContext): Promise<Node> {
  const chain = await ensureCtx();
  const me = chain.wallet.address;
  await ensureSignedIn();

  const money = h("div", { class: "panel", testid: "merchant-balance" }, loading());
  const drawMoney = async () => {
    const pc = chain.wallet.publicClient;
    const rows = await Promise.all(knownTokens().map(async (k) => ({ k, credit: await creditOf(pc, chain.deployment.escrow, k.address, me) })));
    replace(
      money,
      h("h2", null, t("merchant.balance")),
      rows.map(({ k, credit }) => {
        const button = h("button", { testid: `withdraw-${k.symbol}`, disabled: credit === 0n }, t("action.withdraw"));
        button.addEventListener("click", async () => {
          button.disabled = true;
          try {
            await withdraw(await ensureCtx(), k.address as Address);
            toast(t("merchant.withdrawn", { amount: amount(credit, k.symbol, k.decimals) }), "ok");
            await drawMoney();
          } catch (err) {
            toast(describeError(err), "bad");
            button.disabled = false;
          }
        });
        return h("div", { class: "row between" }, h("span", { class: "price", testid: `credit-${k.symbol}` }, amount(credit, k.symbol, k.decimals)), button);
      }),
      h("p", { class: "small muted" }, t("merchant.balanceExplained")),
    );
  };

  const listingsBox = h("div", { testid: "merchant-listings" }, loading());
  const drawListings = async () => {
    const page = await apiGet<Page<Listing>>("/listings", { merchant: me, limit: 100 });
    const bonds = new Map<string, bigint>();
    for (const l of page.items) bonds.set(l.token.address, (bonds.get(l.token.address) ?? 0n) + BigInt(l.bond_per_unit) * BigInt(l.stock));
    replace(
      listingsBox,
      h(
        "div",
        { class: "panel" },
        h("div", { class: "row between" }, h("h2", null, t("merchant.listings")), h("a", { class: "button primary", href: href("/merchant/listings/new"), testid: "new-listing" }, t("merchant.newListing"))),
        page.items.length
          ? h(
              "table",
              null,
              h("tr", null, [t("order.listing"), t("listing.titleField"), t("fig.stock"), t("fig.success7d"), t("fig.afterSales"), ""].map((c) => h("th", null, c))),
              page.items.map((l) =>
                h(
                  "tr",
                  { testid: `merchant-listing-${l.listing_id}` },
                  h("td", null, h("a", { href: href(`/listings/${l.listing_id}`) }, `#${l.listing_id}`)),
                  h("td", null, l.title ?? "—"),
                  h("td", { class: "num", testid: "merchant-stock" }, String(l.stock)),
                  h("td", { class: "num" }, percent(l.success_7d_bps)),
                  h("td", { class: "num" }, percent(l.after_sales_7d_bps)),
                  h("td", null, h("a", { href: href("/merchant/stock", { listing: l.listing_id }), testid: `import-${l.listing_id}` }, t("merchant.importKeys"))),
                ),
              ),
            )
          : h("p", { class: "empty" }, t("merchant.noListings")),
        h(
          "p",
          { class: "small muted", testid: "merchant-bond" },
          t("merchant.bondInStock"),
          " ",
          [...bonds].map(([token, wei]) => {
            const m = tokenMeta(token);
            return amount(wei, m.symbol, m.decimals);
          }).join(" · ") || "—",
        ),
      ),
    );
  };

  const ordersBox = h("div", { testid: "merchant-orders" }, loading());
  const drawOrders = async () => {
    const page = await apiGet<Page<OrderSummary>>("/me/orders", { role: "merchant", state: "open", limit: 100 });
    const waiting = page.items.filter((o) => WAITING_ON_MERCHANT.has(o.status));
    const rest = page.items.filter((o) => !WAITING_ON_MERCHANT.has(o.status));
    replace(
      ordersBox,
      h("div", { class: "panel" }, h("h2", null, t("merchant.waiting")), h("p", { class: "small muted" }, t("merchant.waitingExplained")), ordersTable(waiting, "buyer", "merchant-waiting")),
      h("div", { class: "panel" }, h("h2", null, t("merchant.open")), ordersTable(rest, "buyer", "merchant-open")),
    );
  };

  const all = () =>
    Promise.all([drawMoney(), drawListings(), drawOrders()]).catch((err) => {
      replace(ordersBox, failure(err));
    });
  await subscribe(() => void all(), ctx.signal);
  void all();

  return h(
    "section",
    { testid: "page-merchant" },
    h("h1", null, t("merchant.title")),
    h("p", { class: "muted" }, t("merchant.lead"), " ", h("a", { href: href(`/merchants/${me}`) }, t("merchant.publicProfile"))),
    h("div", { class: "cols" }, h("div", null, ordersBox, listingsBox), h("div", null, money)),
  );
}
