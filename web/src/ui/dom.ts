// Tiny DOM helpers: the pages are plain functions that build elements; no framework.

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown> & {
  class?: string;
  testid?: string;
  on?: Partial<Record<keyof HTMLElementEventMap, (ev: Event) => void>>;
};

/** `h("button", {class: "primary", testid: "buy", on: {click}}, t("buy.pay"))`. Attributes that
 * are false/null/undefined are left out; `testid` becomes `data-testid`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "on") {
      for (const [type, fn] of Object.entries(value as Record<string, EventListener>)) {
        el.addEventListener(type, fn);
      }
    } else if (name === "testid") {
      el.dataset.testid = String(value);
    } else if (name === "class") {
      el.className = String(value);
    } else if (name in el && typeof value !== "string") {
      (el as unknown as Record<string, unknown>)[name] = value; // value, checked, disabled…
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` shows with `children`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A place on the page filled later (an async section): shows "loading" until `fill` ends. */
export function slot(loading: Child, testid?: string): HTMLDivElement {
  return h("div", { class: "slot", testid }, loading);
}
