// One listing: its description (checked against the hash on chain), its terms, the merchant's
// record over time, and the buy box (one key or a basket, ETH or an ERC-20).
import { apiGet } from "../lib/api";
import { t } from "../lib/i18n";
import type { Listing, MerchantProfile } from "../ui/apiTypes";
import { buyBox } from "../ui/components/buyBox";
import { listingFigures } from "../ui/components/figures";
import { hashBadge } from "../ui/components/hashBadge";
import { reputationChart } from "../ui/components/reputationChart";
import { h } from "../ui/dom";
import { amount, duration, shortAddress } from "../ui/fmt";
import { href, type PageContext } from "../ui/router";
import { tokenMeta } from "../ui/tokens";
import { kv } from "./profile";

export async function listingPage(ctx: PageContext): Promise<Node> {
  const id = ctx.params.id;
  const listing = await apiGet<Listing>(`/listings/${id}`);
  const token = tokenMeta(listing.token);
  const money = (wei: string) => amount(wei, token.symbol, token.decimals);
  const history = h("div", null);
  apiGet<MerchantProfile>(`/merchants/${listing.merchant}`)
    .then((p) => history.replaceChildren(reputationChart(p.history)))
    .catch(() => history.replaceChildren(h("p", { class: "empty" }, t("profile.noHistory"))));

  return h(
    "section",
    { testid: "page-listing", "data-listing": listing.listing_id },
    h("h1", { testid: "listing-title" }, listing.title || t("listing.untitled", { id: listing.listing_id })),
    h(
      "div",
      { class: "row small muted" },
      t("listing.by"),
      h("a", { href: href(`/merchants/${listing.merchant}`), class: "mono" }, shortAddress(listing.merchant)),
      hashBadge(listing),
    ),
    h(
      "div",
      { class: "cols" },
      h(
        "div",
        null,
        h("div", { class: "panel" }, h("p", { testid: "listing-description", style: "white-space: pre-wrap" }, listing.description ?? t("listing.noDescription")), listingFigures(listing)),
        h("div", { class: "panel" }, h("h2", null, t("listing.merchantHistory")), history),
        h(
          "div",
          { class: "panel" },
          h("h2", null, t("listing.terms")),
          kv(
            [
              [t("terms.deliveryWindow"), duration(listing.windows.delivery_s)],
              [t("terms.confirmWindow"), duration(listing.windows.confirm_s)],
              [t("terms.responseWindow"), duration(listing.windows.response_s)],
              [t("terms.bondPerUnit"), money(listing.bond_per_unit)],
              [t("terms.disputeBond"), money(listing.dispute_bond)],
              [t("terms.replacements"), String(listing.max_replacements)],
              [t("terms.verifier"), !listing.verifier ? t("terms.noVerifier") : h("span", { class: "mono" }, listing.verifier)],
              [t("terms.descriptionHash"), h("span", { class: "mono small" }, listing.description_hash)],
            ],
            "listing-terms",
          ),
          h("p", { class: "small muted" }, t("terms.explained")),
        ),
      ),
      h("div", null, buyBox(listing, token)),
    ),
  );
}
