"""Card keys, salts, plaintexts, commitments and fingerprints (docs/protocol.md, "Card keys").

Every function here produces bytes that the contracts re-derive, so the encodings are exact:
``K`` is the stripped UTF-8 code, ``P = s || K``, ``c = keccak(P)`` and
``f = keccak(b"fairkey.fingerprint.v1" || K)``.

The key format lives here too: ``normalise_key`` makes the canonical ``K`` and ``is_trimmed`` is
the contract's check of it (the canonical character table is ``canonical.py``). A stock unit's
leaf is ``merkle.leaf_hash``; merkle knows nothing of this module.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from eth_utils import keccak

from fairkey.crypto.canonical import canonical_problem
from fairkey.crypto.merkle import leaf_hash

MAX_KEY_BYTES = 256
SALT_BYTES = 32
FINGERPRINT_DOMAIN = b"fairkey.fingerprint.v1"


class KeyFormatError(ValueError):
    """A card key that the protocol refuses (empty, too long, not UTF-8)."""


def normalise_key(key: str | bytes) -> bytes:
    """Return the canonical encoding ``K`` of a card key.

    The canonical form matters: the fingerprint registry only catches a resold key if every
    seller encodes it identically, so surrounding whitespace is always trimmed, and a key that
    still holds an invisible or control character is refused (``canonical.canonical_problem``:
    the contract proves such a delivered key a fault).
    """
    if isinstance(key, bytes | bytearray | memoryview):
        try:
            text = bytes(key).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise KeyFormatError(f"card key is not valid UTF-8: {exc}") from exc
    elif isinstance(key, str):
        text = key
    else:
        raise TypeError(f"card key must be str or bytes, not {type(key).__name__}")
    encoded = text.strip().encode("utf-8")
    if not encoded:
        raise KeyFormatError("card key is empty (after trimming whitespace)")
    if len(encoded) > MAX_KEY_BYTES:
        raise KeyFormatError(
            f"card key is too long: {len(encoded)} bytes (at most {MAX_KEY_BYTES} bytes allowed)"
        )
    problem = canonical_problem(encoded)
    if problem is not None:
        raise KeyFormatError(f"card key is not in canonical form: {problem}")
    return encoded


def is_trimmed(key: bytes) -> bool:
    """The contract's view of a normalised key: its first and last characters are not
    whitespace (str.isspace(), what normalise_key trims). Invalid UTF-8 counts as not space."""
    first = key[:4].decode("utf-8", errors="replace")[:1]
    tail = key[-4:]
    # the last character starts at the last byte that is not a UTF-8 continuation byte
    start = max((i for i in range(len(tail)) if tail[i] & 0xC0 != 0x80), default=0)
    last = tail[start:].decode("utf-8", errors="replace")[:1]
    return not (first.isspace() or last.isspace())


def new_salt() -> bytes:
    """32 fresh random bytes; a per-unit salt hides the key behind its commitment."""
    return secrets.token_bytes(SALT_BYTES)


def _check_salt(salt: bytes) -> None:
    if len(salt) != SALT_BYTES:
        raise ValueError(f"salt must be {SALT_BYTES} bytes, got {len(salt)}")


def plaintext(salt: bytes, key: bytes) -> bytes:
    """``P = salt || key``: the bytes that are encrypted for the buyer."""
    _check_salt(salt)
    return bytes(salt) + bytes(key)


def commitment(salt: bytes, key: bytes) -> bytes:
    """``c = keccak(P)``: binds the merchant to one exact key without revealing it."""
    return keccak(plaintext(salt, key))


def fingerprint(key: bytes) -> bytes:
    """``f = keccak(DOMAIN || K)``: unsalted on purpose, so duplicate keys collide."""
    return keccak(FINGERPRINT_DOMAIN + bytes(key))


def split_plaintext(p: bytes) -> tuple[bytes, bytes]:
    """Split ``P`` into ``(salt, key)``; the salt is always the first 32 bytes."""
    if len(p) <= SALT_BYTES:
        raise ValueError(f"plaintext must be longer than {SALT_BYTES} bytes, got {len(p)}")
    return bytes(p[:SALT_BYTES]), bytes(p[SALT_BYTES:])


@dataclass(frozen=True)
class StockUnit:
    """One card key in a stock batch, at position ``index`` of the batch's Merkle tree."""

    index: int
    key: bytes
    salt: bytes

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"unit index must be non-negative, got {self.index}")
        if not isinstance(self.key, bytes) or not isinstance(self.salt, bytes):
            raise TypeError("StockUnit key and salt must be bytes")
        _check_salt(self.salt)
        # Refuse non-canonical keys here: a unit with untrimmed whitespace would get a
        # fingerprint different from the same code sold elsewhere.
        if normalise_key(self.key) != self.key:
            raise KeyFormatError("card key is not normalised (use normalise_key first)")

    @property
    def plaintext(self) -> bytes:
        return plaintext(self.salt, self.key)

    @property
    def commitment(self) -> bytes:
        return commitment(self.salt, self.key)

    @property
    def fingerprint(self) -> bytes:
        return fingerprint(self.key)

    def leaf(self, merchant: str) -> bytes:
        """The unit's leaf in ``merchant``'s stock tree."""
        return leaf_hash(merchant, self.index, self.commitment, self.fingerprint)
