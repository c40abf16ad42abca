"""The buyer's card key, encrypted to the verifier only (never plain text, never on chain).

ECIES over secp256k1: an ephemeral key pair e, shared secret = x-coordinate of e·V (V the
verifier's public key), AES-256-GCM key = HKDF-SHA256(secret, salt = E || V (compressed),
info = "fairkey.verifier-envelope.v1"). The associated data binds the envelope to one chain,
escrow and order (`key_check_aad`), so a captured envelope cannot be replayed for another order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from coincurve import PrivateKey, PublicKey
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_utils import to_canonical_address

VERSION = 1
HKDF_INFO = b"fairkey.verifier-envelope.v1"
AAD_DOMAIN = b"fairkey.key-check.v1"
NONCE_BYTES = 12


class EnvelopeError(ValueError):
    """The envelope is malformed, or does not open with this key and associated data."""


@dataclass(frozen=True)
class Envelope:
    ephemeral_pubkey: bytes  # 33 bytes, compressed
    nonce: bytes
    ciphertext: bytes  # AES-GCM ciphertext || tag
    version: int = VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "ephemeral_pubkey": "0x" + self.ephemeral_pubkey.hex(),
            "nonce": "0x" + self.nonce.hex(),
            "ciphertext": "0x" + self.ciphertext.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Envelope:
        try:
            version = int(data.get("version", VERSION))
            fields = [
                bytes.fromhex(str(data[name]).removeprefix("0x"))
                for name in ("ephemeral_pubkey", "nonce", "ciphertext")
            ]
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise EnvelopeError(f"malformed envelope: {exc}") from None
        return cls(*fields, version=version)


def key_check_aad(chain_id: int, escrow: str, order_id: int) -> bytes:
    """Associated data of an envelope for one order: domain || chainId || escrow || orderId."""
    return (
        AAD_DOMAIN
        + chain_id.to_bytes(32, "big")
        + to_canonical_address(escrow)
        + order_id.to_bytes(32, "big")
    )


def _public_key(value: bytes | str | PublicKey) -> PublicKey:
    if isinstance(value, PublicKey):
        return value
    if isinstance(value, str):
        value = bytes.fromhex(value.removeprefix("0x"))
    if len(value) == 64:  # raw x || y
        value = b"\x04" + value
    try:
        return PublicKey(value)
    except (ValueError, TypeError) as exc:
        raise EnvelopeError(f"not a secp256k1 public key: {exc}") from None


def _private_key(value: bytes | str | int | PrivateKey) -> PrivateKey:
    if isinstance(value, PrivateKey):
        return value
    if isinstance(value, int):
        value = value.to_bytes(32, "big")
    if isinstance(value, str):
        value = bytes.fromhex(value.removeprefix("0x"))
    return PrivateKey(bytes(value))


def _aead_key(shared: PublicKey, ephemeral: PublicKey, recipient: PublicKey) -> bytes:
    secret_x = shared.format(compressed=True)[1:]
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral.format(compressed=True) + recipient.format(compressed=True),
        info=HKDF_INFO,
    ).derive(secret_x)


def seal_for_verifier(
    key_bytes: bytes,
    verifier_pubkey: bytes | str | PublicKey,
    aad: bytes,
    *,
    _ephemeral: PrivateKey | None = None,
    _nonce: bytes | None = None,
) -> Envelope:
    """Seals `key_bytes` to the verifier. `_ephemeral` and `_nonce` are for fixed test vectors
    only (scripts/web_vectors.py): a real envelope always takes fresh ones."""
    recipient = _public_key(verifier_pubkey)
    ephemeral = _ephemeral or PrivateKey()
    shared = recipient.multiply(ephemeral.secret)
    key = _aead_key(shared, ephemeral.public_key, recipient)
    nonce = _nonce if _nonce is not None else os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, bytes(key_bytes), aad)
    return Envelope(ephemeral.public_key.format(compressed=True), nonce, ciphertext)


def open_for_verifier(
    envelope: Envelope, verifier_privkey: bytes | str | int | PrivateKey, aad: bytes
) -> bytes:
    if envelope.version != VERSION:
        raise EnvelopeError(f"unknown envelope version {envelope.version}")
    if len(envelope.nonce) != NONCE_BYTES:
        raise EnvelopeError(f"nonce must be {NONCE_BYTES} bytes")
    private = _private_key(verifier_privkey)
    ephemeral = _public_key(envelope.ephemeral_pubkey)
    shared = ephemeral.multiply(private.secret)
    key = _aead_key(shared, ephemeral, private.public_key)
    try:
        return AESGCM(key).decrypt(envelope.nonce, envelope.ciphertext, aad)
    except InvalidTag:
        raise EnvelopeError(
            "the envelope does not open: wrong verifier key, or sealed for another chain, "
            "escrow or order"
        ) from None
