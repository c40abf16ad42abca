// A merchant's reputation over time: its score and the day's success rate, as the API's daily
// series gives them (GET /merchants/{address}). Shown on the profile and on each of its listings.
import { t } from "../../lib/i18n";
import type { MerchantDay } from "../apiTypes";
import { h } from "../dom";
import { timeChart } from "./chart";

const pct = (v: number) => `${v.toFixed(0)}%`;
const asPct = (bps: number | null) => (bps === null ? null : bps / 100);
const dayTime = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

const SHOWN_BEFORE_FIRST = 7; // days of nothing kept before the first day with a figure

export function reputationChart(all: MerchantDay[], testid = "reputation-chart"): HTMLElement {
  const first = all.findIndex((d) => d.score_bps !== null || d.success_bps !== null);
  if (first < 0) return h("p", { class: "empty", testid: `${testid}-empty` }, t("profile.noHistory"));
  const history = all.slice(Math.max(0, first - SHOWN_BEFORE_FIRST)); // not 90 empty days
  return timeChart({
    testid,
    xLabel: t("chart.day"),
    times: history.map((d) => dayTime(d.date)),
    lines: [
      { label: t("fig.score"), values: history.map((d) => asPct(d.score_bps)) },
      { label: t("fig.successDay"), values: history.map((d) => asPct(d.success_bps)) },
    ],
    format: pct,
  });
}
