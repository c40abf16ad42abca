"""Content-addressed files: `<root>/<h[2:4]>/<h>` where h is the 0x keccak256 of the bytes.
Written to a temporary file and renamed into place, so a reader never sees half a file and two
writers of the same content agree."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from eth_utils import keccak


def content_hash(data: bytes) -> str:
    return "0x" + keccak(data).hex()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path_of(self, digest: str) -> Path:
        name = digest.lower()
        if (
            len(name) != 66
            or not name.startswith("0x")
            or any(c not in "0123456789abcdef" for c in name[2:])
        ):
            raise ValueError(f"not a content hash: {digest!r}")
        return self.root / name[2:4] / name

    def put(self, data: bytes) -> str:
        digest = content_hash(data)
        path = self.path_of(digest)
        if path.exists() and path.stat().st_size == len(data):
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def has(self, digest: str) -> bool:
        return self.path_of(digest).is_file()
