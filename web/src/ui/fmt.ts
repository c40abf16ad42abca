// What the pages show numbers as, in the page's language. Thin on purpose: amounts and
// durations come from lib/format (shared with everything else); this only adds "—" for "no
// figure yet" so a page never prints "null" or "NaN".
import { formatUnits } from "viem";
import { lang, t } from "../lib/i18n";

export const NONE = "—";

export function shortAddress(address: string | null | undefined): string {
  if (!address) return NONE;
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Basis points as a percentage with one decimal ("99.2%"), or "—" when there is no figure. */
export function percent(bps: number | null | undefined): string {
  if (bps === null || bps === undefined) return NONE;
  return `${(bps / 100).toFixed(1)}%`;
}

/** A token amount in its units ("0.01 ETH"). */
export function amount(wei: string | bigint | number | null | undefined, symbol = "ETH", decimals = 18): string {
  if (wei === null || wei === undefined || wei === "") return NONE;
  const units = formatUnits(BigInt(wei), decimals);
  const [int, frac = ""] = units.split(".");
  const shown = frac ? `${int}.${frac.slice(0, 6).replace(/0+$/, "")}`.replace(/\.$/, "") : int;
  return `${shown} ${symbol}`;
}

/** Seconds as a short human duration ("45 s", "2 min", "3 h", "1.5 d"). */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return NONE;
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return t("unit.seconds", { n: s });
  if (s < 5400) return t("unit.minutes", { n: Math.round(s / 60) });
  if (s < 129600) return t("unit.hours", { n: +(s / 3600).toFixed(1) });
  return t("unit.days", { n: +(s / 86400).toFixed(1) });
}

/** A chain time (unix seconds) as a local date and time. */
export function when(unix: number | null | undefined): string {
  if (!unix) return NONE;
  return new Date(unix * 1000).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

/** How long until a deadline, from chain time `now` ("in 3 h" / "passed"). */
export function until(deadline: number | null | undefined, now: number): string {
  if (!deadline) return NONE;
  const left = deadline - now;
  return left <= 0 ? t("time.passed") : t("time.in", { d: duration(left) });
}

/** The translation of `${prefix}.${value}`, or `value` itself when there is none (an event or
 * reason this version of the dApp has no words for yet still shows). */
export function label(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  const text = t(key);
  return text === key ? value : text;
}
