// Card keys, salts, plaintexts, commitments and fingerprints, byte for byte as
// fairkey/crypto/keys.py (docs/protocol.md, "Card keys"): K is the trimmed, canonical UTF-8 code,
// P = s || K, c = keccak(P), f = keccak("fairkey.fingerprint.v1" || K).
import { bytesToHex, type Hex } from "viem";
import { asBytes, concatBytes, keccakHex, randomBytes } from "./bytes";
import { canonicalProblem, decodeUtf8, firstCharReplacing, isPythonSpace, type CanonicalProblem } from "./canonical";
import { t } from "./i18n";

/** The longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 256;
/** A salt's length. */
export const SALT_BYTES = 32;
/** The fingerprint's domain tag. */
export const FINGERPRINT_DOMAIN = new TextEncoder().encode("fairkey.fingerprint.v1");

/** A card key the protocol refuses; `text` is the SDK's sentence, the message the page's language. */
export class KeyFormatError extends Error {
  readonly kind: "utf8" | "empty" | "too-long" | "not-canonical";
  readonly text: string;
  readonly problem: CanonicalProblem | null;

  constructor(kind: KeyFormatError["kind"], text: string, message: string, problem: CanonicalProblem | null = null) {
    super(message);
    this.name = "KeyFormatError";
    this.kind = kind;
    this.text = text;
    this.problem = problem;
  }
}

/** A canonical problem in the page's language. */
export function describeProblem(problem: CanonicalProblem): string {
  return t(problem.code === "utf8" ? "key.utf8" : `canon.${problem.code}`, problem.params);
}

function codePointsOf(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        out.push(((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      throw new KeyFormatError("utf8", "card key holds a lone surrogate", t("key.utf8", { byte: unit.toString(16), offset: i }));
    }
    out.push(unit);
  }
  return out;
}

/** The canonical encoding K of a card key (text as typed, or its UTF-8 bytes): surrounding
 * whitespace trimmed as Python's str.strip() trims it, 1..256 bytes, canonical; else
 * KeyFormatError, with the SDK's wording in `text`. */
export function normaliseKey(key: string | Uint8Array): Uint8Array {
  let cps: number[];
  if (typeof key === "string") {
    cps = codePointsOf(key);
  } else {
    const decoded = decodeUtf8(key);
    if (!decoded.ok) {
      const params = { byte: decoded.byte.toString(16).padStart(2, "0"), offset: decoded.offset };
      throw new KeyFormatError("utf8", `card key is not valid UTF-8 (byte 0x${params.byte} at offset ${params.offset})`, t("key.utf8", params));
    }
    cps = decoded.codePoints;
  }
  let start = 0;
  let end = cps.length;
  while (start < end && isPythonSpace(cps[start])) start++;
  while (end > start && isPythonSpace(cps[end - 1])) end--;
  let n = 0; // the UTF-8 length, counted before encoding so a huge line costs nothing
  for (let i = start; i < end; i++) n += cps[i] < 0x80 ? 1 : cps[i] < 0x800 ? 2 : cps[i] < 0x10000 ? 3 : 4;
  if (n === 0) {
    throw new KeyFormatError("empty", "card key is empty (after trimming whitespace)", t("key.empty"));
  }
  if (n > MAX_KEY_BYTES) {
    throw new KeyFormatError("too-long", `card key is too long: ${n} bytes (at most ${MAX_KEY_BYTES} bytes allowed)`, t("key.tooLong", { n }));
  }
  const encoded = new TextEncoder().encode(String.fromCodePoint(...cps.slice(start, end)));
  const problem = canonicalProblem(encoded);
  if (problem) {
    throw new KeyFormatError(
      "not-canonical",
      `card key is not in canonical form: ${problem.text}`,
      t("key.notCanonical", { problem: describeProblem(problem) }),
      problem,
    );
  }
  return encoded;
}

/** The contract's view of a normalised key (keys.py is_trimmed): neither its first nor its last
 * character is whitespace; invalid UTF-8 counts as not space. */
export function isTrimmed(key: Uint8Array): boolean {
  const first = firstCharReplacing(key.slice(0, 4));
  const tail = key.slice(Math.max(0, key.length - 4));
  let start = 0;
  for (let i = 0; i < tail.length; i++) if ((tail[i] & 0xc0) !== 0x80) start = i; // the last lead byte
  const last = firstCharReplacing(tail.slice(start));
  return !((first !== null && isPythonSpace(first)) || (last !== null && isPythonSpace(last)));
}

/** 32 fresh random bytes: a per-unit salt hides the key behind its commitment. */
export function newSalt(): Hex {
  return bytesToHex(randomBytes(SALT_BYTES));
}

function checkSalt(salt: Uint8Array): void {
  if (salt.length !== SALT_BYTES) throw new RangeError(`salt must be ${SALT_BYTES} bytes, got ${salt.length}`);
}

/** P = salt || key: the bytes that are encrypted for the buyer. */
export function plaintext(salt: Hex | Uint8Array, key: Uint8Array): Uint8Array {
  const s = asBytes(salt);
  checkSalt(s);
  return concatBytes([s, key]);
}

/** c = keccak(P): binds the merchant to one exact key without revealing it. */
export function commitment(salt: Hex | Uint8Array, key: Uint8Array): Hex {
  return keccakHex(plaintext(salt, key));
}

/** f = keccak(DOMAIN || K): unsalted on purpose, so duplicate keys collide. */
export function fingerprint(key: Uint8Array): Hex {
  return keccakHex(concatBytes([FINGERPRINT_DOMAIN, key]));
}

/** P split into (salt, key); the salt is always the first 32 bytes. */
export function splitPlaintext(p: Uint8Array): { salt: Uint8Array; key: Uint8Array } {
  if (p.length <= SALT_BYTES) throw new RangeError(`plaintext must be longer than ${SALT_BYTES} bytes, got ${p.length}`);
  return { salt: p.slice(0, SALT_BYTES), key: p.slice(SALT_BYTES) };
}
