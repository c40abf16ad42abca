// Pages that act for someone (merchant, arbitrator, my orders) ask for a wallet first, with one
// button, rather than springing a wallet prompt on a visitor who only clicked a link.
import { t } from "../../lib/i18n";
import { h, replace } from "../dom";
import { describeError } from "../errors";
import { render, type Page } from "../router";
import { currentWallet, ensureSignedIn } from "../session";

export function needsWallet(page: Page, lead = "gate.lead"): Page {
  return (ctx) => {
    if (currentWallet()) return page(ctx);
    const status = h("div");
    const button = h("button", { class: "primary", testid: "gate-connect" }, t("wallet.connect"));
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await ensureSignedIn();
        await render();
      } catch (err) {
        replace(status, h("div", { class: "notice bad" }, describeError(err)));
        button.disabled = false;
      }
    });
    return h("section", { class: "panel", testid: "wallet-gate" }, h("p", null, t(lead)), button, status);
  };
}
