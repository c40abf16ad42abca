"""JSON-RPC to the chain node, as the test wallet and the chain helpers speak it: one HTTP
client, answers returned raw (hex strings, as a browser wallet hands them to the page), and a
node's error kept whole (code, message, data) so a revert's data reaches the dApp unchanged."""

from __future__ import annotations

import itertools
from typing import Any

import httpx


class RpcError(Exception):
    """An error answer of the node, or of the wallet (EIP-1193 codes: 4001 rejected, 4100
    unauthorized, 4200 unsupported method, 4902 unknown chain)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.data = code, message, data

    def as_json(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class JsonRpc:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self._http = httpx.Client(timeout=timeout)
        self._ids = itertools.count(1)

    def call(self, method: str, params: list | None = None) -> Any:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []}
        answer = self._http.post(self.url, json=body)
        answer.raise_for_status()
        reply = answer.json()
        if "error" in reply:
            error = reply["error"]
            code = int(error.get("code", -32603))
            raise RpcError(code, error.get("message", ""), error.get("data"))
        return reply.get("result")

    def close(self) -> None:
        self._http.close()
