// Canonical card keys (docs/protocol.md, "Canonical keys"), exactly as fairkey/crypto/canonical.py
// and contracts/libraries/KeyCanon.sol: one spelling per code. The table is the SDK's frozen
// Unicode 14.0 one; UTF-8 is decoded strictly here (shortest form, no surrogates, ≤ U+10FFFF),
// with the offset Python's decoder reports, so both sides refuse the same bytes the same way.

/** Which keys a listing sells (the contract's KeyAlphabet). */
export enum KeyAlphabet {
  Text = 0,
  PrintableAscii = 1,
}

/** Inclusive code point ranges refused anywhere in a key (plane-end noncharacters by rule). */
export const FORBIDDEN_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x001f], [0x007f, 0x00a0], [0x00ad, 0x00ad], [0x034f, 0x034f], [0x0600, 0x0605],
  [0x061c, 0x061c], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x0890, 0x0891], [0x08e2, 0x08e2],
  [0x115f, 0x1160], [0x1680, 0x1680], [0x17b4, 0x17b5], [0x180b, 0x180f], [0x2000, 0x200f],
  [0x2028, 0x202f], [0x205f, 0x206f], [0x3000, 0x3000], [0x3164, 0x3164], [0xd800, 0xdfff],
  [0xfdd0, 0xfdef], [0xfe00, 0xfe0f], [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff0, 0xfffb],
  [0x110bd, 0x110bd], [0x110cd, 0x110cd], [0x13430, 0x13438], [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a], [0xe0000, 0xe0fff],
];

/** Python's str.isspace() code points (Unicode 14.0): what normalise_key trims and what the
 * contract's fault 5 looks for. Not JavaScript's trim(), which also trims U+FEFF and keeps
 * U+001C..U+001F and U+0085. */
export const PYTHON_SPACES: ReadonlySet<number> = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
  0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
  0x205f, 0x3000,
]);

/** Whether a code point is whitespace to Python (str.isspace()). */
export function isPythonSpace(cp: number): boolean {
  return PYTHON_SPACES.has(cp);
}

/** `text` without the surrounding whitespace Python's str.strip() removes. */
export function pythonStrip(text: string): string {
  const cps = Array.from(text, (c) => c.codePointAt(0)!);
  let start = 0;
  let end = cps.length;
  while (start < end && isPythonSpace(cps[start])) start++;
  while (end > start && isPythonSpace(cps[end - 1])) end--;
  return start === 0 && end === cps.length ? text : String.fromCodePoint(...cps.slice(start, end));
}

/** Whether a code point may not appear in a canonical key. */
export function isForbiddenCodePoint(cp: number): boolean {
  if ((cp & 0xfffe) === 0xfffe) return true; // U+xxFFFE and U+xxFFFF of every plane
  let lo = 0;
  let hi = FORBIDDEN_RANGES.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = FORBIDDEN_RANGES[mid];
    if (cp < start) hi = mid;
    else if (cp > end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7), or 0 if there is none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i];
  if (b0 < 0x80) return 1;
  const cont = (j: number, lo = 0x80, hi = 0xbf) => j < bytes.length && bytes[j] >= lo && bytes[j] <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf; // ED A0..BF would be a surrogate
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf; // above U+10FFFF otherwise
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

function codePointAt(bytes: Uint8Array, i: number, length: number): number {
  if (length === 1) return bytes[i];
  if (length === 2) return ((bytes[i] & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
  if (length === 3) return ((bytes[i] & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
  return ((bytes[i] & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
}

/** Strict UTF-8 decoding: the code points, or the offset (and byte) where Python's decoder stops. */
export function decodeUtf8(bytes: Uint8Array): { ok: true; codePoints: number[] } | { ok: false; offset: number; byte: number } {
  const codePoints: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return { ok: false, offset: i, byte: bytes[i] };
    codePoints.push(codePointAt(bytes, i, length));
    i += length;
  }
  return { ok: true, codePoints };
}

/** The first character of `bytes` as Python's errors="replace" decoding sees it (U+FFFD if the
 * first sequence is not well formed); null for no bytes. */
export function firstCharReplacing(bytes: Uint8Array): number | null {
  if (bytes.length === 0) return null;
  const length = sequenceLength(bytes, 0);
  return length === 0 ? 0xfffd : codePointAt(bytes, 0, length);
}

/** Why a key is not canonical: `text` is the SDK's exact sentence; `code` and `params` are
 * for a translated one (lib/i18n: canon.* and key.utf8). */
export interface CanonicalProblem {
  code: "utf8" | "empty" | "space" | "notAscii" | "forbidden";
  params: Record<string, string | number>;
  text: string;
}

const hex4 = (cp: number) => cp.toString(16).toUpperCase().padStart(4, "0");

/** Why `key` (the encoded key part K) is not canonical under `alphabet`, or null if it is. */
export function canonicalProblem(key: Uint8Array, alphabet: KeyAlphabet = KeyAlphabet.Text): CanonicalProblem | null {
  const decoded = decodeUtf8(key);
  if (!decoded.ok) {
    const byte = decoded.byte.toString(16).padStart(2, "0");
    return {
      code: "utf8",
      params: { byte, offset: decoded.offset },
      text: `not valid UTF-8 (byte 0x${byte} at offset ${decoded.offset})`,
    };
  }
  const cps = decoded.codePoints;
  if (cps.length === 0) return { code: "empty", params: {}, text: "empty" };
  if (cps[0] === 0x20 || cps[cps.length - 1] === 0x20) {
    return { code: "space", params: {}, text: "starts or ends with a space" };
  }
  for (let position = 0; position < cps.length; position++) {
    const cp = cps[position];
    if (alphabet === KeyAlphabet.PrintableAscii && !(cp >= 0x20 && cp <= 0x7e)) {
      return {
        code: "notAscii",
        params: { cp: hex4(cp), position },
        text: `character U+${hex4(cp)} at position ${position} is not printable ASCII`,
      };
    }
    if (isForbiddenCodePoint(cp)) {
      return {
        code: "forbidden",
        params: { cp: hex4(cp), position },
        text:
          `invisible or control character U+${hex4(cp)} at position ${position}` +
          " (controls, format characters, odd spaces and noncharacters are refused)",
      };
    }
  }
  return null;
}

/** Whether `key` is canonical under `alphabet`. */
export function isCanonical(key: Uint8Array, alphabet: KeyAlphabet = KeyAlphabet.Text): boolean {
  return canonicalProblem(key, alphabet) === null;
}
