// The buy box: how many keys, what it costs in total, and one button. The steps the wallet will
// ask for are said before they happen: a signature that derives this order's key (once per
// visit), an approval of exactly the price for an ERC-20, then the payment.
import { t } from "../../lib/i18n";
import type { Listing } from "../apiTypes";
import { h, replace } from "../dom";
import { describeError } from "../errors";
import { amount } from "../fmt";
import { navigate } from "../router";
import { purchase } from "../purchase";
import type { TokenMeta } from "../tokens";
import { toast } from "./toast";

const MAX_BASKET = 100; // the escrow's MAX_BASKET; the escrow refuses more anyway

export function buyBox(listing: Listing, token: TokenMeta): HTMLElement {
  const most = Math.max(1, Math.min(MAX_BASKET, listing.stock));
  const qty = h("input", { type: "number", min: 1, max: most, value: 1, testid: "buy-quantity" });
  const total = h("div", { class: "price", testid: "buy-total" });
  const steps = h("ol", { class: "small muted", testid: "buy-steps" });
  const progress = h("div", { testid: "buy-progress" });
  const button = h("button", { class: "primary", testid: "buy" }, t("buy.pay"));
  const soldOut = listing.stock < 1 || !listing.active;

  const quantity = () => Math.max(1, Math.min(most, Math.floor(Number(qty.value) || 1)));
  const draw = () => {
    const n = quantity();
    total.textContent = amount(BigInt(listing.price) * BigInt(n), token.symbol, token.decimals);
    replace(
      steps,
      h("li", null, t("buy.stepKey")),
      token.native ? null : h("li", null, t("buy.stepApprove", { amount: total.textContent })),
      h("li", null, n === 1 ? t("buy.stepPay") : t("buy.stepPayBasket", { n })),
    );
  };
  qty.addEventListener("input", draw);
  draw();

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const bought = await purchase(listing, quantity(), (step: string) =>
        replace(progress, h("div", { class: "notice wait", testid: `buy-step-${step}` }, t(`buy.progress.${step}`))),
      );
      toast(t("buy.done", { n: bought.orderIds.length }), "ok");
      // One key: its order. A basket: the list, where its orders stand together.
      if (bought.orderIds.length === 1) navigate(`/orders/${bought.orderIds[0]}`);
      else navigate("/orders", { state: "open" });
    } catch (err) {
      replace(progress, h("div", { class: "notice bad", testid: "buy-error" }, describeError(err)));
      button.disabled = false;
    }
  });
  if (soldOut) button.disabled = true;

  return h(
    "div",
    { class: "panel stack", testid: "buy-box" },
    h("h2", null, t("buy.title")),
    h("div", { class: "row" }, h("label", { class: "field" }, h("span", null, t("buy.quantity")), qty), h("div", null, h("div", { class: "small muted" }, t("buy.total")), total)),
    soldOut ? h("div", { class: "notice bad" }, listing.active ? t("buy.soldOut") : t("listing.inactive")) : null,
    steps,
    button,
    progress,
    h("p", { class: "small muted" }, t("buy.escrowNote")),
  );
}
