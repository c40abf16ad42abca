// Amounts, durations, times and order ids as people type and read them, mirroring fairkey/units.py
// and fairkey/chain/types.py (order_ref, order_id_hex, parse_order_ref): one wording in the CLI,
// the API and the dApp.
import { getAddress, isAddress, type Address } from "viem";
import { LibError } from "./errors";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

const repr = (text: string) => `'${text}'`;

/** "0.01" with 18 decimals → 10^16. Refuses negatives, sub-unit precision and more than max. */
export function parseAmount(text: string, decimals: number, maxUnits: bigint = (1n << 96n) - 1n): bigint {
  const raw = text.trim().replaceAll("_", "");
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (!m || (!m[2] && !m[3])) throw new RangeError(`${repr(text)} is not an amount (e.g. 0.01)`);
  const digits = (m[2] || "") + (m[3] || "");
  const scale = decimals - (m[3]?.length ?? 0) + Number(m[4] ?? 0);
  if (m[1] === "-" && /[1-9]/.test(digits)) throw new RangeError(`${repr(text)} is not a positive amount`);
  let units: bigint;
  if (scale >= 0) units = BigInt(digits || "0") * 10n ** BigInt(scale);
  else {
    const cut = digits.length + scale;
    const whole = cut > 0 ? digits.slice(0, cut) : "0";
    const rest = cut > 0 ? digits.slice(cut) : digits;
    if (/[1-9]/.test(rest)) throw new RangeError(`${repr(text)} has more than ${decimals} decimal places`);
    units = BigInt(whole || "0");
  }
  if (units > maxUnits) throw new RangeError(`${repr(text)} is too large`);
  return units;
}

/** 10^16 with 18 decimals → "0.01 ETH" (exact: no float rounding, no trailing zeros). */
export function formatAmount(units: bigint, decimals: number, symbol = ""): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const frac = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  const text = `${negative ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
  return `${text} ${symbol}`.trimEnd();
}

/** "90s", "30m", "1h", "2d", "1h30m" or plain seconds → seconds. */
export function parseDuration(text: string): number {
  const raw = text.trim().toLowerCase();
  if (/^\d+$/.test(raw)) return Number(raw);
  const compact = raw.replaceAll(" ", "");
  const parts = [...compact.matchAll(/(\d+)\s*([smhdw])/g)];
  if (!parts.length || parts.map((p) => p[1] + p[2]).join("") !== compact) {
    throw new RangeError(`${repr(text)} is not a duration (e.g. 30m, 1h, 2d, 1h30m)`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]], 0);
}

/** 3600 → "1h", 5400 → "1h30m", 86400 → "1d". */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return "0s";
  let left = Math.floor(seconds);
  let out = "";
  for (const unit of ["d", "h", "m", "s"]) {
    const n = Math.floor(left / UNIT_SECONDS[unit]);
    left -= n * UNIT_SECONDS[unit];
    if (n) out += `${n}${unit}`;
  }
  return out;
}

/** A unix time as "2026-11-01 12:00:00 UTC". */
export function formatTime(timestamp: number | bigint): string {
  return new Date(Number(timestamp) * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** "in 23 h 59 min" / "5 min ago", relative to the chain's clock `now`. */
export function relative(timestamp: number | bigint, now: number | bigint): string {
  const delta = Number(timestamp) - Number(now);
  const span = Math.abs(delta);
  let text: string;
  if (span < 60) text = `${span} s`;
  else if (span < 3600) text = `${Math.floor(span / 60)} min`;
  else if (span < 48 * 3600) {
    const minutesTotal = Math.floor(span / 60);
    const hours = Math.floor(minutesTotal / 60);
    const minutes = minutesTotal % 60;
    text = `${hours} h` + (minutes ? ` ${minutes} min` : "");
  } else {
    const hoursTotal = Math.floor(span / 3600);
    const days = Math.floor(hoursTotal / 24);
    const hours = hoursTotal % 24;
    text = `${days} d` + (hours ? ` ${hours} h` : "");
  }
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** "2026-11-01 12:00:00 UTC (in 3 h)". */
export function formatDeadline(timestamp: number | bigint, now: number | bigint): string {
  return `${formatTime(timestamp)} (${relative(timestamp, now)})`;
}

/** What an order id looks like, in every refusal (types.py ORDER_ID_FORMAT). */
export const ORDER_ID_FORMAT = "20-byte hex: 0x and 40 hex digits, as `fairkey buy` printed it";

/** An order id as people see it: the per-order key's address (EIP-55). */
export function orderRef(orderId: bigint): Address {
  if (orderId <= 0n || orderId >= 1n << 160n) throw new RangeError(`${orderId} is not an order id`);
  return getAddress(`0x${orderId.toString(16).padStart(40, "0")}`);
}

/** An order id as stores key it: 0x and 40 lower-case hex digits. */
export function orderIdHex(orderId: bigint): string {
  return `0x${orderId.toString(16).padStart(40, "0")}`;
}

/** The one parser of order ids people write (types.py parse_order_ref): exactly 0x + 40 hex
 * digits; a mixed-case id must carry a correct EIP-55 checksum. Throws LibError saying why. */
export function parseOrderRef(text: string | bigint): bigint {
  if (typeof text === "bigint") {
    if (text <= 0n || text >= 1n << 160n) throw new LibError("order.badId", { text: String(text), why: "out of range" });
    return text;
  }
  const s = text.trim();
  let why: string;
  if (/^0x[0-9a-fA-F]{40}$/.test(s)) {
    const digits = s.slice(2);
    if (digits !== digits.toLowerCase() && digits !== digits.toUpperCase() && !isAddress(s, { strict: true })) {
      why = "its upper/lower case fails the EIP-55 checksum: a typo? all lower case is fine";
    } else if (BigInt(s) === 0n) why = "0 is no order";
    else return BigInt(s);
  } else if (/^0x[0-9a-fA-F]*$/.test(s)) {
    const n = s.length - 2;
    why = `${n} hex digits, not 40` + (n < 40 ? ": truncated?" : "");
  } else if (/^\d+$/.test(s)) why = "a decimal number";
  else why = "not 0x and hex digits";
  throw new LibError("order.badId", { text: JSON.stringify(s), why });
}
