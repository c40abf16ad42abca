// A listing's pre-sale transparency (the seeds: "近7日成功率 99.2%", "95%订单在2分钟内到账",
// the after-sales rate): the same figures on a card and on the listing's page.
import { t } from "../../lib/i18n";
import type { Listing } from "../apiTypes";
import { h } from "../dom";
import { duration, NONE, percent } from "../fmt";

function figure(label: string, value: string, testid: string, tone = ""): HTMLElement {
  return h(
    "div",
    { class: `figure ${tone}`, testid },
    h("div", { class: "label" }, label),
    h("div", { class: "value" }, value),
  );
}

/** A listing's pre-sale figures. Delivery times come from block times (whole seconds), so a
 * key that arrived in the block of its payment shows "within 1 s", not "within 0 s". */
export function listingFigures(l: Listing): HTMLElement {
  const success = l.success_7d_bps;
  const after = l.after_sales_7d_bps;
  return h(
    "div",
    { class: "figures", testid: "listing-figures" },
    figure(t("fig.stock"), String(l.stock), "fig-stock", l.stock ? "" : "bad"),
    figure(t("fig.success7d"), percent(success), "fig-success", success === null ? "" : success >= 9500 ? "good" : success < 8000 ? "bad" : ""),
    figure(t("fig.deliveryP95"), l.delivery_p95_s === null ? NONE : t("fig.within", { d: duration(Math.max(1, l.delivery_p95_s)) }), "fig-p95"),
    figure(t("fig.afterSales"), percent(after), "fig-after-sales", after !== null && after >= 1000 ? "bad" : ""),
    figure(t("fig.score"), percent(l.merchant_score_bps), "fig-score"),
  );
}
