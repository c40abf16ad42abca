// One court case, for its parties and its drawn jurors: where it stands and until when, the
// evidence, the timeline, and what the viewer can do now: a juror votes (signed, relayed: no
// gas) and reveals; a party adds evidence or appeals.
import { apiGet } from "../../lib/api";
import { t } from "../../lib/i18n";
import type { CaseOut, CaseTimeline } from "../../ui/apiTypes";
import { evidenceList } from "../../ui/components/evidenceList";
import { failure, loading } from "../../ui/components/loading";
import { partyBox } from "../../ui/components/partyBox";
import { voteBox } from "../../ui/components/voteBox";
import { h, replace } from "../../ui/dom";
import { label, shortAddress, until, when } from "../../ui/fmt";
import { subscribe } from "../../ui/live";
import type { PageContext } from "../../ui/router";
import { ensureCtx, ensureSignedIn } from "../../ui/session";
import { kv } from "../profile";

export async function casePage(ctx: PageContext): Promise<Node> {
  const caseId = Number(ctx.params.id);
  await ensureSignedIn();
  const chain = await ensureCtx();
  const body = h("div", null, loading());

  const draw = async () => {
    try {
      const [c, tl] = await Promise.all([apiGet<CaseOut>(`/cases/${caseId}`), apiGet<CaseTimeline>(`/cases/${caseId}/timeline`)]);
      if (ctx.signal.aborted) return;
      const r = c.rounds[c.rounds.length - 1];
      replace(
        body,
        h("div", { class: "row between" }, h("h1", null, t("case.title", { id: caseId })), h("span", { class: "badge wait", testid: "case-period", "data-period": c.period }, label("period", c.period))),
        h(
          "div",
          { class: "notice", testid: "case-next" },
          c.period_ends_at ? t("case.periodEnds", { period: label("period", c.period), when: when(c.period_ends_at), left: until(c.period_ends_at, c.chain_time) }) : label("period", c.period),
        ),
        h(
          "div",
          { class: "cols" },
          h("div", null, voteBox(c, chain), partyBox(c, chain, () => void draw()), h("div", { class: "panel" }, h("h2", null, t("case.evidence")), evidenceList(caseId))),
          h(
            "div",
            null,
            h(
              "div",
              { class: "panel" },
              kv([
                [t("order.buyer"), h("span", { class: "mono" }, shortAddress(c.buyer))],
                [t("order.merchant"), h("span", { class: "mono" }, shortAddress(c.merchant))],
                [t("juror.round"), `${c.round + 1} · ${t("case.panel", { drawn: r?.drawn ?? 0, seats: r?.seats ?? 0 })}`],
                [t("case.committed"), `${r?.committed ?? 0} / ${r?.seats ?? 0}`],
                [t("case.revealedCount"), `${r?.revealed ?? 0} / ${r?.seats ?? 0}`],
                [t("juror.ruling"), c.ruling ? label("choice", c.ruling) : "—"],
                [t("case.you"), c.you.roles.map((x) => label("role", x)).join(", ")],
              ]),
            ),
            h(
              "div",
              { class: "panel" },
              h("h2", null, t("order.timeline")),
              h("ol", { class: "timeline", testid: "case-timeline" }, tl.entries.map((e) => h("li", null, h("strong", null, label("caseEvent", e.kind)), h("div", { class: "when" }, when(e.block_time))))),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(body, failure(err));
    }
  };
  await subscribe((n) => n.kind === "case" && n.case_id === caseId && void draw(), ctx.signal);
  await draw();
  return h("section", { testid: "page-case", "data-case": caseId }, body);
}
