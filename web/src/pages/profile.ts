// A merchant's public record: what it sold, how it settled, how fast each tier resolved its
// after-sales cases, and its reputation over time (a pure function of chain events, so anyone
// re-indexing the chain gets the same numbers). And a supplier tag's record, across merchants.
import { apiGet } from "../lib/api";
import { t } from "../lib/i18n";
import type { Listing, MerchantProfile, Page, SupplierProfile } from "../ui/apiTypes";
import { timeChart } from "../ui/components/chart";
import { reputationChart } from "../ui/components/reputationChart";
import { h } from "../ui/dom";
import { duration, percent, shortAddress } from "../ui/fmt";
import { href, type PageContext } from "../ui/router";
import { listingCard } from "./listings";

export function kv(rows: Array<[string, Node | string]>, testid?: string): HTMLElement {
  return h("dl", { class: "kv", testid }, rows.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
}

const dayTime = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

export async function merchantPage(ctx: PageContext): Promise<Node> {
  const address = ctx.params.address;
  const [p, listings] = await Promise.all([
    apiGet<MerchantProfile>(`/merchants/${address}`),
    apiGet<Page<Listing>>("/listings", { merchant: address, limit: 24 }),
  ]);
  const f = p.figures;
  return h(
    "section",
    { testid: "page-merchant-profile" },
    h("h1", null, t("profile.merchant"), " ", h("span", { class: "mono small" }, p.merchant)),
    h(
      "div",
      { class: "cols" },
      h("div", { class: "panel" }, h("h2", null, t("profile.history")), reputationChart(p.history)),
      h(
        "div",
        { class: "panel" },
        kv(
          [
            [t("fig.score"), percent(f.score_bps)],
            [t("profile.orders"), String(f.orders)],
            [t("profile.completion"), percent(f.completion_bps)],
            [t("profile.disputeRate"), percent(f.dispute_bps)],
            [t("profile.faults"), String(f.faults_proven)],
            [t("tier.L1"), `${duration(f.l1_median_s)} · ${t("profile.cases", { n: f.l1_cases })}`],
            [t("tier.L2"), `${duration(f.l2_median_s)} · ${t("profile.cases", { n: f.l2_cases })}`],
            [t("tier.L3"), `${duration(f.l3_median_s)} · ${t("profile.cases", { n: f.l3_cases })}`],
          ],
          "merchant-figures",
        ),
        h("p", { class: "small muted" }, t("profile.pureFunction")),
      ),
    ),
    h("h2", null, t("profile.listings")),
    h("div", { class: "grid" }, listings.items.map(listingCard)),
  );
}

export async function supplierPage(ctx: PageContext): Promise<Node> {
  const s = await apiGet<SupplierProfile>(`/suppliers/${encodeURIComponent(ctx.params.tag)}`);
  const f = s.figures;
  const first = s.history.findIndex((d) => d.delivered || d.disputed || d.bad_keys || d.misdeliveries);
  const days = first < 0 ? [] : s.history.slice(Math.max(0, first - 7)); // not 90 empty days
  const chart = days.length
    ? timeChart({
        testid: "supplier-chart",
        xLabel: t("chart.day"),
        times: days.map((d) => dayTime(d.date)),
        lines: [
          { label: t("supplier.delivered"), values: days.map((d) => d.delivered) },
          { label: t("supplier.disputes"), values: days.map((d) => d.disputed) },
          { label: t("supplier.badKeys"), values: days.map((d) => d.bad_keys) },
        ],
      })
    : h("p", { class: "empty" }, t("profile.noHistory"));
  return h(
    "section",
    { testid: "page-supplier" },
    h("h1", null, t("profile.supplier"), " ", h("span", { class: "mono" }, s.name ?? s.supplier)),
    h(
      "div",
      { class: "cols" },
      h("div", { class: "panel" }, h("h2", null, t("supplier.history")), chart),
      h(
        "div",
        { class: "panel" },
        kv([
          [t("supplier.delivered"), String(f.units_delivered)],
          [t("supplier.disputes"), `${f.disputes} (${percent(f.dispute_bps)})`],
          [t("supplier.badKeys"), `${f.bad_keys} (${percent(f.bad_key_bps)})`],
          [t("supplier.misdeliveries"), String(f.misdeliveries)],
        ], "supplier-figures"),
        h("h3", null, t("supplier.merchants")),
        h(
          "ul",
          null,
          s.merchants.map((m) => h("li", null, h("a", { href: href(`/merchants/${m.merchant}`), class: "mono" }, shortAddress(m.merchant)), ` · ${t("supplier.delivered")} ${m.units_delivered} · ${t("supplier.badKeys")} ${m.bad_keys}`)),
        ),
      ),
    ),
  );
}
