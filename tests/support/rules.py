"""Helpers for the rule tests (listings, orders, deadlines, ledger, admin, ERC-20)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import TxResult
from fairkey.chain.types import ETH

FEE_BPS = 100  # the fee deployed by tests/conftest.py


def fee_of(price: int, fee_bps: int = FEE_BPS) -> int:
    """The platform fee the contract takes from `price` (rounded down, as in Solidity)."""
    return price * fee_bps // 10_000


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, str) and isinstance(actual, str) and expected.startswith("0x"):
        return expected.lower() == actual.lower()
    return expected == actual


@contextmanager
def reverts(name: str, **args: Any) -> Iterator[pytest.ExceptionInfo[ContractRevert]]:
    """Expects a ContractRevert named `name` whose arguments include `args` (addresses compared
    case-insensitively)."""
    with pytest.raises(ContractRevert) as info:
        yield info
    err = info.value
    assert err.name == name, f"expected {name}, got {err}"
    for key, value in args.items():
        assert key in err.args_by_name, f"{name} has no argument {key!r}: {err}"
        assert _same(value, err.args_by_name[key]), f"{name}.{key}: expected {value!r}, got {err}"


def send(client: EscrowClient, fn: Callable[[Any], Any], value: int = 0) -> TxResult:
    """Sends `fn(contract.functions)` with an explicit msg.value (bypasses the client's amounts)."""
    return client.session.send(fn(client.f), value)


def gas_cost(result: TxResult) -> int:
    """Wei the sender paid for gas."""
    return result.gas_used * result.receipt["effectiveGasPrice"]


def set_next_timestamp(w3: Web3, timestamp: int) -> None:
    """The next mined block gets exactly `timestamp` (gas estimation does not see it)."""
    w3.provider.make_request("evm_setNextBlockTimestamp", [int(timestamp)])


def send_at(
    client: EscrowClient, fn: Callable[[Any], Any], timestamp: int, value: int = 0
) -> TxResult:
    """Mines `fn(contract.functions)` in a block stamped exactly `timestamp`.

    Gas is fixed so that no estimation (which runs against the latest block's clock) decides the
    outcome; a revert is decoded by replaying the call against the block it was mined in.
    """
    session = client.session
    w3, account = session.w3, session.account
    set_next_timestamp(w3, timestamp)
    tx = fn(client.f).build_transaction(
        {
            "from": account.address,
            "value": value,
            "gas": 2_000_000,
            "nonce": w3.eth.get_transaction_count(account.address, "pending"),
            "chainId": session.chain_id,
        }
    )
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)
    assert w3.eth.get_block(receipt["blockNumber"])["timestamp"] == timestamp
    if receipt["status"] == 1:
        return TxResult(receipt, session.decode_logs(receipt["logs"]))
    call = {"from": account.address, "to": tx["to"], "data": tx["data"], "value": value}
    try:
        w3.eth.call(call, receipt["blockNumber"])
    except (ContractCustomError, ContractLogicError) as exc:
        raise session.errors.decode(exc.data) from None
    raise AssertionError("the transaction failed but its replay succeeded")


def token_contract(market, address: str | None = None, name: str = "TestToken"):
    return market.session.contract(name, address or market.token_address)


def mint(market, to: str, amount: int, address: str | None = None, name: str = "TestToken") -> None:
    """Mints test tokens to `to` (mint is open on the test tokens)."""
    token = token_contract(market, address, name)
    market.session.send(token.functions.mint(Web3.to_checksum_address(to), amount))


def token_balance(market, owner: str, address: str | None = None) -> int:
    token = token_contract(market, address)
    return token.functions.balanceOf(Web3.to_checksum_address(owner)).call()


def eth_credit(market, role: str) -> int:
    return market.credit(role, ETH)
