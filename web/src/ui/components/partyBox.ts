// What a party to a case can do there: add evidence (stored by the API under its hash, anchored
// on chain by the party's own transaction) and, in the appeal period, fund the next round.
import { apiPost } from "../../lib/api";
import { courtAbi, sendTxRequest, type Ctx, type TxRequest } from "../../lib/chain";
import { uploadEvidence } from "../../lib/court";
import { t } from "../../lib/i18n";
import type { CaseOut } from "../apiTypes";
import { h, replace } from "../dom";
import { describeError } from "../errors";
import { amount, until, when } from "../fmt";
import { toast } from "./toast";

export function partyBox(c: CaseOut, chain: Ctx, changed: () => void): HTMLElement | null {
  if (!c.you.roles.some((r) => r === "buyer" || r === "merchant")) return null;
  const status = h("div");
  const file = h("input", { type: "file", accept: "image/png,image/jpeg,application/pdf,text/plain", testid: "evidence-file" });
  const upload = h("button", { testid: "evidence-upload" }, t("case.upload"));
  upload.addEventListener("click", async () => {
    const f = file.files?.[0];
    if (!f) return;
    upload.disabled = true;
    try {
      const stored = await uploadEvidence(c.case_id, f, f.name);
      await sendTxRequest(chain, stored.anchor_tx, courtAbi); // anchor its hash on chain
      replace(status, h("div", { class: "notice ok" }, t("case.uploaded")));
      changed();
    } catch (err) {
      replace(status, h("div", { class: "notice bad" }, describeError(err)));
    } finally {
      upload.disabled = false;
    }
  });
  const appealButton = c.appeal
    ? h("button", { class: "danger", testid: "case-appeal" }, t("case.appeal", { amount: amount(c.appeal.cost_wei) }))
    : null;
  appealButton?.addEventListener("click", async () => {
    appealButton.disabled = true;
    try {
      const answer = await apiPost<{ tx: TxRequest }>(`/cases/${c.case_id}/appeal`);
      await sendTxRequest(chain, answer.tx, courtAbi);
      toast(t("case.appealed"), "ok");
      changed();
    } catch (err) {
      replace(status, h("div", { class: "notice bad" }, describeError(err)));
      appealButton.disabled = false;
    }
  });
  return h(
    "div",
    { class: "panel", testid: "party-box" },
    h("h2", null, t("case.party")),
    c.period !== "executed" ? h("div", { class: "row" }, file, upload) : null,
    appealButton ? h("div", { class: "stack" }, appealButton, h("span", { class: "small muted" }, t("case.appealUntil", { when: when(c.appeal!.deadline), left: until(c.appeal!.deadline, c.chain_time) }))) : null,
    status,
  );
}
