// The buyer's key, opened and checked in this browser (never sent anywhere in the clear). When
// the check proves the merchant delivered something else than it committed, the proof is filed
// at once (refund + the unit's bond, one transaction): the buyer does not have to argue.
import { proveMisdelivery } from "../../lib/contracts";
import type { Verdict } from "../../lib/delivery";
import { t } from "../../lib/i18n";
import { h, replace } from "../dom";
import { describeError } from "../errors";
import { openKey } from "../openKey";
import { ensureCtx } from "../session";
import { toast } from "./toast";

const proofsFiled = new Set<string>(); // one automatic proof per order per visit

function checkLine(ok: boolean, text: string, testid: string): HTMLElement {
  return h("div", { class: `notice ${ok ? "ok" : "bad"}`, testid, "data-ok": ok ? "yes" : "no" }, `${ok ? "✓" : "✗"} ${text}`);
}

export interface KeyPanel {
  el: HTMLElement;
  /** Opens the key now (the wallet signs the seed message if this visit has not yet). */
  open: () => Promise<Verdict | null>;
}

/** `changed` runs after the panel filed a proof (the order's status moved). */
export function keyPanel(orderId: string, changed: () => void): KeyPanel {
  const body = h("div", { testid: "key-body" });
  const button = h("button", { class: "primary", testid: "open-key" }, t("key.open"));
  const el = h("div", { class: "panel", testid: "key-panel" }, h("h2", null, t("key.title")), body, button, h("p", { class: "small muted" }, t("key.private")));

  const fileProof = async (verdict: Extract<Verdict, { kind: "prove" }>) => {
    const status = h("div", { class: "notice wait", testid: "proof-status" }, t("key.filingProof"));
    body.appendChild(status);
    try {
      await proveMisdelivery(await ensureCtx(), verdict.proof);
      replace(status, t("key.proofFiled"));
      status.className = "notice ok";
      status.dataset.testid = "proof-filed";
      toast(t("key.proofFiled"), "ok");
      changed();
    } catch (err) {
      proofsFiled.delete(orderId.toLowerCase()); // may be tried again
      replace(status, describeError(err));
      status.className = "notice bad";
      status.dataset.testid = "proof-error";
    }
  };

  const show = (v: Verdict) => {
    const c = v.check;
    replace(
      body,
      c.keyText !== null ? h("div", { class: "keybox", testid: "card-key" }, c.keyText) : h("div", { class: "notice bad" }, t("key.unreadable")),
      v.kind === "ok"
        ? checkLine(true, t("key.checks"), "key-check")
        : checkLine(false, v.kind === "dispute" ? t("key.oddCharacters") : t("key.wrong"), "key-check"),
      v.kind === "too-late" ? h("div", { class: "notice wait" }, t("key.tooLate", { fault: v.fault })) : null,
      v.kind === "dispute" ? h("div", { class: "notice wait" }, t("key.disputeIt")) : null,
    );
    button.textContent = t("key.reopen");
    if (v.kind === "prove" && !proofsFiled.has(orderId.toLowerCase())) {
      proofsFiled.add(orderId.toLowerCase());
      void fileProof(v);
    }
  };

  const open = async (): Promise<Verdict | null> => {
    button.disabled = true;
    try {
      const verdict = await openKey(await ensureCtx(), orderId);
      show(verdict);
      return verdict;
    } catch (err) {
      replace(body, h("div", { class: "notice bad", testid: "key-error" }, describeError(err)));
      return null;
    } finally {
      button.disabled = false;
    }
  };
  button.addEventListener("click", () => void open());
  return { el, open };
}
