// Browse listings with what a buyer wants to know before paying: stock, 7-day success rate,
// how fast 95% of keys arrive, the after-sales rate, the merchant's score, and whether the
// description is the one the merchant committed to on chain.
import { apiGet } from "../lib/api";
import { t } from "../lib/i18n";
import type { Listing, Page } from "../ui/apiTypes";
import { listingFigures } from "../ui/components/figures";
import { hashBadge } from "../ui/components/hashBadge";
import { failure, loading } from "../ui/components/loading";
import { h, replace } from "../ui/dom";
import { amount, shortAddress } from "../ui/fmt";
import { href, navigate, type PageContext } from "../ui/router";
import { knownTokens, tokenMeta } from "../ui/tokens";

const SORTS = ["newest", "price", "price_desc", "success", "delivery", "score"] as const;

export function listingCard(l: Listing): HTMLElement {
  const token = tokenMeta(l.token);
  return h(
    "article",
    { class: "card", testid: `listing-${l.listing_id}`, "data-listing": l.listing_id },
    h(
      "div",
      { class: "row between" },
      h("h3", null, h("a", { href: href(`/listings/${l.listing_id}`), testid: "listing-title" }, l.title || t("listing.untitled", { id: l.listing_id }))),
      h("span", { class: "price", testid: "listing-price" }, amount(l.price, token.symbol, token.decimals)),
    ),
    h(
      "div",
      { class: "row small muted" },
      t("listing.by"),
      h("a", { href: href(`/merchants/${l.merchant}`), class: "mono" }, shortAddress(l.merchant)),
      hashBadge(l),
      l.active ? null : h("span", { class: "badge bad" }, t("listing.inactive")),
    ),
    listingFigures(l),
  );
}

export async function listingsPage(ctx: PageContext): Promise<Node> {
  const q = ctx.query;
  const state = {
    q: q.get("q") ?? "",
    sort: q.get("sort") ?? "newest",
    token: q.get("token") ?? "",
    in_stock: q.get("in_stock") === "1",
  };
  const apply = () =>
    navigate("/listings", { q: state.q, sort: state.sort, token: state.token, in_stock: state.in_stock ? "1" : undefined });

  const search = h("input", { type: "search", value: state.q, placeholder: t("listings.search"), testid: "listings-search" });
  search.addEventListener("change", () => {
    state.q = search.value.trim();
    apply();
  });
  const sort = h(
    "select",
    { testid: "listings-sort", "aria-label": t("listings.sort") },
    SORTS.map((s) => h("option", { value: s, selected: s === state.sort }, t(`sort.${s}`))),
  );
  sort.addEventListener("change", () => {
    state.sort = sort.value;
    apply();
  });
  const token = h(
    "select",
    { testid: "listings-token", "aria-label": t("listings.token") },
    h("option", { value: "", selected: state.token === "" }, t("listings.anyToken")),
    knownTokens().map((k) => h("option", { value: k.address, selected: state.token.toLowerCase() === k.address.toLowerCase() }, k.symbol)),
  );
  token.addEventListener("change", () => {
    state.token = token.value;
    apply();
  });
  const inStock = h("input", { type: "checkbox", checked: state.in_stock, testid: "listings-in-stock" });
  inStock.addEventListener("change", () => {
    state.in_stock = inStock.checked;
    apply();
  });

  const grid = h("div", { class: "grid", testid: "listings-grid" });
  const more = h("div");
  const loadPage = async (cursor: string | null) => {
    const page = await apiGet<Page<Listing>>("/listings", {
      q: state.q || undefined,
      sort: state.sort,
      token: state.token || undefined,
      in_stock: state.in_stock || undefined,
      cursor,
      limit: 24,
    });
    if (ctx.signal.aborted) return;
    page.items.forEach((l) => grid.appendChild(listingCard(l)));
    if (!grid.childElementCount) replace(grid, h("p", { class: "empty", testid: "listings-empty" }, t("listings.none")));
    replace(
      more,
      page.next_cursor
        ? h("button", { testid: "listings-more", on: { click: () => void loadPage(page.next_cursor) } }, t("common.more"))
        : null,
    );
  };
  grid.appendChild(loading());
  loadPage(null)
    .then(() => grid.querySelector('[data-testid="loading"]')?.remove())
    .catch((err) => replace(grid, failure(err)));

  return h(
    "section",
    { testid: "page-listings" },
    h("h1", null, t("listings.title")),
    h("p", { class: "muted" }, t("listings.lead")),
    h(
      "div",
      { class: "toolbar" },
      search,
      h("label", { class: "field" }, h("span", null, t("listings.sort")), sort),
      h("label", { class: "field" }, h("span", null, t("listings.token")), token),
      h("label", { class: "row small" }, inStock, t("listings.inStock")),
      h("a", { href: href("/platform"), class: "small" }, t("listings.howResolved")),
    ),
    grid,
    more,
  );
}
