// A listing's description document: canonical JSON and hash, and the SDK's refusals
// (fairkey/listing_meta.py; web/test/vectors/listing_docs.json).
import { describe, expect, test } from "vitest";
import { canonicalDoc, checkDoc, descriptionHash, MetadataError } from "../src/lib/listingDoc";
import v from "./vectors/listing_docs.json";

describe("listing documents match the SDK", () => {
  test.each(v.map((d) => [d.title.slice(0, 30), d] as const))("%s", (_t, d) => {
    const doc = { title: d.title, description: d.description, lang: d.lang };
    if ("error" in d && d.error) {
      expect(() => checkDoc(doc)).toThrow(new MetadataError(d.error));
      return;
    }
    expect(() => checkDoc(doc)).not.toThrow();
    expect(canonicalDoc(doc)).toBe(d.canonical);
    expect(descriptionHash(doc)).toBe(d.hash);
  });
});
