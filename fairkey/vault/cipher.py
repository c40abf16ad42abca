"""Encryption at rest: scrypt-derived key, AES-256-GCM per unit."""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from fairkey.vault.errors import VaultError

NONCE_LEN = 12
KDF_SALT_LEN = 16
# Known plaintext sealed with the derived key: opening it tells a wrong passphrase apart from a
# good one before any unit is touched (GCM would otherwise only fail unit by unit).
_CHECK_PLAINTEXT = b"fairkey vault key check v1"
_CHECK_AAD = b"fairkey.vault.keycheck.v1"


@dataclass(frozen=True)
class KdfParams:
    """scrypt cost parameters; stored in the vault so they can be raised later without breaking
    old vaults."""

    n: int = 2**15
    r: int = 8
    p: int = 1


def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    if not passphrase:
        raise VaultError("the vault passphrase must not be empty")
    kdf = Scrypt(salt=salt, length=32, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase.encode("utf-8"))


def new_kdf_salt() -> bytes:
    return os.urandom(KDF_SALT_LEN)


class VaultCipher:
    """Seals unit plaintexts. Derive once per Vault object: scrypt is deliberately slow."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("vault key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_passphrase(cls, passphrase: str, salt: bytes, params: KdfParams) -> VaultCipher:
        return cls(derive_key(passphrase, salt, params))

    def seal(self, plaintext: bytes, fingerprint: bytes) -> bytes:
        """Encrypt one unit. The fingerprint is the associated data, so a blob copied onto another
        row (another fingerprint) fails to open instead of yielding the wrong key."""
        nonce = os.urandom(NONCE_LEN)
        return nonce + self._aead.encrypt(nonce, plaintext, fingerprint)

    def open(self, blob: bytes, fingerprint: bytes) -> bytes:
        nonce, body = blob[:NONCE_LEN], blob[NONCE_LEN:]
        try:
            return self._aead.decrypt(nonce, body, fingerprint)
        except InvalidTag:
            raise VaultError(
                f"unit {fingerprint.hex()[:16]}…: encrypted key does not authenticate "
                "(vault file damaged or tampered with)"
            ) from None

    def key_check(self) -> bytes:
        nonce = os.urandom(NONCE_LEN)
        return nonce + self._aead.encrypt(nonce, _CHECK_PLAINTEXT, _CHECK_AAD)

    def verify_key_check(self, blob: bytes) -> None:
        nonce, body = blob[:NONCE_LEN], blob[NONCE_LEN:]
        try:
            plain = self._aead.decrypt(nonce, body, _CHECK_AAD)
        except InvalidTag:
            raise VaultError("wrong vault passphrase") from None
        if plain != _CHECK_PLAINTEXT:
            raise VaultError("wrong vault passphrase")
