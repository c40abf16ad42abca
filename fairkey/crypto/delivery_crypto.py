"""Encrypted delivery of a unit to a per-order buyer key (docs/protocol.md, "Encrypted delivery").

Merchant: ephemeral ``e`` with ``E = e·G`` and ``E.x < n``; ``z = address(e·B)``; ciphertext
``C = P xor keystream``, keystream block ``j`` = ``keccak(z || uint256 orderId || uint256 j)``.
The contract recovers the same ``z`` from the revealed buyer secret ``b`` with ``ecrecover``,
which is why ``E.x`` must be a valid ``r`` (``< n``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from eth_utils import keccak

from fairkey.crypto.canonical import is_canonical
from fairkey.crypto.keys import MAX_KEY_BYTES, SALT_BYTES, is_trimmed, normalise_key
from fairkey.crypto.keys import fingerprint as key_fingerprint
from fairkey.crypto.secp256k1 import (
    GX,
    GY,
    N,
    base_mul,
    decompress,
    ecrecover_address,
    is_on_curve,
    point_address_bytes,
    point_mul,
)

_UINT256_MAX = 2**256 - 1
_ZERO_HASH = b"\x00" * 32


@dataclass(frozen=True)
class Ephemeral:
    """Merchant's one-delivery key pair. Never reuse one: two deliveries to the same order and
    buyer key under the same ``e`` share a keystream, and their XOR leaks both plaintexts."""

    secret: int
    x: int
    y: int

    def __post_init__(self) -> None:
        if not 1 <= self.secret < N:
            raise ValueError("ephemeral secret must be in [1, n-1]")
        if base_mul(self.secret) != (self.x, self.y):
            raise ValueError("ephemeral point does not match its secret")
        if self.x >= N:
            # ecrecover rejects r >= n, so the contract could not recompute z.
            raise ValueError("ephemeral E.x must be < n")

    @property
    def parity(self) -> int:
        return self.y & 1


def new_ephemeral() -> Ephemeral:
    """Random ``e`` in ``[1, n-1]`` whose ``E.x < n`` (retry otherwise; odds ~2^-128)."""
    while True:
        e = secrets.randbelow(N - 1) + 1
        x, y = base_mul(e)
        if x < N:
            return Ephemeral(e, x, y)


def shared_secret(ephemeral_secret: int, buyer_x: int, buyer_y: int) -> bytes:
    """Merchant side: ``z = address(e·B)`` as 20 raw bytes."""
    if not is_on_curve(buyer_x, buyer_y):
        raise ValueError("buyer key is not on secp256k1")
    return point_address_bytes(*point_mul(buyer_x, buyer_y, ephemeral_secret))


def buyer_shared_secret(buyer_secret: int, eph_x: int, eph_parity: int) -> bytes:
    """Buyer side: ``z = address(b·E)`` with ``E`` decompressed from ``(E.x, parity)``."""
    ex, ey = decompress(eph_x, eph_parity)
    return point_address_bytes(*point_mul(ex, ey, buyer_secret))


def _ecrecover_mul(buyer_secret: int, x: int, parity: int) -> bytes:
    # ecrecover(0, v, r, s) = r^-1·s·R; with s = b·r mod n that is b·R, R = (r, parity).
    b = buyer_secret % N
    if b == 0:
        raise ValueError("buyer secret must not be 0 mod n")
    addr = ecrecover_address(_ZERO_HASH, 27 + parity, x, b * x % N)
    if addr is None:
        raise ValueError("ecrecover rejected the inputs (E.x >= n or not on the curve)")
    return bytes.fromhex(addr[2:])


def contract_view_secret(buyer_secret: int, eph_x: int, eph_parity: int) -> bytes:
    """``z`` computed the way the contract does: ``ecrecover(0, 27+parity, E.x, b·E.x mod n)``."""
    if eph_parity not in (0, 1):
        raise ValueError(f"parity must be 0 or 1, got {eph_parity}")
    return _ecrecover_mul(buyer_secret, eph_x, eph_parity)


def contract_key_address(buyer_secret: int) -> bytes:
    """``address(b·G)`` the way the contract checks a revealed buyer secret (ecrecover on G)."""
    return _ecrecover_mul(buyer_secret, GX, GY & 1)


def keystream(z: bytes, order_id: int, length: int) -> bytes:
    """First ``length`` bytes of ``keccak(z || uint256 orderId || uint256 j)`` for j = 0, 1, …"""
    if len(z) != 20:
        raise ValueError(f"z must be 20 bytes, got {len(z)}")
    if not 0 <= order_id <= _UINT256_MAX:
        raise ValueError("order id out of uint256 range")
    if length < 0:
        raise ValueError("length must be non-negative")
    prefix = bytes(z) + order_id.to_bytes(32, "big")  # abi.encodePacked(address, uint256, ...)
    blocks = (length + 31) // 32
    return b"".join(keccak(prefix + j.to_bytes(32, "big")) for j in range(blocks))[:length]


def xor_cipher(data: bytes, z: bytes, order_id: int) -> bytes:
    """``data xor keystream``; the same call encrypts and decrypts."""
    stream = keystream(z, order_id, len(data))
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


@dataclass(frozen=True)
class SealedKey:
    """What ``deliver`` puts on chain besides the commitment data: ``E.x``, parity and ``C``."""

    eph_x: int
    eph_parity: int
    ciphertext: bytes


def seal(
    unit_plaintext: bytes,
    order_id: int,
    buyer_x: int,
    buyer_y: int,
    ephemeral: Ephemeral | None = None,
) -> SealedKey:
    """Encrypt ``P`` for the buyer key ``B`` of order ``order_id``."""
    eph = ephemeral if ephemeral is not None else new_ephemeral()
    z = shared_secret(eph.secret, buyer_x, buyer_y)
    return SealedKey(eph.x, eph.parity, xor_cipher(unit_plaintext, z, order_id))


def open_sealed(sealed: SealedKey, order_id: int, buyer_secret: int) -> bytes:
    """Decrypt a delivery with the order's buyer secret; returns ``P`` (unchecked)."""
    z = buyer_shared_secret(buyer_secret, sealed.eph_x, sealed.eph_parity)
    return xor_cipher(sealed.ciphertext, z, order_id)


@dataclass(frozen=True)
class DeliveryCheck:
    """Outcome of checking a decrypted plaintext against the delivered ``(c, f)``.

    ``commitment_ok`` is ``keccak(P) == c``; ``fingerprint_ok`` is
    ``keccak(DOMAIN || P[32:]) == f`` over the raw key bytes (what a contract can recompute),
    false for a plaintext too short to hold a key. ``key`` is ``P[32:]`` when it is valid UTF-8.
    """

    plaintext: bytes
    key: bytes | None
    commitment_ok: bool
    fingerprint_ok: bool

    @property
    def canonical(self) -> bool:
        """The key is in the protocol's canonical form (trimmed UTF-8, 1..256 bytes).

        A non-canonical key can match its own commitment and fingerprint yet dodge the
        fingerprint registry (``" X"`` and ``"X"`` differ), so the buyer should refuse it.
        """
        if self.key is None or len(self.key) > MAX_KEY_BYTES:
            return False
        try:
            return normalise_key(self.key) == self.key
        except ValueError:
            return False

    @property
    def ok(self) -> bool:
        """The delivery is exactly what was committed, in canonical form."""
        return self.commitment_ok and self.fingerprint_ok and self.canonical

    @property
    def provable_misdelivery(self) -> bool:
        """A fault the contract can see by re-decrypting: c or f does not match, or the key is
        not trimmed or not canonical (``" KEY"`` or ``"KEY\u200b"`` would dodge the registry
        entry of ``"KEY"``). A listing's stricter alphabet is checked by ``find_fault``."""
        if not (self.commitment_ok and self.fingerprint_ok):
            return True
        key = self.plaintext[SALT_BYTES:]
        return len(self.plaintext) > SALT_BYTES and not (is_trimmed(key) and is_canonical(key))


def check_delivery(
    plaintext: bytes, expected_commitment: bytes, expected_fingerprint: bytes
) -> DeliveryCheck:
    """Check a decrypted plaintext against the commitment and fingerprint it was delivered as."""
    p = bytes(plaintext)
    commitment_ok = keccak(p) == expected_commitment
    key: bytes | None = None
    fingerprint_ok = False
    if len(p) > SALT_BYTES:
        raw = p[SALT_BYTES:]
        fingerprint_ok = key_fingerprint(raw) == expected_fingerprint
        try:
            raw.decode("utf-8")
            key = raw
        except UnicodeDecodeError:
            key = None
    return DeliveryCheck(p, key, commitment_ok, fingerprint_ok)


def open_and_check(
    sealed: SealedKey,
    order_id: int,
    buyer_secret: int,
    expected_commitment: bytes,
    expected_fingerprint: bytes,
) -> DeliveryCheck:
    """Decrypt a delivery and check it in one step (the buyer's usual path)."""
    return check_delivery(
        open_sealed(sealed, order_id, buyer_secret), expected_commitment, expected_fingerprint
    )
