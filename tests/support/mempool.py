"""A watcher of pending transactions, for front-running tests on a real Anvil.

With automine off, transactions wait in Anvil's mempool; an attacker reads them (as any node's
`txpool`/pending block shows them), decodes their calldata and sends its own with a higher tip.
`mine()` then puts everything into one block, highest tip first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from web3 import Web3

from fairkey.chain.escrow_client import EscrowClient

GWEI = 10**9


class Mempool:
    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    @contextmanager
    def held(self) -> Iterator[Mempool]:
        """Transactions sent inside wait in the mempool until `mine()`; automine afterwards."""
        self.w3.provider.make_request("evm_setAutomine", [False])
        try:
            yield self
        finally:
            self.w3.provider.make_request("evm_setAutomine", [True])

    def send(self, client: EscrowClient, fn: Any, *, tip_gwei: int, value: int = 0) -> bytes:
        """Signs and sends without waiting (fixed gas: estimation would run on the old state)."""
        session = client.session
        account = session.account
        tx = fn.build_transaction(
            {
                "from": account.address,
                "value": value,
                "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
                "chainId": self.w3.eth.chain_id,
                "gas": 1_500_000,
                "maxPriorityFeePerGas": tip_gwei * GWEI,
                "maxFeePerGas": (tip_gwei + 50) * GWEI,
            }
        )
        signed = account.sign_transaction(tx)
        return self.w3.eth.send_raw_transaction(signed.raw_transaction)

    def pending_calls(self, client: EscrowClient) -> list[tuple[str, dict[str, Any]]]:
        """(function name, arguments) of every pending call to the escrow."""
        block = self.w3.eth.get_block("pending", full_transactions=True)
        calls = []
        for tx in block["transactions"]:
            if tx["to"] and tx["to"].lower() == client.address.lower():
                fn, args = client.contract.decode_function_input(tx["input"])
                calls.append((fn.fn_name, args))
        return calls

    def mine(self) -> None:
        self.w3.provider.make_request("evm_mine", [])

    def receipt(self, tx_hash: bytes) -> Any:
        return self.w3.eth.get_transaction_receipt(tx_hash)
