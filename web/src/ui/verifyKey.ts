// "Send key to verifier" on the order page: the key opened in this browser, sealed to the verifier
// the listing names on chain (read here, not taken from the API), sent through the API's relay
// (lib/keyCheck), and the verifier's answer drawn in words.
import type { Ctx } from "../lib/chain";
import { readListing, readOrder } from "../lib/escrow";
import { parseOrderRef } from "../lib/format";
import { t } from "../lib/i18n";
import { sendKeyToVerifier, type KeyCheckAnswer } from "../lib/keyCheck";
import { h } from "./dom";
import { label } from "./fmt";

export async function verifyKey(ctx: Ctx, orderRef: string, key: Uint8Array): Promise<KeyCheckAnswer> {
  const orderId = parseOrderRef(orderRef);
  const pc = ctx.wallet.publicClient;
  const order = await readOrder(pc, ctx.deployment.escrow, orderId);
  const listing = await readListing(pc, ctx.deployment.escrow, order.listingId);
  return sendKeyToVerifier({ orderId, key, verifier: listing.verifier, chainId: ctx.deployment.chainId, escrow: ctx.deployment.escrow });
}

export function verifierAnswer(a: KeyCheckAnswer): HTMLElement {
  const tone = a.outcome === "refund_pending" ? "ok" : a.outcome === "merchant_response" ? "wait" : "bad";
  return h(
    "div",
    { class: "panel", testid: "verifier-answer", "data-answer": a.answer, "data-outcome": a.outcome },
    h("h2", null, t("verify.title")),
    h("div", { class: `notice ${tone}` }, t("verify.answer", { answer: label("answer", a.answer) })),
    h("p", null, t(`verify.outcome.${a.outcome}`)),
    a.tx_hash ? h("p", { class: "small mono" }, t("verify.tx", { tx: a.tx_hash })) : null,
    a.repeated ? h("p", { class: "small muted" }, t("verify.repeated")) : null,
    h("p", { class: "small muted", lang: "en" }, a.message),
  );
}
