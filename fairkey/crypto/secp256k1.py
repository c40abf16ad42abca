"""Small secp256k1 helpers over coincurve, plus a faithful model of the EVM ``ecrecover``.

Points are plain ``(x, y)`` integer pairs, the form they take in events and calldata.
"""

from __future__ import annotations

from coincurve import PublicKey
from eth_utils import keccak, to_checksum_address

P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8
B = 7  # curve: y^2 = x^3 + 7 (mod P)


def is_on_curve(x: int, y: int) -> bool:
    """True for an affine point of the curve (the point at infinity has no (x, y) form)."""
    if not (0 <= x < P and 0 <= y < P):
        return False
    return (y * y - (x * x * x + B)) % P == 0


def _to_public_key(x: int, y: int) -> PublicKey:
    if not is_on_curve(x, y):
        raise ValueError("point is not on secp256k1")
    return PublicKey.from_point(x, y)


def _scalar_bytes(k: int) -> bytes:
    k %= N
    if k == 0:
        # coincurve cannot represent the point at infinity, and no protocol value may be it.
        raise ValueError("scalar is 0 mod n (result would be the point at infinity)")
    return k.to_bytes(32, "big")


def point_mul(x: int, y: int, k: int) -> tuple[int, int]:
    """``k·(x, y)`` for any curve point; ``k`` is reduced mod n and must not vanish."""
    return _to_public_key(x, y).multiply(_scalar_bytes(k)).point()


def base_mul(k: int) -> tuple[int, int]:
    """``k·G``."""
    return PublicKey.from_secret(_scalar_bytes(k)).point()


def decompress(x: int, parity: int) -> tuple[int, int]:
    """The curve point with abscissa ``x`` and ``y & 1 == parity``."""
    if parity not in (0, 1):
        raise ValueError(f"parity must be 0 or 1, got {parity}")
    if not 0 <= x < P:
        raise ValueError("x out of field range")
    try:
        return PublicKey(bytes([2 + parity]) + x.to_bytes(32, "big")).point()
    except ValueError as exc:
        raise ValueError("x is not the abscissa of a curve point") from exc


def point_address_bytes(x: int, y: int) -> bytes:
    """``keccak(x || y)[12:]``: the 20 raw bytes of the Ethereum address of a point."""
    return keccak(x.to_bytes(32, "big") + y.to_bytes(32, "big"))[12:]


def point_address(x: int, y: int) -> str:
    """EIP-55 checksummed address of a point."""
    return to_checksum_address(point_address_bytes(x, y))


def ecrecover_address(msg_hash: bytes, v: int, r: int, s: int) -> str | None:
    """Model of the EVM ``ecrecover`` precompile (0x01); ``None`` where Solidity sees address(0).

    Like the precompile (geth ``ValidateSignatureValues`` with homestead=false): v must be 27 or
    28, r and s in ``[1, n-1]`` (high s allowed), the hash is any 32 bytes (zero included), and
    r is used directly as R.x (no ``r + n`` overflow variant).
    """
    if len(msg_hash) != 32:
        raise ValueError("msg_hash must be 32 bytes")
    if v not in (27, 28):
        return None
    if not (1 <= r < N and 1 <= s < N):
        return None
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v - 27])
    try:
        # hasher=None: msg_hash is already the 32-byte digest, exactly as the precompile takes it.
        pub = PublicKey.from_signature_and_message(signature, msg_hash, hasher=None)
    except ValueError:
        # r is not an abscissa on the curve, or the result is infinity: the precompile
        # returns no output and Solidity's ecrecover yields address(0).
        return None
    x, y = pub.point()
    return point_address(x, y)
