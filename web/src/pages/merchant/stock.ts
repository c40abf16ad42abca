// Importing card keys in the browser: the file (or pasted lines) is read here, every key
// normalised and checked, salts drawn, commitments, fingerprints and the Merkle root computed
// here; only the root and the count go on chain (commitStock, with the bond). The plain keys
// never leave this page unencrypted: a copy sealed with the merchant's passphrase stays in this
// browser (and can be downloaded) so the keys can be delivered later.
import { apiGet } from "../../lib/api";
import { commitBatch, readListing } from "../../lib/contracts";
import type { Listing as ChainListing } from "../../lib/types";
import { t } from "../../lib/i18n";
import { parseStockFile, parseStockText, prepareBatch, stockProblems, type StockBatch } from "../../lib/stock";
import { exportUnits, listStockLocally, saveStockLocally } from "../../lib/unitVault";
import type { Listing, Page } from "../../ui/apiTypes";
import { failure } from "../../ui/components/loading";
import { toast } from "../../ui/components/toast";
import { h, replace } from "../../ui/dom";
import { describeError } from "../../ui/errors";
import { amount, shortAddress } from "../../ui/fmt";
import { href, type PageContext } from "../../ui/router";
import { ensureCtx } from "../../ui/session";
import { knownTokens, tokenMeta } from "../../ui/tokens";

/** The fields this page reads of a listing the index has not seen yet. */
function fromChain(id: number, l: ChainListing): Listing {
  const token = knownTokens().find((k) => k.address.toLowerCase() === l.token.toLowerCase());
  return {
    listing_id: id,
    title: null,
    token: { address: l.token, symbol: token?.symbol ?? null, decimals: token?.decimals ?? null },
    bond_per_unit: String(l.bondPerUnit),
  } as Listing;
}

function field(labelText: string, input: HTMLElement, wide = false): HTMLElement {
  return h("label", { class: `field${wide ? " wide" : ""}` }, h("span", null, labelText), input);
}

function download(name: string, text: string): HTMLAnchorElement {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  return h("a", { href: url, download: name, class: "button", testid: "stock-download" }, t("stock.download"));
}

export async function stockPage(ctx: PageContext): Promise<Node> {
  const chain = await ensureCtx();
  const me = chain.wallet.address;
  const mine = await apiGet<Page<Listing>>("/listings", { merchant: me, limit: 100 });
  const wanted = ctx.query.get("listing");
  if (wanted && /^\d+$/.test(wanted) && !mine.items.some((l) => String(l.listing_id) === wanted)) {
    // Just created: the chain has it before the index does.
    const fresh = await readListing(chain.wallet.publicClient, chain.deployment.escrow, BigInt(wanted));
    if (fresh.merchant.toLowerCase() === me.toLowerCase()) mine.items.unshift(fromChain(Number(wanted), fresh));
  }

  const listing = h(
    "select",
    { testid: "stock-listing" },
    mine.items.map((l) => h("option", { value: l.listing_id, selected: String(l.listing_id) === wanted }, `#${l.listing_id} ${l.title ?? ""}`)),
  );
  const file = h("input", { type: "file", accept: ".txt,.csv,text/plain,text/csv", testid: "stock-file" });
  const pasted = h("textarea", { testid: "stock-keys", placeholder: t("stock.pastePlaceholder"), spellcheck: false });
  const supplier = h("input", { type: "text", maxlength: 32, testid: "stock-supplier", placeholder: t("stock.supplierPlaceholder") });
  const passphrase = h("input", { type: "password", testid: "stock-passphrase", autocomplete: "new-password" });
  const prepare = h("button", { class: "primary", testid: "stock-prepare" }, t("stock.prepare"));
  const result = h("div", { testid: "stock-result" });
  let batch: StockBatch | null = null;

  const chosen = () => mine.items.find((l) => String(l.listing_id) === listing.value);

  const commitButton = (b: StockBatch, l: Listing) => {
    const button = h("button", { class: "primary", testid: "stock-commit" }, t("stock.commit", { n: b.count }));
    const status = h("div");
    button.addEventListener("click", async () => {
      button.disabled = true;
      replace(status, h("div", { class: "notice wait" }, t("stock.committing")));
      try {
        const outcome = await commitBatch(await ensureCtx(), BigInt(l.listing_id), b);
        replace(status, h("div", { class: "notice ok", testid: "stock-committed", "data-tx": outcome.hash }, t("stock.committed", { n: b.count, listing: l.listing_id })));
        toast(t("stock.committed", { n: b.count, listing: l.listing_id }), "ok");
      } catch (err) {
        replace(status, h("div", { class: "notice bad", testid: "stock-error" }, describeError(err)));
        button.disabled = false;
      }
    });
    return h("div", { class: "stack" }, button, status);
  };

  prepare.addEventListener("click", async () => {
    prepare.disabled = true;
    try {
      const l = chosen();
      if (!l) throw new Error(t("stock.noListing"));
      if (!passphrase.value) throw new Error(t("stock.needPassphrase"));
      const picked = file.files?.[0];
      const parsed = picked ? parseStockFile(new Uint8Array(await picked.arrayBuffer()), picked.name) : parseStockText(pasted.value);
      const problems = stockProblems(parsed);
      if (!parsed.lines.length) throw new Error(problems[0] ?? t("stock.noKeys"));
      batch = prepareBatch(me, parsed.lines.map((x) => x.key), supplier.value.trim());
      const exported = await exportUnits(batch, passphrase.value, { chainId: chain.deployment.chainId, escrow: chain.deployment.escrow, listingId: l.listing_id });
      await saveStockLocally(exported);
      void drawKept();
      const token = tokenMeta(l.token);
      const bond = BigInt(l.bond_per_unit) * BigInt(batch.count);
      replace(
        result,
        h(
          "div",
          { class: "panel stack" },
          h("h2", null, t("stock.ready")),
          h("dl", { class: "kv" }, [
            h("dt", null, t("stock.count")), h("dd", { testid: "stock-count" }, String(batch.count)),
            h("dt", null, t("stock.root")), h("dd", { class: "mono small", testid: "stock-root" }, batch.root),
            h("dt", null, t("stock.bond")), h("dd", { testid: "stock-bond" }, amount(bond, token.symbol, token.decimals)),
            h("dt", null, t("stock.skipped")), h("dd", null, String(problems.length)),
          ]),
          problems.length ? h("ul", { class: "small", testid: "stock-problems" }, problems.slice(0, 50).map((p) => h("li", null, p))) : null,
          h("p", { class: "small muted" }, t("stock.keptHere")),
          download(`fairkey-stock-${batch.root.slice(2, 10)}.json`, JSON.stringify(exported)),
          commitButton(batch, l),
        ),
      );
    } catch (err) {
      replace(result, failure(err));
    } finally {
      prepare.disabled = false;
    }
  });

  const kept = h("div");
  const drawKept = () =>
    listStockLocally()
    .then((all) => {
      const ours = all.filter((x) => x.merchant.toLowerCase() === me.toLowerCase());
      replace(
        kept,
        ours.length
          ? h(
              "table",
              { testid: "stock-kept" },
              h("tr", null, h("th", null, t("stock.listing")), h("th", null, t("stock.root")), h("th", { class: "num" }, t("stock.count")), h("th", null, t("stock.supplier"))),
              ours.map((x) => h("tr", null, h("td", null, x.listingId ? `#${x.listingId}` : "—"), h("td", { class: "mono small" }, shortAddress(x.root)), h("td", { class: "num" }, String(x.count)), h("td", null, x.supplier ? h("a", { href: href(`/suppliers/${encodeURIComponent(x.supplier)}`) }, x.supplier) : "—"))),
            )
          : h("p", { class: "empty" }, t("stock.noneKept")),
      );
    })
    .catch((err) => replace(kept, failure(err)));
  void drawKept();

  return h(
    "section",
    { testid: "page-stock" },
    h("h1", null, t("stock.title")),
    h("p", { class: "muted" }, t("stock.lead")),
    mine.items.length
      ? h(
          "div",
          { class: "panel" },
          h(
            "form",
            { class: "form", on: { submit: (e: Event) => e.preventDefault() } },
            field(t("stock.listing"), listing),
            field(t("stock.supplier"), supplier),
            field(t("stock.passphrase"), passphrase),
            field(t("stock.file"), file),
            field(t("stock.paste"), pasted, true),
          ),
          h("div", { class: "row" }, prepare),
        )
      : h("p", { class: "notice" }, t("stock.noListings"), " ", h("a", { href: href("/merchant/listings/new") }, t("merchant.newListing"))),
    result,
    h("h2", null, t("stock.keptTitle")),
    kept,
  );
}
