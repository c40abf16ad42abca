// A batch's plain keys at rest in the browser: encrypted with a passphrase (WebCrypto PBKDF2-SHA256
// → AES-256-GCM), as a file the merchant downloads or a record in IndexedDB. The header (merchant,
// root, count) stays readable and is bound to the ciphertext as associated data, so it cannot be
// swapped; importing recomputes every commitment and the root and refuses a file that differs.
import { getAddress, type Address, type Hex } from "viem";
import { bytesToHex, hexToBytes, randomBytes } from "./bytes";
import { LibError } from "./errors";
import { makeBatch, stockUnit, type StockBatch } from "./stock";

/** The file format's name. */
export const STOCK_FORMAT = "fairkey-stock-v1";
/** PBKDF2 iterations (OWASP's 2023 figure for SHA-256). */
export const PBKDF2_ITERATIONS = 600_000;

/** An exported batch: readable header, encrypted units. */
export interface ExportedStock {
  format: typeof STOCK_FORMAT;
  merchant: Address;
  root: Hex;
  count: number;
  supplier: string;
  /** Where the batch was (or will be) committed, when known. */
  chainId: number | null;
  escrow: Address | null;
  listingId: string | null;
  kdf: { name: "PBKDF2"; hash: "SHA-256"; iterations: number; salt: Hex };
  cipher: { name: "AES-GCM"; iv: Hex };
  data: Hex;
}

type Header = Pick<ExportedStock, "format" | "merchant" | "root" | "count" | "supplier" | "chainId" | "escrow" | "listingId">;

function headerBytes(h: Header): Uint8Array {
  const fields = [h.format, h.merchant, h.root, h.count, h.supplier, h.chainId, h.escrow, h.listingId];
  return new TextEncoder().encode(JSON.stringify(fields));
}

async function aesKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Encrypts a batch's units with `passphrase`. */
export async function exportUnits(
  batch: StockBatch,
  passphrase: string,
  where: { chainId?: number; escrow?: string; listingId?: bigint | number } = {},
  iterations = PBKDF2_ITERATIONS,
): Promise<ExportedStock> {
  if (!passphrase) throw new LibError("stock.badPassphrase");
  const header: Header = {
    format: STOCK_FORMAT,
    merchant: batch.merchant,
    root: batch.root,
    count: batch.count,
    supplier: batch.supplier,
    chainId: where.chainId ?? null,
    escrow: where.escrow ? getAddress(where.escrow) : null,
    listingId: where.listingId === undefined ? null : String(where.listingId),
  };
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const body = JSON.stringify(batch.units.map((u) => ({ index: u.index, key: bytesToHex(u.key), salt: u.salt })));
  const key = await aesKey(passphrase, salt, iterations);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: iv as BufferSource, additionalData: headerBytes(header) as BufferSource },
    key,
    new TextEncoder().encode(body),
  );
  return {
    ...header,
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations, salt: bytesToHex(salt) },
    cipher: { name: "AES-GCM", iv: bytesToHex(iv) },
    data: bytesToHex(new Uint8Array(sealed)),
  };
}

/** Decrypts an exported batch (a parsed object or its JSON text); refuses a wrong passphrase, a
 * damaged file, and units that do not make the stated root. */
export async function importUnits(exported: ExportedStock | string, passphrase: string): Promise<StockBatch> {
  let file: ExportedStock;
  try {
    file = typeof exported === "string" ? (JSON.parse(exported) as ExportedStock) : exported;
  } catch {
    throw new LibError("stock.badFile");
  }
  if (file?.format !== STOCK_FORMAT || !file.kdf || !file.cipher || typeof file.data !== "string") throw new LibError("stock.badFile");
  let plain: ArrayBuffer;
  try {
    const key = await aesKey(passphrase, hexToBytes(file.kdf.salt), file.kdf.iterations);
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: hexToBytes(file.cipher.iv) as BufferSource, additionalData: headerBytes(file) as BufferSource },
      key,
      hexToBytes(file.data) as BufferSource,
    );
  } catch {
    throw new LibError("stock.badPassphrase");
  }
  const rows = JSON.parse(new TextDecoder().decode(plain)) as Array<{ index: number; key: Hex; salt: Hex }>;
  const batch = makeBatch(file.merchant, rows.map((r) => stockUnit(r.index, hexToBytes(r.key), r.salt)), file.supplier);
  if (batch.root.toLowerCase() !== file.root.toLowerCase() || batch.count !== file.count) throw new LibError("stock.tampered");
  return batch;
}

// ---------------------------------------------------------------------------- IndexedDB

const DB_NAME = "fairkey";
const STORE = "stock";

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "root" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = fn(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

/** Keeps an exported (encrypted) batch in this browser's IndexedDB, keyed by its root. */
export function saveStockLocally(exported: ExportedStock): Promise<IDBValidKey> {
  return withStore("readwrite", (s) => s.put(exported));
}

/** Every batch kept in this browser (still encrypted: headers readable, keys not). */
export function listStockLocally(): Promise<ExportedStock[]> {
  return withStore("readonly", (s) => s.getAll() as IDBRequest<ExportedStock[]>);
}

/** One kept batch by its root, or undefined. */
export function loadStockLocally(root: Hex): Promise<ExportedStock | undefined> {
  return withStore("readonly", (s) => s.get(root.toLowerCase()) as IDBRequest<ExportedStock | undefined>);
}

/** Forgets a kept batch. */
export function deleteStockLocally(root: Hex): Promise<undefined> {
  return withStore("readwrite", (s) => s.delete(root.toLowerCase()));
}
