// The unified after-sales entry (the seeds: "用户只需输入订单号,系统即展示该订单所有可行售后选项"):
// exactly the actions GET /orders/{id}/actions offers the signed-in caller now, each with its
// deadline, as one-click buttons. The API is the rule; this only draws it. Actions that need a
// secret of this device (the order key, the decrypted key, the merchant's stock) are handed to
// the page's own handlers.
import { keccak256, type Hex } from "viem";
import { courtAbi, escrowAbi, sendTxRequest, type TxRequest } from "../../lib/chain";
import { t } from "../../lib/i18n";
import type { OrderAction, OrderActions } from "../apiTypes";
import { h, replace } from "../dom";
import { describeError } from "../errors";
import { amount, label, until, when } from "../fmt";
import { ensureCtx } from "../session";
import { tokenMeta } from "../tokens";
import { toast } from "./toast";

export interface SecretHandlers {
  /** prove-misdelivery: open the key with the order key and file the proof. */
  prove?: () => Promise<void>;
  /** verify: send the decrypted key, encrypted, to the listing's verifier. */
  verify?: (action: OrderAction) => Promise<void>;
  /** deliver / replace from the merchant's stock (vault). */
  vault?: (action: OrderAction) => Promise<void>;
}

/** Sends an action's transactions: the exact ERC-20 approval first when there is one. */
async function run(tx: TxRequest, approve: TxRequest | null, contract: string): Promise<void> {
  const ctx = await ensureCtx();
  if (approve) await sendTxRequest(ctx, approve, escrowAbi);
  await sendTxRequest(ctx, tx, contract === "court" ? courtAbi : escrowAbi);
}

function cost(a: OrderAction): string | null {
  if (!a.token || a.value === "0") return null;
  const token = tokenMeta(a.token);
  return amount(a.value, token.symbol, token.decimals);
}

export function actionsPanel(
  answer: OrderActions,
  handlers: SecretHandlers,
  done: (kind: string) => void,
  /** The same actions with their dispute/contest transactions anchoring this evidence hash. */
  withEvidence?: (evidenceHash: Hex) => Promise<OrderActions>,
): HTMLElement {
  const status = h("div", { testid: "action-status" });
  const busy = (button: HTMLButtonElement, job: () => Promise<void>, kind: string) => async () => {
    const all = panel.querySelectorAll("button");
    all.forEach((b) => (b.disabled = true));
    replace(status, h("div", { class: "notice wait" }, t("action.working", { action: label("action", kind) })));
    try {
      await job();
      replace(status, h("div", { class: "notice ok", testid: "action-done" }, t("action.done", { action: label("action", kind) })));
      toast(t("action.done", { action: label("action", kind) }), "ok");
      done(kind);
    } catch (err) {
      replace(status, h("div", { class: "notice bad", testid: "action-error" }, describeError(err)));
      all.forEach((b) => (b.disabled = false));
    }
    void button;
  };

  const item = (a: OrderAction): HTMLElement => {
    const price = cost(a);
    const deadline = a.until ? h("span", { class: "until", testid: `until-${a.kind}` }, t("action.until", { when: when(a.until), left: until(a.until, answer.chain_time) })) : null;
    if (a.kind === "dispute") {
      const select = h(
        "select",
        { testid: "dispute-reason", "aria-label": t("action.reason") },
        a.reasons.map((r) => h("option", { value: r.reason }, label("reason", r.reason))),
      );
      const button = h("button", { class: "danger", testid: "action-dispute" }, t("action.dispute"));
      const evidence = withEvidence ? h("input", { type: "file", testid: "dispute-evidence", title: t("action.evidence") }) : null;
      button.addEventListener(
        "click",
        busy(button, async () => {
          let offered = a;
          const file = evidence?.files?.[0];
          if (file && withEvidence) {
            // Only the file's hash goes on chain; the file itself goes to the court if it comes to that.
            const hash = keccak256(new Uint8Array(await file.arrayBuffer()));
            offered = (await withEvidence(hash)).actions.find((x) => x.kind === "dispute") ?? a;
          }
          const chosen = offered.reasons.find((r) => r.reason === select.value) ?? offered.reasons[0];
          await run(chosen.tx, offered.approve, offered.contract);
        }, "dispute"),
      );
      return h(
        "div",
        { class: "action", "data-kind": a.kind },
        h("div", { class: "row" }, select, button),
        evidence ? h("label", { class: "until" }, t("action.evidence"), " ", evidence) : null,
        price ? h("span", { class: "until" }, t("action.costs", { amount: price })) : null,
        deadline,
      );
    }
    const tone = a.kind === "confirm" ? "primary" : ["refund", "refund-late", "prove-misdelivery"].includes(a.kind) ? "ok" : "";
    const button = h("button", { class: tone, testid: `action-${a.kind}`, title: a.note }, label("action", a.kind));
    let job: (() => Promise<void>) | null = null;
    if (a.tx) job = () => run(a.tx!, a.approve, a.contract);
    else if (a.needs === "order-key" && handlers.prove) job = handlers.prove;
    else if (a.needs === "key" && handlers.verify) job = () => handlers.verify!(a);
    else if (a.needs === "vault" && handlers.vault) job = () => handlers.vault!(a);
    if (job) button.addEventListener("click", busy(button, job, a.kind));
    else {
      button.disabled = true;
      button.title = a.note;
    }
    return h(
      "div",
      { class: "action", "data-kind": a.kind },
      button,
      price ? h("span", { class: "until" }, t("action.costs", { amount: price })) : null,
      deadline,
      a.needs === "vault" ? h("span", { class: "until" }, t("action.needsVault")) : null,
      !job && a.needs !== "vault" && a.note ? h("span", { class: "until", testid: `note-${a.kind}` }, a.note) : null,
    );
  };

  const panel = h(
    "div",
    { class: "panel", testid: "order-actions", "data-role": answer.role },
    h("h2", null, t("action.title")),
    answer.actions.length
      ? h("div", { class: "actions" }, answer.actions.map(item))
      : h("p", { class: "empty", testid: "no-actions" }, t("action.none")),
    status,
    h("p", { class: "small muted" }, t("action.explained", { role: label("role", answer.role) })),
  );
  return panel;
}
