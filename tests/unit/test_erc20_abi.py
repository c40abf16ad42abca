"""The SDK talks to ERC-20 tokens through OpenZeppelin's compiled IERC20, not a test token's ABI."""

from __future__ import annotations

from fairkey.chain.artifacts import load_artifacts
from fairkey.chain.escrow_client import openzeppelin_abi


def _signatures(abi: list[dict]) -> set[str]:
    return {
        f"{e['type']} {e['name']}({','.join(i['type'] for i in e.get('inputs', []))})"
        for e in abi
        if e.get("type") in ("function", "event")
    }


def test_ierc20_has_what_a_payment_needs():
    names = {e["name"] for e in openzeppelin_abi("IERC20") if e.get("type") == "function"}
    assert {"allowance", "approve", "balanceOf", "transfer", "transferFrom"} <= names


def test_ierc20_metadata_extends_ierc20():
    metadata = _signatures(openzeppelin_abi("IERC20Metadata"))
    assert _signatures(openzeppelin_abi("IERC20")) <= metadata
    assert {"function symbol()", "function decimals()"} <= metadata


def test_the_compiled_demo_token_implements_ierc20_as_openzeppelin_ships_it():
    """The ABI comes from the same OpenZeppelin release the contracts are compiled against."""
    token = _signatures(load_artifacts()["TestToken"].abi)
    assert _signatures(openzeppelin_abi("IERC20Metadata")) <= token
