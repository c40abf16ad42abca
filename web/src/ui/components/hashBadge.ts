// "Matches the listing's hash": the title and description shown are hashed again in this
// browser and compared with the hash the merchant put on chain, so a server that changed the
// text would be caught, not trusted.
import { t } from "../../lib/i18n";
import type { Listing } from "../apiTypes";
import { h } from "../dom";
import { descriptionHash } from "../../lib/listingDoc";

export function descriptionMatches(l: Pick<Listing, "title" | "description" | "lang" | "description_hash">): boolean {
  if (l.title === null || l.description === null) return false;
  return descriptionHash({ title: l.title, description: l.description, lang: l.lang }).toLowerCase() === l.description_hash.toLowerCase();
}

export function hashBadge(l: Listing): HTMLElement {
  if (l.title === null || l.description === null) {
    return h("span", { class: "badge", testid: "hash-badge", "data-match": "none", title: l.description_hash }, t("hash.none"));
  }
  const ok = descriptionMatches(l);
  return h(
    "span",
    { class: `badge ${ok ? "ok" : "bad"}`, testid: "hash-badge", "data-match": ok ? "yes" : "no", title: l.description_hash },
    ok ? t("hash.matches") : t("hash.mismatch"),
  );
}
