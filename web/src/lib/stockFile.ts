// Stock files read in the browser, with fairkey/vault/importer.py's rules: plain text (one key
// per line; blank lines and lines starting with '#' skipped) or CSV (a header row; the key column
// is the first of key, code, card found); a UTF-8 BOM is dropped, other bytes that are not UTF-8
// refuse the file; every key normalised; duplicates and invalid lines named by their line.
import type { Hex } from "viem";
import { decodeUtf8, pythonStrip } from "./canonical";
import { LibError } from "./errors";
import { fingerprint, KeyFormatError, normaliseKey } from "./keys";
import { t } from "./i18n";

/** CSV header names of the key column, in order of preference. */
export const KEY_COLUMNS = ["key", "code", "card"] as const;
const CSV_FIELD_LIMIT = 131072; // Python's csv.field_size_limit()

/** A good key of the file: its line, canonical bytes K and fingerprint f. */
export interface StockLine {
  line: number;
  key: Uint8Array;
  fingerprint: Hex;
}

/** A key seen earlier in the same file. */
export interface DuplicateLine {
  line: number;
  firstLine: number;
}

/** A line whose key the protocol refuses: `reason` in the page's language, `text` the SDK's. */
export interface InvalidLine {
  line: number;
  reason: string;
  text: string;
}

/** A stock file after parsing and in-file duplicate detection. */
export interface ParsedStock {
  lines: StockLine[];
  duplicates: DuplicateLine[];
  invalid: InvalidLine[];
}

/** The file's text: UTF-8 with one leading BOM dropped; anything else is refused (guessing an
 * encoding could change the keys' bytes). */
export function decodeStockBytes(bytes: Uint8Array, name: string): string {
  const body = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.slice(3) : bytes;
  const decoded = decodeUtf8(body);
  if (!decoded.ok) {
    let line = 1;
    for (let i = 0; i < decoded.offset; i++) if (body[i] === 0x0a) line++;
    throw new LibError("stock.notUtf8", { name, line });
  }
  return new TextDecoder().decode(body);
}

/** Physical lines with their terminators, split at \n, \r\n and \r (Python's newline=""). */
function physicalLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n" || c === "\r") {
      const end = c === "\r" && text[i + 1] === "\n" ? i + 2 : i + 1;
      lines.push(text.slice(start, end));
      start = end;
      i = end - 1;
    }
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

function textCandidates(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  physicalLines(text).forEach((raw, i) => {
    const line = raw.replace(/\r\n$|\r$|\n$/, "");
    const stripped = pythonStrip(line);
    if (stripped && !stripped.startsWith("#")) out.push([i + 1, line]);
  });
  return out;
}

/** Python's csv.reader (excel dialect, not strict; Modules/_csv.c) over physical lines: each
 * row with the number of lines read when it ended (reader.line_num). */
function csvRows(text: string, name: string): Array<{ row: string[]; lineNum: number }> {
  type State = "startRecord" | "startField" | "inField" | "inQuoted" | "quoteInQuoted" | "eatCrnl";
  const rows: Array<{ row: string[]; lineNum: number }> = [];
  let row: string[] = [];
  let field = "";
  let state: State = "startRecord";
  let lineNum = 0;
  const save = () => {
    if (field.length > CSV_FIELD_LIMIT) {
      throw new LibError("stock.csvMalformed", { name, line: lineNum, detail: `field larger than field limit (${CSV_FIELD_LIMIT})` });
    }
    row.push(field);
    field = "";
  };
  const endOfLine = (c: string | null) => c === "\n" || c === "\r" || c === null;
  const startField = (c: string | null) => {
    if (endOfLine(c)) {
      save();
      state = c === null ? "startRecord" : "eatCrnl";
    } else if (c === '"') state = "inQuoted";
    else if (c === ",") save();
    else {
      field += c;
      state = "inField";
    }
  };
  // c === null is the end of a line (the C reader's EOL)
  const process = (c: string | null) => {
    switch (state) {
      case "startRecord":
        if (c === null) return; // an empty line: the row is []
        if (c === "\n" || c === "\r") state = "eatCrnl";
        else startField(c);
        return;
      case "startField":
        startField(c);
        return;
      case "inField":
        if (endOfLine(c)) {
          save();
          state = c === null ? "startRecord" : "eatCrnl";
        } else if (c === ",") {
          save();
          state = "startField";
        } else field += c;
        return;
      case "inQuoted":
        if (c === '"') state = "quoteInQuoted";
        else if (c !== null) field += c;
        return;
      case "quoteInQuoted":
        if (c === '"') {
          field += c;
          state = "inQuoted";
        } else if (c === ",") {
          save();
          state = "startField";
        } else if (endOfLine(c)) {
          save();
          state = c === null ? "startRecord" : "eatCrnl";
        } else {
          field += c;
          state = "inField";
        }
        return;
      case "eatCrnl":
        if (c === null) state = "startRecord";
        return;
    }
  };
  for (const line of physicalLines(text)) {
    lineNum++;
    for (const c of line) process(c);
    process(null);
    if (state === "startRecord") {
      rows.push({ row, lineNum });
      row = [];
    }
  }
  if (state !== "startRecord" && (field.length > 0 || state === "inQuoted")) {
    save(); // the end of the file inside a quoted field ends its row
    rows.push({ row, lineNum });
  }
  return rows;
}

function csvCandidates(text: string, name: string): Array<[number, string]> {
  const rows = csvRows(text, name);
  if (rows.length === 0) throw new LibError("stock.csvEmpty", { name });
  const header = rows[0].row;
  const lowered = header.map((c) => pythonStrip(c).toLowerCase());
  const want = KEY_COLUMNS.find((k) => lowered.includes(k));
  if (want === undefined) {
    const found = header.map((c) => `'${pythonStrip(c)}'`).join(", ") || "none";
    throw new LibError("stock.csvNoKeyColumn", { name, found });
  }
  const column = lowered.indexOf(want);
  const out: Array<[number, string]> = [];
  let previousEnd = rows[0].lineNum;
  for (const { row, lineNum } of rows.slice(1)) {
    const start = previousEnd + 1; // a quoted field may span lines: report where the row starts
    previousEnd = lineNum;
    if (!row.some((cell) => pythonStrip(cell))) continue; // a blank row
    const value = column < row.length ? row[column] : "";
    out.push([start, pythonStrip(value) ? value : ""]);
  }
  return out;
}

function dedupe(candidates: Array<[number, string]>): ParsedStock {
  const parsed: ParsedStock = { lines: [], duplicates: [], invalid: [] };
  const firstSeen = new Map<string, number>();
  for (const [line, value] of candidates) {
    let key: Uint8Array;
    try {
      key = normaliseKey(value);
    } catch (err) {
      if (!(err instanceof KeyFormatError)) throw err;
      parsed.invalid.push({ line, reason: err.message, text: err.text });
      continue;
    }
    const f = fingerprint(key);
    const first = firstSeen.get(f);
    if (first !== undefined) {
      parsed.duplicates.push({ line, firstLine: first });
      continue;
    }
    firstSeen.set(f, line);
    parsed.lines.push({ line, key, fingerprint: f });
  }
  return parsed;
}

/** Parses a stock file's bytes (CSV when the name ends in .csv), checking every line. Raises
 * LibError only for file-level problems (not UTF-8, no header or key column). */
export function parseStockFile(bytes: Uint8Array, name: string): ParsedStock {
  const text = decodeStockBytes(bytes, name);
  return dedupe(name.toLowerCase().endsWith(".csv") ? csvCandidates(text, name) : textCandidates(text));
}

/** Parses keys pasted as text (one per line, as a plain stock file). */
export function parseStockText(text: string): ParsedStock {
  return dedupe(textCandidates(text.replace(/^\uFEFF/, "")));
}

/** One sentence per bad line, in line order (importer.ImportReport.problems). */
export function stockProblems(parsed: ParsedStock): string[] {
  const items: Array<[number, string]> = [
    ...parsed.duplicates.map((d): [number, string] => [d.line, t("stock.duplicateInFile", { line: d.line, first: d.firstLine })]),
    ...parsed.invalid.map((i): [number, string] => [i.line, t("stock.invalidLine", { line: i.line, reason: i.reason })]),
  ];
  return items.sort((a, b) => a[0] - b[0]).map(([, text]) => text);
}
