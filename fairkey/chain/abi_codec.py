"""Precompiled call encoding and result decoding for hot paths (the merchant bot's bursts).

web3's `contract.functions.f(...)` looks the function up in the whole ABI and re-validates it on
every call (thousands of keccaks per hundred calls), then formats every argument recursively;
that cost more than signing and sending together. Here each function's selector and eth_abi type
strings are computed once; encoding is one `eth_abi.encode`, decoding one `eth_abi.decode`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector


def abi_type(param: dict[str, Any]) -> str:
    """The canonical type string of an ABI parameter; structs become tuple types."""
    kind = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@dataclass(frozen=True)
class FunctionCodec:
    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @classmethod
    def of(cls, item: dict[str, Any]) -> FunctionCodec:
        inputs = tuple(abi_type(p) for p in item["inputs"])
        signature = f"{item['name']}({','.join(inputs)})"
        outputs = tuple(abi_type(p) for p in item.get("outputs", []))
        return cls(item["name"], function_signature_to_4byte_selector(signature), inputs, outputs)

    def encode(self, *args: Any) -> bytes:
        return self.selector + encode(self.inputs, args)

    def decode(self, result: bytes) -> tuple:
        """The return values; a single struct output comes back as its tuple."""
        values = decode(self.outputs, result)
        return values[0] if len(values) == 1 else values


class AbiCodec:
    """`codec.fn("deliver").encode(...)` for every function of one contract ABI."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._functions: dict[str, FunctionCodec] = {}
        for item in abi:
            if item.get("type") == "function":
                # Overloads: the first one wins; the escrow has none (a test checks the bot's).
                self._functions.setdefault(item["name"], FunctionCodec.of(item))

    def fn(self, name: str) -> FunctionCodec:
        try:
            return self._functions[name]
        except KeyError:
            raise KeyError(f"the ABI has no function {name!r}") from None
