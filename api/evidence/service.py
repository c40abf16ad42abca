"""Storing and finding evidence: the bytes in the blob store, the metadata in the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.db import Database
from api.evidence.models import EvidenceFile
from api.evidence.storage import BlobStore

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str | None) -> str | None:
    """The uploaded file's name as a label only (never a path): its last segment, plain
    characters."""
    if not name:
        return None
    label = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return label[:200] or None


@dataclass(frozen=True)
class StoredEvidence:
    case_id: int
    content_hash: str
    uploader: str
    content_type: str
    size: int
    filename: str | None
    created_at: int

    @classmethod
    def of(cls, row: EvidenceFile) -> StoredEvidence:
        return cls(
            row.case_id,
            row.content_hash,
            row.uploader,
            row.content_type,
            row.size,
            row.filename,
            row.created_at,
        )


class EvidenceService:
    def __init__(self, db: Database, blobs: BlobStore, clock: Callable[[], float]) -> None:
        self.db = db
        self.blobs = blobs
        self.clock = clock

    def save(
        self, case_id: int, uploader: str, data: bytes, content_type: str, filename: str | None
    ) -> tuple[StoredEvidence, bool]:
        """(the evidence, True if new). The same content for the same case is stored once; the
        first upload's metadata stands."""
        digest = self.blobs.put(data)
        row = EvidenceFile(
            case_id=case_id,
            content_hash=digest,
            uploader=uploader,
            content_type=content_type,
            size=len(data),
            filename=safe_filename(filename),
            created_at=int(self.clock()),
        )
        try:
            with self.db.transaction() as tx:
                tx.add(row)
            return StoredEvidence.of(row), True
        except IntegrityError:
            existing = self.get(case_id, digest)
            assert existing is not None
            return existing, False

    def get(self, case_id: int, digest: str) -> StoredEvidence | None:
        with self.db.transaction() as tx:
            row = tx.scalar(
                select(EvidenceFile).where(
                    EvidenceFile.case_id == case_id, EvidenceFile.content_hash == digest.lower()
                )
            )
            return StoredEvidence.of(row) if row else None

    def of_case(self, case_id: int) -> list[StoredEvidence]:
        with self.db.transaction() as tx:
            rows = tx.scalars(
                select(EvidenceFile)
                .where(EvidenceFile.case_id == case_id)
                .order_by(EvidenceFile.id)
            )
            return [StoredEvidence.of(r) for r in rows]

    def path(self, digest: str) -> Path:
        return self.blobs.path_of(digest)
