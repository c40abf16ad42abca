// Filling a part of a page from an async source, with "loading" first and a sentence on failure.
import { t } from "../../lib/i18n";
import { h, replace } from "../dom";
import { describeError } from "../errors";

export function loading(): HTMLElement {
  return h("div", { class: "spinner", testid: "loading" }, t("common.loading"));
}

export function failure(err: unknown): HTMLElement {
  return h("div", { class: "notice bad", testid: "error" }, describeError(err));
}

/** A box that shows `build()`'s result once ready; `refresh()` rebuilds it (live updates). */
export function asyncBox(build: () => Promise<Node>, testid?: string): { el: HTMLElement; refresh: () => Promise<void> } {
  const el = h("div", { testid });
  el.appendChild(loading());
  const refresh = async () => {
    try {
      const node = await build();
      replace(el, node);
    } catch (err) {
      replace(el, failure(err));
    }
  };
  void refresh();
  return { el, refresh };
}
