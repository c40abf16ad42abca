// Opening a delivered key in this browser: the order's secret from the wallet's seed, the
// delivery as posted on chain, decrypted and judged by lib/delivery (the buyer watch's rule):
// fine, provably wrong (with the proof to file), not provable (dispute it), or too late.
import { chainTime, type Ctx } from "../lib/chain";
import { currentDelivery, readListing, readOrder } from "../lib/contracts";
import { judgeDelivery, type Verdict } from "../lib/delivery";
import { LibError } from "../lib/errors";
import { parseOrderRef } from "../lib/format";
import { findOrderKey } from "../lib/orderKeys";
import { keyIndexes } from "../lib/contracts";
import { seedOf } from "./orderSeed";

const SCAN_MARGIN = 200; // key indexes beyond what this device reserved (another device's orders)

export async function openKey(ctx: Ctx, orderRef: string): Promise<Verdict> {
  const orderId = parseOrderRef(orderRef);
  const { wallet, deployment } = ctx;
  const pc = wallet.publicClient;
  const seed = await seedOf(ctx);
  const reserved = keyIndexes(deployment, wallet.address).nextIndex();
  const key = findOrderKey(seed, orderId, Math.max(reserved + SCAN_MARGIN, 1000));
  if (!key) throw new LibError("order.notYours", { order: orderRef });
  const delivery = await currentDelivery(pc, deployment.escrow, orderId, deployment.block);
  if (!delivery) throw new LibError("order.notDelivered", { order: orderRef });
  const order = await readOrder(pc, deployment.escrow, orderId);
  const [listing, now] = await Promise.all([readListing(pc, deployment.escrow, order.listingId), chainTime(pc)]);
  return judgeDelivery({
    orderId,
    deliveryNo: delivery.deliveryNo,
    record: delivery.record,
    orderKey: key,
    alphabet: listing.keyAlphabet,
    status: order.status,
    deadline: order.deadline,
    now,
  });
}
