"""Listing metadata: the title and description documents behind listings' on-chain description
hashes, stored content-addressed (fairkey/listing_meta.py defines the document and its hash)."""
