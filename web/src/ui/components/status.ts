// An order's status as words that say who waits for whom (the seeds' complaint: a label like
// "processing" that tells nothing), coloured by what it means for the money.
import { label } from "../fmt";
import { h } from "../dom";

const TONE: Record<string, string> = {
  Paid: "wait",
  Delivered: "wait",
  Disputed: "wait",
  VerifierRefundPending: "wait",
  Arbitrating: "wait",
  Completed: "ok",
  Refunded: "info",
  Split: "info",
};

export function statusBadge(status: string, testid = "order-status"): HTMLElement {
  return h(
    "span",
    { class: `badge ${TONE[status] ?? ""}`, testid, "data-status": status },
    label("status", status),
  );
}
