"""The listing metadata store: documents in, by their hash; documents out, re-hashed.

A document is stored only under its own hash (`ListingMetadata.description_hash`), so the store
cannot hold a title that is not the listing's: it is content-addressed. What is read back is
hashed again (`verified`), so a row changed behind the API's back shows as not verified rather
than as the listing's text."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from api.db import Database
from api.metadata.models import ListingDocument
from fairkey.listing_meta import ListingMetadata, MetadataError

_SEARCH_LIMIT = 5_000  # hashes a title search hands the listing query at most
_REMEMBERED = 10_000  # documents kept in memory
_COUNT = sa.select(sa.func.count()).select_from(ListingDocument.__table__)  # built once


@dataclass(frozen=True)
class StoredDocument:
    metadata: ListingMetadata | None  # None: the stored text no longer parses
    verified: bool  # it hashes to the hash it is stored under


def hash_hex(digest: bytes) -> str:
    return "0x" + digest.hex()


class MetadataStore:
    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock
        # Stored documents never change (content-addressed): found ones are remembered, so a
        # page of listings reads the store only for hashes it has not found before.
        self._found: OrderedDict[str, StoredDocument] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, metadata: ListingMetadata, listing_id: int) -> bool:
        """Stores the document under its hash; False when it was there already."""
        canonical = metadata.canonical()
        key = hash_hex(metadata.description_hash())
        row = ListingDocument(
            description_hash=key,
            document=canonical.decode(),
            title_fold=metadata.title.casefold()[:480],
            size=len(canonical),
            first_listing=listing_id,
            stored_at=int(self.clock()),
        )
        try:
            with self.db.transaction() as s:
                if s.get(ListingDocument, key) is not None:
                    return False
                s.add(row)
        except IntegrityError:  # another request stored it a moment before
            return False
        return True

    def get_many(self, hashes: Collection[str]) -> dict[str, StoredDocument]:
        """The stored documents of these hashes (0x + 64 hex), by hash; missing ones absent."""
        keys = {h.lower() for h in hashes}
        with self._lock:
            found = {k: self._found[k] for k in keys if k in self._found}
        missing = sorted(keys - set(found))
        if missing:
            t = ListingDocument.__table__.c
            with self.db.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(t.description_hash, t.document).where(t.description_hash.in_(missing))
                ).all()
            read = {key: _read(key, text) for key, text in rows}
            found.update(read)
            with self._lock:
                self._found.update(read)
                while len(self._found) > _REMEMBERED:
                    self._found.popitem(last=False)
        return found

    def count(self) -> int:
        """How many documents are stored: rows are only ever added, so a change of this number
        is a new document (api/listings/cache.py keys its pages on it)."""
        with self.db.engine.connect() as conn:
            return conn.execute(_COUNT).scalar_one()

    def search_titles(self, text: str) -> set[str]:
        """Hashes of the documents whose title contains `text` (case-insensitive)."""
        needle = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        t = ListingDocument.__table__.c
        query = (
            sa.select(t.description_hash)
            .where(t.title_fold.like(f"%{needle}%", escape="\\"))
            .limit(_SEARCH_LIMIT)
        )
        with self.db.engine.connect() as conn:
            return set(conn.execute(query).scalars())


def _read(key: str, text: str) -> StoredDocument:
    try:
        metadata = ListingMetadata.parse(text.encode())
    except MetadataError:
        return StoredDocument(None, False)
    return StoredDocument(metadata, hash_hex(metadata.description_hash()) == key)
