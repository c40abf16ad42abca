// Short messages in a corner: what just happened ("paid", "refunded") or why it failed.
import { h } from "../dom";

let box: HTMLDivElement | null = null;

export function toast(message: string, kind: "ok" | "bad" | "info" = "info", ms = 6000): void {
  if (!box) {
    box = h("div", { class: "toasts", testid: "toasts", "aria-live": "polite" });
    document.body.appendChild(box);
  }
  const item = h("div", { class: `toast ${kind}`, testid: `toast-${kind}`, role: "status" }, message);
  box.appendChild(item);
  window.setTimeout(() => item.remove(), ms);
}
