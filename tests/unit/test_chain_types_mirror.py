"""The SDK mirrors the contract's enums once (fairkey/chain/types.py); the indexer's names are
derived from that mirror, and order ids are written out in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fairkey.chain.types import (
    CompletionCause,
    DisputeReason,
    KeyAlphabet,
    OrderStatus,
    RefundCause,
    order_id_hex,
    order_ref,
    solidity_name,
)
from indexer.projections import names

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
_ENUM = re.compile(r"\benum\s+(\w+)\s*\{([^}]*)\}", re.S)


def _solidity_enums() -> dict[str, list[str]]:
    enums: dict[str, list[str]] = {}
    for path in CONTRACTS.rglob("*.sol"):
        if "test" in path.relative_to(CONTRACTS).parts:
            continue
        text = re.sub(r"//[^\n]*", "", path.read_text())
        for name, body in _ENUM.findall(text):
            enums[name] = [member.strip() for member in body.split(",") if member.strip()]
    return enums


@pytest.mark.parametrize(
    "enum", [OrderStatus, DisputeReason, CompletionCause, RefundCause, KeyAlphabet]
)
def test_the_python_enums_mirror_the_contracts(enum):
    assert [solidity_name(member) for member in enum] == _solidity_enums()[enum.__name__]
    assert [int(member) for member in enum] == list(range(len(enum)))


def test_the_indexers_names_are_the_sdks_enums():
    assert names.ORDER_STATUS[OrderStatus.VERIFIER_REFUND_PENDING] == "VerifierRefundPending"
    assert names.TERMINAL == ("Completed", "Refunded", "Split")
    assert names.DISPUTE_REASON[DisputeReason.KEY_INVALID] == "KeyInvalid"
    assert names.REFUND_CAUSE[RefundCause.VERIFIER_ATTESTED] == "VerifierAttested"
    assert names.VERDICT == {1: "Invalid", 2: "Redeemed", 3: "Valid"}
    assert names.BAD_VERDICTS == (1, 2) and names.VALID_VERDICT == 3
    assert names.RULING == {0: "Split", 1: "RefundBuyer", 2: "PayMerchant"}


def test_an_order_id_is_written_for_people_and_for_stores():
    order_id = int("00ab" + "cd" * 18, 16)
    assert order_id_hex(order_id) == "0x00ab" + "cd" * 18
    assert order_ref(order_id).lower() == order_id_hex(order_id)
    assert order_ref(order_id) != order_id_hex(order_id)  # EIP-55: mixed case
