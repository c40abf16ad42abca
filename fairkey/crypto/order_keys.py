"""Per-order buyer keys derived from one wallet signature (docs/protocol.md, "Per-order buyer key").

``seed = keccak(personal_sign(seed_message))``; order key ``j`` is
``b = int(keccak(seed || uint256 j)) mod n`` (next candidate on 0), ``B = b·G``. Wallets sign
deterministically (RFC 6979), so every device of the buyer re-derives the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from eth_account.messages import encode_defunct
from eth_utils import keccak, to_checksum_address

from fairkey.crypto.secp256k1 import N, base_mul, point_address, point_address_bytes

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

_UINT256_MAX = 2**256 - 1


def seed_message(chain_id: int, escrow_address: str) -> str:
    """The exact text the wallet signs; binding chain and escrow keeps seeds per-deployment."""
    if chain_id < 0:
        raise ValueError("chain id must be non-negative")
    escrow = to_checksum_address(escrow_address)
    return f"fairkey order keys v1\nchain: {chain_id}\nescrow: {escrow}"


def seed_from_signature(signature: bytes) -> bytes:
    """``seed = keccak(signature)`` over the 65-byte ``r || s || v`` signature.

    Some signers (hardware wallets, raw libsecp256k1) report ``v`` as 0/1 instead of 27/28;
    we rewrite it to 27/28 (what ``personal_sign`` returns in MetaMask and eth-account) so the
    same key yields the same seed on every device.
    """
    sig = bytes(signature)
    if not sig:
        raise ValueError("signature is empty")
    if len(sig) == 65 and sig[64] in (0, 1):
        sig = sig[:64] + bytes([sig[64] + 27])
    return keccak(sig)


def order_secret(seed: bytes, index: int) -> int:
    """``b_j = int(keccak(seed || uint256 j)) mod n``, falling back to
    ``keccak(seed || uint256 j || uint256 k)`` for k = 1, 2, … while the result is 0."""
    if not 0 <= index <= _UINT256_MAX:
        raise ValueError(f"order key index out of uint256 range: {index}")
    base = bytes(seed) + index.to_bytes(32, "big")
    b = int.from_bytes(keccak(base), "big") % N
    k = 1
    while b == 0:  # probability ~2^-256; the spec names only k = 1, later k just continue it
        b = int.from_bytes(keccak(base + k.to_bytes(32, "big")), "big") % N
        k += 1
    return b


@dataclass(frozen=True)
class OrderKey:
    """Buyer key pair of one order; the order stores ``address``, the event ``(x, y)``."""

    index: int
    secret: int
    x: int
    y: int

    @property
    def address(self) -> str:
        return point_address(self.x, self.y)

    @property
    def point(self) -> tuple[int, int]:
        return (self.x, self.y)


def derive_order_key(seed: bytes, index: int) -> OrderKey:
    b = order_secret(seed, index)
    x, y = base_mul(b)
    return OrderKey(index, b, x, y)


def seed_from_account(account: LocalAccount, chain_id: int, escrow_address: str) -> bytes:
    """Seed for a local account: EIP-191 ``personal_sign`` of :func:`seed_message`."""
    signed = account.sign_message(encode_defunct(text=seed_message(chain_id, escrow_address)))
    return seed_from_signature(bytes(signed.signature))


def find_order_key(seed: bytes, key_address: str, limit: int = 10_000) -> OrderKey | None:
    """Scan ``j = 0 .. limit-1`` for the key whose address is ``key_address``."""
    target = bytes.fromhex(to_checksum_address(key_address)[2:])
    for j in range(limit):
        b = order_secret(seed, j)
        x, y = base_mul(b)
        if point_address_bytes(x, y) == target:  # raw bytes: skips EIP-55 work per candidate
            return OrderKey(j, b, x, y)
    return None
