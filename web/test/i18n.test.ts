// Both languages hold the same strings with the same parameters; the browser's language picks
// the default; a choice is remembered and announced.
import { beforeEach, describe, expect, test, vi } from "vitest";
import { en } from "../src/lib/i18n/en";
import { zh } from "../src/lib/i18n/zh";

const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("dictionaries", () => {
  test("Chinese and English have the same keys", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  test("each string has the same {parameters} in both languages", () => {
    const differ = Object.keys(en).filter((k) => k in zh && params(en[k]).join() !== params(zh[k]).join());
    expect(differ).toEqual([]);
  });
});

describe("the page's language", () => {
  beforeEach(() => {
    vi.resetModules();
    const store = new Map<string, string>();
    vi.stubGlobal("localStorage", {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    });
  });

  test("zh-* browsers get Chinese, others English", async () => {
    vi.stubGlobal("navigator", { language: "zh-TW", languages: ["zh-TW", "en"] });
    const i18n = await import("../src/lib/i18n");
    expect(i18n.lang()).toBe("zh");
    expect(i18n.t("wallet.connect")).toBe(zh["wallet.connect"]);
    expect(i18n.langFromBrowser(["en-US", "zh-CN"])).toBe("en");
    expect(i18n.langFromBrowser(["ZH"])).toBe("zh");
  });

  test("a choice is remembered, announced, and fills parameters", async () => {
    vi.stubGlobal("navigator", { language: "en-US", languages: ["en-US"] });
    const i18n = await import("../src/lib/i18n");
    expect(i18n.lang()).toBe("en");
    const heard: string[] = [];
    const stop = i18n.onLangChange((l) => heard.push(l));
    i18n.setLang("zh");
    stop();
    i18n.setLang("en");
    expect(heard).toEqual(["zh"]);
    expect(localStorage.getItem("fairkey.lang")).toBe("en");
    expect(i18n.t("buy.basketSize", { max: 100, quantity: 101 })).toBe("A basket holds 1 to 100 keys, not 101");
    expect(i18n.t("no.such.key")).toBe("no.such.key");
    vi.resetModules();
    expect((await import("../src/lib/i18n")).lang()).toBe("en"); // from storage, over the browser
  });
});
