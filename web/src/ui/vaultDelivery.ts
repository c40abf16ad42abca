// A merchant delivering (or replacing) a key from stock imported in this browser: the batch kept
// encrypted in IndexedDB is opened with the passphrase (once per visit), its next unit not used
// on chain is sealed to the order's buyer key here, and delivered. Keys imported with the CLI
// live in the CLI's vault instead, and the merchant's bot delivers those.
import type { Ctx } from "../lib/chain";
import { deliverUnit, nextUnusedUnit } from "../lib/contracts";
import { LibError } from "../lib/errors";
import type { StockBatch } from "../lib/stock";
import { importUnits, listStockLocally } from "../lib/unitVault";
import { askPassphrase } from "./components/passphrase";

const opened = new Map<string, StockBatch>(); // root -> batch, for this visit only
const taken = new Set<string>(); // root:index sent this visit (not yet mined)

export async function deliverFromBrowser(ctx: Ctx, orderId: bigint, listingId: number, replacement: boolean): Promise<void> {
  const me = ctx.wallet.address.toLowerCase();
  const kept = (await listStockLocally()).filter(
    (x) =>
      x.merchant.toLowerCase() === me &&
      x.listingId === String(listingId) &&
      (x.chainId === null || x.chainId === ctx.deployment.chainId) &&
      (x.escrow === null || x.escrow.toLowerCase() === ctx.deployment.escrow.toLowerCase()),
  );
  if (!kept.length) throw new LibError("vault.none", { listing: listingId });
  for (const file of kept) {
    let batch = opened.get(file.root.toLowerCase());
    if (!batch) {
      batch = await importUnits(file, await askPassphrase());
      opened.set(file.root.toLowerCase(), batch);
    }
    for (let from = 0; ; ) {
      const index = await nextUnusedUnit(ctx, batch, from);
      if (index === null) break;
      const slot = `${batch.root}:${index}`;
      if (taken.has(slot)) {
        from = index + 1;
        continue;
      }
      taken.add(slot);
      try {
        await deliverUnit(ctx, batch, index, orderId, replacement);
      } catch (err) {
        taken.delete(slot); // not used after all: another try may take it
        throw err;
      }
      return;
    }
  }
  throw new LibError("vault.empty", { listing: listingId });
}
