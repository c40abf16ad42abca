"""The listing verifier's EIP-712 KeyVerdict (docs/protocol.md, "Verifier attestation")."""

from __future__ import annotations

from typing import Any

from eth_account import Account

from fairkey.chain.typed_data import typed_message

_VERDICT_TYPE = [
    {"name": "orderId", "type": "uint256"},
    {"name": "deliveryNo", "type": "uint256"},
    {"name": "fingerprint", "type": "bytes32"},
    {"name": "verdict", "type": "uint8"},
    {"name": "deadline", "type": "uint64"},
]


def verdict_typed_data(
    chain_id: int,
    escrow: str,
    order_id: int,
    delivery_no: int,
    fingerprint: bytes,
    verdict: int,
    deadline: int,
) -> dict[str, Any]:
    """The full EIP-712 message a verifier signs for `submitVerdict`."""
    return typed_message(
        domain_name="fairkey",
        chain_id=chain_id,
        contract=escrow,
        primary_type="KeyVerdict",
        fields=_VERDICT_TYPE,
        message={
            "orderId": order_id,
            "deliveryNo": delivery_no,
            "fingerprint": fingerprint,
            "verdict": int(verdict),
            "deadline": deadline,
        },
    )


def sign_verdict(private_key: bytes | str, **fields: Any) -> bytes:
    """A 65-byte signature of `verdict_typed_data(**fields)` by `private_key`."""
    signed = Account.sign_typed_data(private_key, full_message=verdict_typed_data(**fields))
    return bytes(signed.signature)
