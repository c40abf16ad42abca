// The platform's after-sales dashboard (the seeds' "仪表盘"): how much is resolved by rule (L1),
// by the merchant's answer (L2), by the court (L3); how long each tier takes; how much the
// suppliers cause; which listings' after-sales rate jumped.
import { apiGet } from "../lib/api";
import { t } from "../lib/i18n";
import type { PlatformStats } from "../ui/apiTypes";
import { barChart } from "../ui/components/chart";
import { h } from "../ui/dom";
import { duration, percent } from "../ui/fmt";
import { href, type PageContext } from "../ui/router";

function figure(label: string, value: string, testid: string): HTMLElement {
  return h("div", { class: "figure", testid }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

export async function platformPage(_ctx: PageContext): Promise<Node> {
  const p = await apiGet<PlatformStats>("/platform");
  const tiers = ["L1", "L2", "L3"].map((name) => p.tiers.find((x) => x.tier === name) ?? { tier: name, cases: 0, share_bps: null, median_s: null, p95_s: null, avg_s: null });
  const hours = (s: number | null) => (s === null ? null : s / 3600);
  return h(
    "section",
    { testid: "page-platform" },
    h("h1", null, t("platform.title")),
    h("p", { class: "muted" }, t("platform.lead")),
    h(
      "div",
      { class: "figures" },
      figure(t("platform.orders"), String(p.orders), "plat-orders"),
      figure(t("platform.cases"), String(p.cases), "plat-cases"),
      tiers.map((x) => figure(t(`platform.share.${x.tier}`), percent(x.share_bps), `plat-share-${x.tier}`)),
      figure(t("platform.supplierCaused"), percent(p.supplier_fault_share_bps), "plat-supplier"),
    ),
    h(
      "div",
      { class: "cols" },
      h(
        "div",
        { class: "panel" },
        h("h2", null, t("platform.resolutionTime")),
        barChart({
          testid: "tier-chart",
          xLabel: t("platform.tier"),
          categories: tiers.map((x) => t(`tier.${x.tier}`)),
          bar: { label: t("platform.median"), values: tiers.map((x) => hours(x.median_s)) },
          format: (v) => duration(v * 3600),
        }),
      ),
      h(
        "div",
        { class: "panel" },
        h(
          "table",
          { testid: "tier-table" },
          h("tr", null, h("th", null, t("platform.tier")), h("th", { class: "num" }, t("platform.cases")), h("th", { class: "num" }, t("platform.median")), h("th", { class: "num" }, "p95")),
          tiers.map((x) =>
            h("tr", null, h("td", null, t(`tier.${x.tier}`)), h("td", { class: "num" }, String(x.cases)), h("td", { class: "num" }, duration(x.median_s)), h("td", { class: "num" }, duration(x.p95_s))),
          ),
        ),
        h("p", { class: "small muted" }, t("platform.tiersExplained")),
      ),
    ),
    h("h2", null, t("platform.alerts")),
    p.alerts.length
      ? h(
          "table",
          { testid: "alerts" },
          h("tr", null, h("th", null, t("platform.listing")), h("th", { class: "num" }, t("platform.rate")), h("th", { class: "num" }, t("platform.baseline")), h("th", null, t("platform.since")), h("th", null, "")),
          p.alerts.map((a) =>
            h(
              "tr",
              null,
              h("td", null, h("a", { href: href(`/listings/${a.listing_id}`) }, `#${a.listing_id}`)),
              h("td", { class: "num" }, percent(a.rate_bps)),
              h("td", { class: "num" }, percent(a.baseline_bps)),
              h("td", null, a.since),
              h("td", null, a.active ? h("span", { class: "badge bad" }, t("platform.active")) : h("span", { class: "badge" }, a.until ?? "")),
            ),
          ),
        )
      : h("p", { class: "empty" }, t("platform.noAlerts")),
  );
}
