// A new listing: its title and description (hashed here into the listing's descriptionHash, then
// published to the API, which keeps it only because it hashes to that), price and token, the
// bond per key, the dispute bond, the windows, the verifier and the key alphabet.
import { zeroAddress, type Address } from "viem";
import { apiPut } from "../../lib/api";
import { KeyAlphabet } from "../../lib/canonical";
import { createListing } from "../../lib/contracts";
import { parseAmount, parseDuration } from "../../lib/format";
import { lang, t } from "../../lib/i18n";
import { toast } from "../../ui/components/toast";
import { h, replace } from "../../ui/dom";
import { describeError } from "../../ui/errors";
import { checkDoc, descriptionHash, documentBody, MAX_DESCRIPTION, MAX_TITLE } from "../../lib/listingDoc";
import { navigate, type PageContext } from "../../ui/router";
import { ensureCtx } from "../../ui/session";
import { knownTokens } from "../../ui/tokens";

function field(labelText: string, input: HTMLElement, hint?: string, wide = false): HTMLElement {
  return h("label", { class: `field${wide ? " wide" : ""}` }, h("span", null, labelText), input, hint ? h("small", { class: "muted" }, hint) : null);
}

const input = (testid: string, value: string, attrs: Record<string, unknown> = {}) => h("input", { type: "text", value, testid, ...attrs });

export async function newListingPage(_ctx: PageContext): Promise<Node> {
  const chain = await ensureCtx();
  const verifiers = Object.keys(chain.deployment.verifiers ?? {});
  const title = input("listing-title-input", "", { maxlength: MAX_TITLE, required: true });
  const description = h("textarea", { testid: "listing-description-input", maxlength: MAX_DESCRIPTION });
  const token = h("select", { testid: "listing-token" }, knownTokens().map((k) => h("option", { value: k.address }, k.symbol)));
  const price = input("listing-price-input", "0.01");
  const bond = input("listing-bond", "0.01");
  const disputeBond = input("listing-dispute-bond", "0.001");
  const delivery = input("listing-delivery-window", "1h");
  const confirmW = input("listing-confirm-window", "24h");
  const response = input("listing-response-window", "12h");
  const appeal = input("listing-appeal-window", "2h");
  const replacements = h("input", { type: "number", min: 0, max: 255, value: 1, testid: "listing-replacements" });
  const verifier = h("select", { testid: "listing-verifier" }, h("option", { value: "" }, t("terms.noVerifier")), verifiers.map((v, i) => h("option", { value: v, selected: i === 0 }, v)));
  const alphabet = h(
    "select",
    { testid: "listing-alphabet" },
    h("option", { value: String(KeyAlphabet.PrintableAscii) }, t("listing.alphabetAscii")),
    h("option", { value: String(KeyAlphabet.Text) }, t("listing.alphabetText")),
  );
  const submit = h("button", { class: "primary", type: "submit", testid: "listing-create" }, t("listing.create"));
  const status = h("div", { testid: "listing-create-status" });

  const form = h(
    "form",
    { class: "form" },
    field(t("listing.titleField"), title, undefined, true),
    field(t("listing.descriptionField"), description, t("listing.descriptionHint"), true),
    field(t("listing.token"), token),
    field(t("listing.price"), price),
    field(t("terms.bondPerUnit"), bond, t("listing.bondHint")),
    field(t("terms.disputeBond"), disputeBond),
    field(t("terms.deliveryWindow"), delivery, t("listing.durationHint")),
    field(t("terms.confirmWindow"), confirmW),
    field(t("terms.responseWindow"), response),
    field(t("terms.appealWindow"), appeal),
    field(t("terms.replacements"), replacements),
    field(t("terms.verifier"), verifier),
    field(t("listing.alphabet"), alphabet),
    h("div", { class: "wide row" }, submit),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const doc = { title: title.value.trim(), description: description.value, lang: lang() === "zh" ? "zh-CN" : "en" };
      if (!doc.title) throw new Error(t("listing.needTitle"));
      checkDoc(doc); // the SDK's rules: refused here, not after the listing is on chain
      const decimals = knownTokens().find((k) => k.address === token.value)?.decimals ?? 18;
      replace(status, h("div", { class: "notice wait" }, t("listing.creating")));
      const { listingId } = await createListing(
        chain,
        {
          token: (token.value || zeroAddress) as Address,
          price: parseAmount(price.value, decimals),
          bondPerUnit: parseAmount(bond.value, decimals),
          disputeBond: parseAmount(disputeBond.value, decimals),
          deliveryWindow: parseDuration(delivery.value),
          confirmWindow: parseDuration(confirmW.value),
          responseWindow: parseDuration(response.value),
          appealWindow: parseDuration(appeal.value),
          maxReplacements: Number(replacements.value) || 0,
          verifier: (verifier.value || zeroAddress) as Address,
          descriptionHash: descriptionHash(doc),
        },
        Number(alphabet.value) as KeyAlphabet,
      );
      await apiPut(`/listings/${listingId}/metadata`, documentBody(doc));
      toast(t("listing.created", { id: String(listingId) }), "ok");
      navigate("/merchant/stock", { listing: String(listingId) });
    } catch (err) {
      replace(status, h("div", { class: "notice bad", testid: "listing-create-error" }, describeError(err)));
      submit.disabled = false;
    }
  });
  return h("section", { testid: "page-new-listing" }, h("h1", null, t("merchant.newListing")), h("p", { class: "muted" }, t("listing.createLead")), h("div", { class: "panel" }, form, status));
}
