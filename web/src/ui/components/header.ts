// The top bar: where to go, which language, which wallet.
import { lang, setLang, t } from "../../lib/i18n";
import { h, replace } from "../dom";
import { href, onNavigate } from "../router";
import { currentWallet, ensureSignedIn, ensureWallet, onSessionChange, signedInAs } from "../session";
import { describeError } from "../errors";
import { toast } from "./toast";
import { shortAddress } from "../fmt";

const NAV: Array<[string, string]> = [
  ["/listings", "nav.listings"],
  ["/orders", "nav.orders"],
  ["/merchant", "nav.merchant"],
  ["/arbitrator", "nav.arbitrator"],
  ["/platform", "nav.platform"],
];

export function header(): HTMLElement {
  const nav = h("nav", { testid: "nav" });
  const side = h("div", { class: "side" });
  const bar = h("header", { class: "top" }, h("a", { class: "brand", href: href("/listings") }, "fairkey"), nav, side);
  let path = "/listings";

  const draw = () => {
    replace(
      nav,
      NAV.map(([to, key]) =>
        h("a", { href: href(to), class: path === to || path.startsWith(`${to}/`) ? "active" : "", testid: `nav-${to.slice(1)}` }, t(key)),
      ),
    );
    replace(side, languageSwitch(), walletButton());
  };
  onNavigate((p) => {
    path = p;
    draw();
  });
  onSessionChange(draw);
  draw();
  return bar;
}

function languageSwitch(): HTMLElement {
  const now = lang();
  return h(
    "div",
    { class: "row", testid: "lang-switch" },
    (["zh", "en"] as const).map((code) =>
      h(
        "button",
        {
          class: code === now ? "primary" : "",
          testid: `lang-${code}`,
          "aria-pressed": code === now ? "true" : "false",
          on: { click: () => setLang(code) },
        },
        code === "zh" ? "中文" : "EN",
      ),
    ),
  );
}

function walletButton(): HTMLElement {
  const w = currentWallet();
  if (!w) {
    return h(
      "button",
      {
        class: "primary",
        testid: "connect-wallet",
        on: { click: () => ensureWallet().catch((e) => toast(describeError(e), "bad")) },
      },
      t("wallet.connect"),
    );
  }
  const signed = signedInAs();
  return h(
    "div",
    { class: "row" },
    h("span", { class: "badge info mono", testid: "wallet-address", title: w.address }, shortAddress(w.address)),
    signed
      ? h("span", { class: "badge ok", testid: "signed-in" }, t("wallet.signedIn"))
      : h(
          "button",
          { testid: "sign-in", on: { click: () => ensureSignedIn().catch((e) => toast(describeError(e), "bad")) } },
          t("wallet.signIn"),
        ),
  );
}
