// The page's language (Chinese or English) and its strings. The default is the browser's
// language (zh* → Chinese, else English); a choice is remembered in localStorage.
import { en } from "./i18n/en";
import { zh } from "./i18n/zh";

/** The languages the dApp speaks. */
export type Lang = "zh" | "en";
/** Values a string's {placeholders} are filled with. */
export type Params = Record<string, string | number | bigint>;

const STORAGE_KEY = "fairkey.lang";
const DICTIONARIES: Record<Lang, Record<string, string>> = { en, zh };
const listeners = new Set<(lang: Lang) => void>();
let current: Lang | null = null;

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // storage disabled (privacy mode): fall back to the browser's language
  }
}

/** The language a browser asks for: zh* → "zh", anything else → "en". */
export function langFromBrowser(tags: readonly string[] | undefined): Lang {
  const first = tags?.find(Boolean) ?? "";
  return first.toLowerCase().startsWith("zh") ? "zh" : "en";
}

function initialLang(): Lang {
  const saved = storage()?.getItem(STORAGE_KEY);
  if (saved === "zh" || saved === "en") return saved;
  if (typeof navigator === "undefined") return "en";
  return langFromBrowser(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

/** The current language. */
export function lang(): Lang {
  current ??= initialLang();
  return current;
}

/** Switches the language, remembers it, sets <html lang>, and tells every onLangChange listener. */
export function setLang(next: Lang): void {
  if (next !== "zh" && next !== "en") throw new Error(`unknown language ${String(next)}`);
  const changed = next !== lang();
  current = next;
  storage()?.setItem(STORAGE_KEY, next);
  if (typeof document !== "undefined") document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  if (changed) listeners.forEach((cb) => cb(next));
}

/** Calls `cb` after every language change; returns the function that stops it. */
export function onLangChange(cb: (lang: Lang) => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

/** Fills {name} placeholders; a placeholder without a value stays visible (a bug shows, not blank). */
export function fill(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The string `key` in the current language (English if Chinese lacks it; the key if both do). */
export function t(key: string, params?: Params): string {
  return fill(DICTIONARIES[lang()][key] ?? en[key] ?? key, params);
}

/** The string `key` in a given language (for tests and for text that must be English, e.g. logs). */
export function tIn(language: Lang, key: string, params?: Params): string {
  return fill(DICTIONARIES[language][key] ?? en[key] ?? key, params);
}
