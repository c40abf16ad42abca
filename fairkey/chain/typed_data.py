"""EIP-712 typed messages for the contracts' signed actions (the escrow's verifier verdicts, the
court's relayed commits): one domain layout, so every signer in the project builds it alike."""

from __future__ import annotations

from typing import Any

DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def typed_message(
    *,
    domain_name: str,
    chain_id: int,
    contract: str,
    primary_type: str,
    fields: list[dict[str, str]],
    message: dict[str, Any],
    version: str = "1",
) -> dict[str, Any]:
    """The full EIP-712 message (eth_account's `full_message`) of one signed action."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, primary_type: fields},
        "primaryType": primary_type,
        "domain": {
            "name": domain_name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": contract,
        },
        "message": message,
    }
