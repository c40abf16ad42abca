"""The test wallet's Python side: answers the page's EIP-1193 requests as a browser wallet
would, with one of Anvil's dev accounts, and records every request for the test to assert on.

Handled here: accounts (the page sees the account only once it asked, as with a real wallet),
the chain id, personal_sign, eth_signTypedData_v4, eth_sendTransaction (filled, signed and sent
raw: transactions.py) and wallet_switchEthereumChain. Other eth_/net_/web3_ methods go to the
node unchanged; anything else (Anvil's evm_*/anvil_*, eth_sign…) is refused as a real wallet
refuses it, so a dApp cannot come to rely on a development node's extras."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from tests.web.wallet.rpc import JsonRpc, RpcError
from tests.web.wallet.transactions import SentTransaction, send

NAME = "fairkey test wallet"
RDNS = "dev.fairkey.testwallet"
FORWARDED_PREFIXES = ("eth_", "net_", "web3_")
UNSUPPORTED = {"eth_sign", "eth_signTransaction", "eth_signTypedData", "eth_signTypedData_v3",
               "eth_subscribe", "eth_unsubscribe"}  # fmt: skip
APPROVE = "0x095ea7b3"  # ERC-20 approve(address,uint256)
_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">'
    '<rect width="96" height="96" rx="20" fill="#0f766e"/>'
    '<circle cx="34" cy="48" r="14" fill="none" stroke="#fff" stroke-width="8"/>'
    '<path d="M48 48h32M70 48v14M80 48v10" stroke="#fff" stroke-width="8" fill="none"/></svg>'
)
# EIP-6963 wants the icon as a data URI (square, at least 96x96 px).
ICON = "data:image/svg+xml;base64," + base64.b64encode(_SVG.encode()).decode()


@dataclass
class WalletRequest:
    """One request of the page, with the wallet's answer (result, or error as JSON-RPC has it)."""

    method: str
    params: Any
    result: Any = None
    error: dict | None = None


@dataclass(frozen=True)
class Approval:
    """An ERC-20 approve the wallet sent (checksummed addresses, the amount in base units)."""

    token: str
    spender: str
    amount: int


@dataclass
class TestWallet:
    __test__ = False  # not a pytest test class, despite its name

    rpc: JsonRpc
    account: LocalAccount
    chain_id: int
    connected: bool = False  # whether the page was given the account (eth_requestAccounts)
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    requests: list[WalletRequest] = field(default_factory=list)
    transactions: list[SentTransaction] = field(default_factory=list)
    # Set by inject.install: delivers an event to the pages (for events Python starts).
    emit: Callable[[str, Any], None] = lambda event, payload: None
    _rejections: dict[str, int] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return self.account.address

    @property
    def info(self) -> dict:
        """EIP-6963's EIP6963ProviderInfo."""
        return {"uuid": self.uuid, "name": NAME, "icon": ICON, "rdns": RDNS}

    # What the test does, as the person holding the wallet would.

    def reject(self, method: str, times: int = 1) -> None:
        """The user clicks "Reject" on the next `times` prompts of `method` (code 4001)."""
        self._rejections[method] = self._rejections.get(method, 0) + times

    def use(self, account: LocalAccount) -> None:
        """The user switches the wallet to another account (accountsChanged, if connected)."""
        self.account = account
        if self.connected:
            self.emit("accountsChanged", [account.address])

    def disconnect(self) -> None:
        self.connected = False
        self.emit("accountsChanged", [])

    # What the test asserts on.

    def calls(self, method: str) -> list[WalletRequest]:
        return [r for r in self.requests if r.method == method]

    def methods(self) -> list[str]:
        return [r.method for r in self.requests]

    def approvals(self) -> list[Approval]:
        """ERC-20 approvals the wallet sent, decoded (token, spender, exact amount)."""
        found = []
        for tx in self.transactions:
            if tx.data.lower().startswith(APPROVE):
                spender, amount = decode(["address", "uint256"], bytes.fromhex(tx.data[10:]))
                found.append(
                    Approval(to_checksum_address(tx.to), to_checksum_address(spender), amount)
                )
        return found

    # The page's side.

    def answer(self, method: str, params: Any) -> dict:
        """The binding's reply to the page: {"result"} or {"error"}, plus "events" to emit."""
        record = WalletRequest(method, params)
        self.requests.append(record)
        events: list = []
        try:
            if self._rejections.get(method):
                self._rejections[method] -= 1
                raise RpcError(4001, "User rejected the request.")
            record.result = self._handle(method, params if params is not None else [], events)
            return {"result": record.result, "events": events}
        except RpcError as exc:
            record.error = exc.as_json()
        except Exception as exc:  # noqa: BLE001 - a wallet bug reaches the page as an error
            record.error = {"code": -32603, "message": f"test wallet: {type(exc).__name__}: {exc}"}
        return {"error": record.error}

    def _handle(self, method: str, params: Any, events: list) -> Any:
        if method in ("eth_requestAccounts", "wallet_requestPermissions"):
            if not self.connected:
                self.connected = True
                events.append(["accountsChanged", [self.address]])
            if method == "wallet_requestPermissions":
                return [{"parentCapability": "eth_accounts", "caveats": []}]
            return [self.address]
        if method == "wallet_getPermissions":
            return [{"parentCapability": "eth_accounts"}] if self.connected else []
        if method == "eth_accounts":
            return [self.address] if self.connected else []
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "net_version":
            return str(self.chain_id)
        if method == "wallet_switchEthereumChain":
            wanted = int(params[0]["chainId"], 16)
            if wanted != self.chain_id:
                raise RpcError(4902, f"Unrecognized chain ID {hex(wanted)}: this wallet knows "
                               f"only {hex(self.chain_id)}")  # fmt: skip
            return None
        if method in ("personal_sign", "eth_signTypedData_v4", "eth_sendTransaction"):
            if not self.connected:
                raise RpcError(4100, "the page was not given the account (eth_requestAccounts)")
            return self._sign(method, params)
        if method in UNSUPPORTED or not method.startswith(FORWARDED_PREFIXES):
            raise RpcError(4200, f"the wallet does not support {method}")
        return self.rpc.call(method, params)

    def _sign(self, method: str, params: list) -> str:
        if method == "eth_sendTransaction":
            sent = send(self.rpc, self.account, self.chain_id, params[0])
            self.transactions.append(sent)
            return sent.hash
        if method == "personal_sign":
            message, who = params[0], params[1] if len(params) > 1 else self.address
            if _is_address(message) and not _is_address(who):  # some dApps swap the two
                message, who = who, message
            self._own(who)
            signable = encode_defunct(primitive=_message_bytes(message))
        else:
            self._own(params[0])
            typed = params[1] if isinstance(params[1], dict) else json.loads(params[1])
            signable = encode_typed_data(full_message=typed)
        signed = Account.sign_message(signable, self.account.key)
        return "0x" + bytes(signed.signature).hex()

    def _own(self, address: str) -> None:
        if str(address).lower() != self.address.lower():
            raise RpcError(4100, f"the wallet's account is {self.address}, not {address}")


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 42 and value[:2].lower() == "0x"


def _message_bytes(message: str) -> bytes:
    """personal_sign's message: 0x-hex bytes (what viem sends), else the text itself."""
    if message[:2].lower() == "0x":
        try:
            return bytes.fromhex(message[2:])
        except ValueError:
            pass
    return message.encode()
