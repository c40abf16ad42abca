"""Signed transactions with readable failures: one place that sends (through the one nonce/sign/
send path, `chain/sender.py`), waits and decodes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import event_abi_to_log_topic
from web3 import Web3
from web3._utils.events import get_event_data
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.types import TxReceipt

from fairkey.chain.artifacts import Artifacts, load_artifacts
from fairkey.chain.errors import ContractRevert, ErrorDecoder
from fairkey.chain.jsonrpc import JsonRpc
from fairkey.chain.sender import Sender


@dataclass(frozen=True)
class Event:
    name: str
    args: dict[str, Any]
    address: str
    block_number: int
    tx_hash: str
    log_index: int


@dataclass
class TxResult:
    receipt: TxReceipt
    events: list[Event] = field(default_factory=list)

    @property
    def gas_used(self) -> int:
        return self.receipt["gasUsed"]

    def event(self, name: str) -> Event:
        for e in self.events:
            if e.name == name:
                return e
        raise LookupError(f"no {name} event in transaction {self.receipt['transactionHash'].hex()}")


def http_web3(rpc_url: str, timeout: float = 30) -> Web3:
    """A JSON-RPC connection. The chain id is cached: web3's validation asks for it around every
    call (two extra round trips per eth_call), and it never changes for one connection."""
    provider = Web3.HTTPProvider(
        rpc_url,
        request_kwargs={"timeout": timeout},
        cache_allowed_requests=True,
        cacheable_requests={"eth_chainId"},
    )
    return Web3(provider)


_CLIENTS: dict[str, JsonRpc] = {}
_CLIENTS_GUARD = threading.Lock()


def rpc_client(url: str) -> JsonRpc:
    """The process's JSON-RPC client for the node at `url` (one connection pool per node,
    shared by every session and thread)."""
    with _CLIENTS_GUARD:
        if url not in _CLIENTS:
            _CLIENTS[url] = JsonRpc(url)
        return _CLIENTS[url]


class ChainSession:
    """A web3 connection plus the account that signs (None = read-only)."""

    def __init__(self, w3: Web3, account: LocalAccount | None, artifacts: Artifacts | None = None):
        self.w3 = w3
        self.account = account
        self.artifacts = artifacts or load_artifacts()
        self.chain_id = w3.eth.chain_id
        self._sender: Sender | None = None
        self.errors = ErrorDecoder(*(c.abi for c in self.artifacts.contracts.values()))
        self._events: dict[bytes, dict[str, Any]] = {}
        for c in self.artifacts.contracts.values():
            for item in c.abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    self._events[event_abi_to_log_topic(item)] = item

    @classmethod
    def connect(cls, rpc_url: str, account: LocalAccount | None = None) -> ChainSession:
        return cls(http_web3(rpc_url), account)

    def with_account(self, account: LocalAccount | None) -> ChainSession:
        clone = object.__new__(ChainSession)
        clone.__dict__.update(self.__dict__)
        clone.account = account
        clone._sender = None
        return clone

    @property
    def rpc(self) -> JsonRpc:
        """The raw JSON-RPC client on this session's node (batches, sends: `chain/jsonrpc.py`)."""
        return rpc_client(self.w3.provider.endpoint_uri)

    def sender(self, *, count: bool = False) -> Sender:
        """The account's nonce/sign/send path (`chain/sender.py`). The session's own takes the
        nonce from the node for every transaction; `count=True` gives a new one that counts it
        locally (bursts sent without waiting: the merchant bot)."""
        if self.account is None:
            raise RuntimeError("this session has no account to sign with")
        if count:
            return Sender(bytes(self.account.key), self.chain_id, self.rpc, count=True)
        if self._sender is None:
            self._sender = Sender(bytes(self.account.key), self.chain_id, self.rpc, count=False)
        return self._sender

    def contract(self, name: str, address: str):
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=self.artifacts[name].abi
        )

    # ------------------------------------------------------------------ transactions

    def call(self, fn) -> Any:
        try:
            return fn.call({"from": self.account.address} if self.account else {})
        except (ContractCustomError, ContractLogicError) as exc:
            raise self._revert(exc) from None

    def send(self, fn, value: int = 0, extra_gas: int = 0) -> TxResult:
        """Sign, send and wait; a revert raises ContractRevert named after the custom error.
        `extra_gas` is added to the node's estimate, for a call that may cost more when mined
        than on the state it was estimated on (a batch whose items fall due in between).

        Safe from several threads at once (a verifier answering concurrent checks): taking the
        nonce and sending are serialised per account, waiting for the receipt is not, so the
        transactions of concurrent callers share blocks."""
        sender = self.sender()
        built: dict[str, Any] = {}

        def build(nonce: int) -> dict[str, Any]:
            built.clear()
            try:
                built.update(
                    fn.build_transaction(
                        {
                            "from": self.account.address,
                            "value": value,
                            "nonce": nonce,
                            "chainId": self.chain_id,
                        }
                    )
                )
            except (ContractCustomError, ContractLogicError) as exc:
                raise self._revert(exc) from None
            if extra_gas:
                built["gas"] += extra_gas
            return built

        signed = sender.send(build)
        return self._wait(built, signed.hash)

    def send_raw(self, tx: dict[str, Any]) -> TxResult:
        """Sign and send a complete transaction (its own nonce, gas and fees) and wait."""
        sender = self.sender()
        return self._wait(tx, sender.send_raw(sender.sign_complete(tx).raw))

    def _wait(self, tx: dict[str, Any], tx_hash: bytes) -> TxResult:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)
        if receipt["status"] != 1:
            raise self._revert_of_mined(tx, receipt)
        return TxResult(receipt, self.decode_logs(receipt["logs"]))

    def _revert_of_mined(self, tx: dict[str, Any], receipt: TxReceipt) -> ContractRevert:
        """Name the error of a transaction that passed estimation but reverted when mined (a race,
        a deadline that passed in between): replay it as a call on the state it was mined in."""
        call = {k: tx[k] for k in ("from", "to", "value", "data") if k in tx}
        call.setdefault("from", self.account.address)
        try:
            self.w3.eth.call(call, block_identifier=receipt["blockNumber"])
        except (ContractCustomError, ContractLogicError) as exc:
            revert = self._revert(exc)
            revert.args_by_name.setdefault(
                "tx", "0x" + receipt["transactionHash"].hex().removeprefix("0x")
            )
            return revert
        except Exception:  # noqa: BLE001 - the replay is best effort; the failure stands
            pass
        return ContractRevert("TransactionFailed", {"tx": receipt["transactionHash"].hex()})

    def deploy(self, name: str, *args: Any) -> str:
        artifact = self.artifacts[name]
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        result = self.send(factory.constructor(*args))
        return result.receipt["contractAddress"]

    # ------------------------------------------------------------------ events

    def decode_logs(self, logs: list[Any]) -> list[Event]:
        events = []
        for log in logs:
            if not log["topics"]:
                continue
            abi = self._events.get(bytes(log["topics"][0]))
            if abi is None:
                continue
            try:
                data = get_event_data(self.w3.codec, abi, log)
            except Exception:  # noqa: BLE001 - same topic, different indexing (ERC-20 vs 721)
                continue
            events.append(
                Event(
                    name=data["event"],
                    args=dict(data["args"]),
                    address=log["address"],
                    block_number=log["blockNumber"],
                    tx_hash=log["transactionHash"].hex(),
                    log_index=log["logIndex"],
                )
            )
        return events

    def _revert(self, exc: Exception) -> ContractRevert:
        data = getattr(exc, "data", None)
        if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
            return self.errors.decode(data)
        message = getattr(exc, "message", None) or str(exc)
        return ContractRevert("Error", {"message": message})
