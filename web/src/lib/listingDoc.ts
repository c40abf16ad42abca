// A listing's description document and its hash, exactly as fairkey/listing_meta.py defines them
// (the descriptionHash a listing carries on chain, which the API's metadata store and the dApp
// check): canonical JSON — members sorted by name, no spaces, UTF-8 — then keccak256. The JSON
// text is JSON.stringify of an object built in sorted member order, which writes the bytes Python's
// json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")) writes for valid documents.
import { keccak256, stringToBytes, type Hex } from "viem";
import { pythonStrip } from "./canonical";

/** The document format's name. */
export const LISTING_SCHEMA = "fairkey.listing.v1";
/** The longest title, in characters (code points, as Python counts). */
export const MAX_TITLE = 120;
/** The longest description, in characters. */
export const MAX_DESCRIPTION = 5000;

const LANG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/;
const BAD_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/; // all but tab and line feed

/** A listing's title, description and optional language tag. */
export interface ListingDoc {
  title: string;
  description: string;
  lang?: string | null;
}

/** A document the format refuses; the message is the SDK's (listing_meta.MetadataError). */
export class MetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetadataError";
  }
}

const characters = (s: string) => Array.from(s).length;
/** A one-character string as Python's repr writes it ('\n', '\x07'). */
const pyRepr = (c: string) => `'${({ "\t": "\\t", "\n": "\\n", "\r": "\\r" } as Record<string, string>)[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`}'`;

function checkText(name: string, value: unknown, limit: number, lineBreaks: boolean): void {
  if (typeof value !== "string") throw new MetadataError(`${name} must be a string`);
  if (characters(value) > limit) throw new MetadataError(`${name} is ${characters(value)} characters; at most ${limit}`);
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
    throw new MetadataError(`${name} is not valid Unicode (a lone surrogate)`);
  }
  const bad = BAD_CONTROL.exec(value) ?? (lineBreaks ? null : /[\t\n]/.exec(value));
  if (bad) throw new MetadataError(`${name} holds the control character ${pyRepr(bad[0])}`);
}

/** Refuses a document the SDK refuses (title 1..120 characters on one line without surrounding
 * spaces, description ≤ 5,000 characters, lang a BCP 47 tag). */
export function checkDoc(doc: ListingDoc): void {
  checkText("title", doc.title, MAX_TITLE, false);
  if (doc.title !== pythonStrip(doc.title) || !doc.title) throw new MetadataError("title must not be empty nor start or end with spaces");
  checkText("description", doc.description, MAX_DESCRIPTION, true);
  if (doc.lang != null && !(typeof doc.lang === "string" && LANG.test(doc.lang))) {
    throw new MetadataError(`lang '${doc.lang}' is not a language tag (e.g. en, zh-CN)`);
  }
}

/** The canonical JSON text of a document. */
export function canonicalDoc(doc: ListingDoc): string {
  const ordered: Record<string, string> = { description: doc.description };
  if (doc.lang != null) ordered.lang = doc.lang;
  ordered.schema = LISTING_SCHEMA;
  ordered.title = doc.title;
  return JSON.stringify(ordered);
}

/** keccak256 of the canonical document: the listing's descriptionHash. */
export function descriptionHash(doc: ListingDoc): Hex {
  return keccak256(stringToBytes(canonicalDoc(doc)));
}

/** What PUT /listings/{id}/metadata takes. */
export function documentBody(doc: ListingDoc): Record<string, string> {
  const body: Record<string, string> = { schema: LISTING_SCHEMA, title: doc.title, description: doc.description };
  if (doc.lang != null) body.lang = doc.lang;
  return body;
}
