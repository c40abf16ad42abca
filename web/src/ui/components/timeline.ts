// The order's truthful timeline: every event the chain recorded, with its time and transaction,
// and the deadline it set (nobody "processes" anything off the record).
import { t } from "../../lib/i18n";
import type { TimelineEntry } from "../apiTypes";
import { h } from "../dom";
import { label, when } from "../fmt";

/** The event's detail in words: a delivery number (the first delivery says nothing, later ones
 * are replacements), a misdelivery fault, a court case, or a reason/cause/verdict/ruling name. */
function detailText(e: TimelineEntry): string | null {
  const d = e.detail;
  if (d === null || d === "") return null;
  if (e.event === "KeyDelivered" && /^\d+$/.test(d)) return d === "0" ? null : t("detail.replacement", { n: d });
  const fault = /^fault (\d+)$/.exec(d);
  if (fault) return t(`fault.${fault[1]}`) === `fault.${fault[1]}` ? t("detail.fault", { n: fault[1] }) : t(`fault.${fault[1]}`);
  const court = /^case (\d+)$/.exec(d);
  if (court) return t("detail.case", { n: court[1] });
  return label("detail", d);
}

export function timeline(entries: TimelineEntry[]): HTMLElement {
  if (!entries.length) return h("p", { class: "empty" }, t("order.noEvents"));
  return h(
    "ol",
    { class: "timeline", testid: "order-timeline" },
    entries.map((e) =>
      h(
        "li",
        { "data-event": e.event },
        h("div", null, h("strong", null, label("event", e.event)), detailText(e) ? h("span", { class: "muted" }, ` · ${detailText(e)}`) : null),
        h(
          "div",
          { class: "when" },
          when(e.time),
          " · ",
          h("span", { class: "mono", title: e.tx_hash }, `${t("order.block")} ${e.block_number}`),
          e.deadline ? ` · ${t("order.deadline")} ${when(e.deadline)}` : null,
        ),
      ),
    ),
  );
}
