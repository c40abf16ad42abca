"""What a wallet does with the page's `eth_sendTransaction`: fill what the dApp left out from
the node (nonce, gas, EIP-1559 fees), sign with the account's key, send the raw transaction.
The dApp's own fields (to, value, data, gas, fees, nonce) are kept as it sent them."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from tests.web.wallet.rpc import JsonRpc, RpcError

GAS_MARGIN = 1.2  # over the node's estimate, as browser wallets add one (state can move)


@dataclass(frozen=True)
class SentTransaction:
    hash: str
    fields: dict  # what was signed: to, value, data, gas, nonce, fees, chainId (ints and hex)
    requested: dict  # the dApp's request, as it sent it

    @property
    def to(self) -> str | None:
        return self.fields.get("to")

    @property
    def value(self) -> int:
        return self.fields.get("value", 0)

    @property
    def data(self) -> str:
        return self.fields.get("data", "0x")


def _int(value: str | int | None) -> int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else int(value, 16)


def fill(rpc: JsonRpc, account: LocalAccount, chain_id: int, request: dict) -> dict:
    """The transaction to sign for the page's request (from = the wallet's account)."""
    sender = request.get("from")
    if sender and sender.lower() != account.address.lower():
        raise RpcError(4100, f"the wallet's account is {account.address}, not {sender}")
    asked_chain = _int(request.get("chainId"))
    if asked_chain is not None and asked_chain != chain_id:
        raise RpcError(
            -32602, f"the transaction names chain {asked_chain}; the wallet is on {chain_id}"
        )
    data = request.get("data") or request.get("input") or "0x"
    tx: dict = {"chainId": chain_id, "value": _int(request.get("value")) or 0, "data": data}
    if request.get("to"):
        tx["to"] = request["to"]
    nonce = _int(request.get("nonce"))
    if nonce is None:
        nonce = int(rpc.call("eth_getTransactionCount", [account.address, "pending"]), 16)
    tx["nonce"] = nonce
    gas = _int(request.get("gas"))
    if gas is None:
        probe = {"from": account.address, "value": hex(tx["value"]), "data": data}
        if "to" in tx:
            probe["to"] = tx["to"]
        gas = int(int(rpc.call("eth_estimateGas", [probe]), 16) * GAS_MARGIN)
    tx["gas"] = gas
    if request.get("gasPrice") is not None:  # the dApp asked for a legacy transaction
        tx["gasPrice"] = _int(request["gasPrice"])
        return tx
    priority = _int(request.get("maxPriorityFeePerGas"))
    if priority is None:
        priority = int(rpc.call("eth_maxPriorityFeePerGas"), 16)
    max_fee = _int(request.get("maxFeePerGas"))
    if max_fee is None:
        base = int(rpc.call("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16)
        max_fee = 2 * base + priority
    tx |= {"maxPriorityFeePerGas": priority, "maxFeePerGas": max_fee, "type": 2}
    return tx


def send(rpc: JsonRpc, account: LocalAccount, chain_id: int, request: dict) -> SentTransaction:
    fields = fill(rpc, account, chain_id, request)
    signed = account.sign_transaction(fields)
    tx_hash = rpc.call("eth_sendRawTransaction", ["0x" + bytes(signed.raw_transaction).hex()])
    return SentTransaction(hash=tx_hash, fields=fields, requested=dict(request))
