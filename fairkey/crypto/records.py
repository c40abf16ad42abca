"""Delivery records, their hash (the fingerprint registry's value), and misdelivery proofs
(docs/protocol.md, "Delivery record").

``recordHash = keccak(abi.encode(uint256 o, uint256 d, bytes32 root, uint256 unitIndex,
bytes32 c, bytes32 f, bytes32 E.x, uint8 parity, bytes32 keccak(C)))``; the registry slot of
``f`` holds ``recordHash`` itself. A misdelivery proof re-submits the record,
which the contract must hash back to the registered value before decrypting ``C``.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak

from fairkey.crypto.canonical import KeyAlphabet, is_canonical
from fairkey.crypto.delivery_crypto import SealedKey, xor_cipher
from fairkey.crypto.keys import MAX_KEY_BYTES, SALT_BYTES, is_trimmed
from fairkey.crypto.keys import fingerprint as key_fingerprint
from fairkey.crypto.secp256k1 import N, ecrecover_address

_UINT256_MAX = 2**256 - 1

# Fault codes of the contract's DeliveryCrypto.findFault (0 = the delivery is as committed).
FAULT_NONE = 0
FAULT_BAD_EPHEMERAL = 1  # z cannot be derived (E.x >= n, not on the curve, bad parity)
FAULT_BAD_LENGTH = 2  # ciphertext is not 33..288 bytes
FAULT_COMMITMENT = 3  # keccak(P) != c
FAULT_FINGERPRINT = 4  # keccak(DOMAIN || P[32:]) != f
FAULT_NOT_TRIMMED = 5  # the key part starts or ends with whitespace (dodges the registry)
FAULT_NOT_CANONICAL = 6  # an invisible/control character, invalid UTF-8, or outside the alphabet

_MIN_PLAINTEXT = SALT_BYTES + 1
_MAX_PLAINTEXT = SALT_BYTES + MAX_KEY_BYTES


def _check_bytes32(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValueError(f"{what} must be 32 bytes")


def record_hash(
    order_id: int,
    delivery_no: int,
    root: bytes,
    unit_index: int,
    commitment: bytes,
    fingerprint: bytes,
    eph_x: int,
    eph_parity: int,
    ciphertext: bytes,
) -> bytes:
    """Hash of delivery ``delivery_no`` (0 first, +1 per replacement) of order ``order_id``."""
    for name, value in (
        ("order id", order_id),
        ("delivery no", delivery_no),
        ("unit index", unit_index),
        ("E.x", eph_x),
    ):
        if not 0 <= value <= _UINT256_MAX:
            raise ValueError(f"{name} out of uint256 range: {value}")
    if eph_parity not in (0, 1):
        raise ValueError(f"parity must be 0 or 1, got {eph_parity}")
    _check_bytes32(root, "root")
    _check_bytes32(commitment, "commitment")
    _check_bytes32(fingerprint, "fingerprint")
    encoded = encode(
        [
            "uint256",
            "uint256",
            "bytes32",
            "uint256",
            "bytes32",
            "bytes32",
            "bytes32",
            "uint8",
            "bytes32",
        ],
        [
            order_id,
            delivery_no,
            root,
            unit_index,
            commitment,
            fingerprint,
            eph_x.to_bytes(32, "big"),
            eph_parity,
            keccak(bytes(ciphertext)),
        ],
    )
    return keccak(encoded)


@dataclass(frozen=True)
class DeliveryRecord:
    """Mirror of the Solidity ``DeliveryRecord`` struct (contracts/types/EscrowTypes.sol)."""

    root: bytes
    unit_index: int
    commitment: bytes
    fingerprint: bytes
    eph_x: int
    eph_parity: int
    ciphertext: bytes

    @classmethod
    def from_sealed(
        cls, root: bytes, unit_index: int, commitment: bytes, fingerprint: bytes, sealed: SealedKey
    ) -> DeliveryRecord:
        return cls(
            root,
            unit_index,
            commitment,
            fingerprint,
            sealed.eph_x,
            sealed.eph_parity,
            sealed.ciphertext,
        )

    @property
    def sealed(self) -> SealedKey:
        return SealedKey(self.eph_x, self.eph_parity, self.ciphertext)

    def record_hash(self, order_id: int, delivery_no: int) -> bytes:
        return record_hash(
            order_id,
            delivery_no,
            self.root,
            self.unit_index,
            self.commitment,
            self.fingerprint,
            self.eph_x,
            self.eph_parity,
            self.ciphertext,
        )

    def as_struct(self) -> tuple[bytes, int, bytes, bytes, bytes, int, bytes]:
        """ABI tuple in struct field order (ephemeralX is ``bytes32`` on chain)."""
        return (
            self.root,
            self.unit_index,
            self.commitment,
            self.fingerprint,
            self.eph_x.to_bytes(32, "big"),
            self.eph_parity,
            self.ciphertext,
        )


def find_fault(
    buyer_secret: int,
    order_id: int,
    record: DeliveryRecord,
    alphabet: KeyAlphabet = KeyAlphabet.TEXT,
) -> int:
    """What the contract's ``findFault`` reports for this record (``FAULT_*``), step by step,
    for a listing selling keys of ``alphabet``."""
    # mulAddress: address(b·E) via ecrecover; any invalid input yields address(0).
    rx, parity = record.eph_x, record.eph_parity
    if rx == 0 or rx >= N or parity > 1:
        return FAULT_BAD_EPHEMERAL
    s = (buyer_secret * rx) % N
    if s == 0:
        return FAULT_BAD_EPHEMERAL
    addr = ecrecover_address(b"\x00" * 32, 27 + parity, rx, s)
    if addr is None:
        return FAULT_BAD_EPHEMERAL
    z = bytes.fromhex(addr[2:])
    if not _MIN_PLAINTEXT <= len(record.ciphertext) <= _MAX_PLAINTEXT:
        return FAULT_BAD_LENGTH
    plain = xor_cipher(record.ciphertext, z, order_id)
    if keccak(plain) != record.commitment:
        return FAULT_COMMITMENT
    if key_fingerprint(plain[SALT_BYTES:]) != record.fingerprint:
        return FAULT_FINGERPRINT
    if not is_trimmed(plain[SALT_BYTES:]):
        return FAULT_NOT_TRIMMED
    if not is_canonical(plain[SALT_BYTES:], alphabet):
        return FAULT_NOT_CANONICAL
    return FAULT_NONE


@dataclass(frozen=True)
class MisdeliveryProof:
    """Everything a buyer submits to prove a misdelivery: the order, which delivery, the record
    exactly as delivered (it must hash to the registered value) and the order's buyer secret."""

    order_id: int
    delivery_no: int
    record: DeliveryRecord
    buyer_secret: int
    alphabet: KeyAlphabet = KeyAlphabet.TEXT  # the listing's: a key outside it is a fault too

    @property
    def record_hash(self) -> bytes:
        return self.record.record_hash(self.order_id, self.delivery_no)

    @property
    def fault(self) -> int:
        return find_fault(self.buyer_secret, self.order_id, self.record, self.alphabet)

    def args(self) -> tuple[int, tuple[bytes, int, bytes, bytes, bytes, int, bytes], int]:
        """``(orderId, record struct, buyerSecret)`` for ``proveMisdelivery``."""
        return (self.order_id, self.record.as_struct(), self.buyer_secret)


def build_misdelivery_proof(
    order_id: int,
    delivery_no: int,
    record: DeliveryRecord,
    buyer_secret: int,
    alphabet: KeyAlphabet = KeyAlphabet.TEXT,
) -> MisdeliveryProof:
    """Assemble a proof, refusing one the contract would reject as showing no fault (judged
    under the listing's key alphabet, as the contract judges it)."""
    if not 1 <= buyer_secret < N:
        raise ValueError("buyer secret must be in [1, n-1]")
    proof = MisdeliveryProof(order_id, delivery_no, record, buyer_secret, alphabet)
    if proof.fault == FAULT_NONE:
        raise ValueError("the delivery matches its commitment: there is no misdelivery to prove")
    return proof
