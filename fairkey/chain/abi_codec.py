"""Precompiled call encoding and result decoding for hot paths (the merchant bot's bursts).

web3's `contract.functions.f(...)` looks the function up in the whole ABI and re-validates it on
every call (thousands of keccaks per hundred calls), then formats every argument recursively;
that cost more than signing and sending together. Here each function's selector and eth_abi type
strings are computed once; encoding is one `eth_abi.encode`, decoding one `eth_abi.decode` —
or, for results made only of static words (a struct of numbers and addresses, like `order`),
word by word here: eth_abi's generic decoder cost ten times more than the call itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_abi import decode, encode
from eth_abi.exceptions import NonEmptyPaddingBytes
from eth_utils import function_signature_to_4byte_selector

_NUMBER = re.compile(r"(u?)int(\d*)")
_FIXED_BYTES = re.compile(r"bytes(\d+)")


def abi_type(param: dict[str, Any]) -> str:
    """The canonical type string of an ABI parameter; structs become tuple types."""
    kind = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


WordDecoder = Callable[[bytes], Any]


def _word_decoder(kind: str) -> WordDecoder | None:
    """How to read one 32-byte word of static type `kind` as eth_abi would (padding checked);
    None for any other type."""
    if kind == "address":
        return lambda word: "0x" + _unpadded(word, 12).hex()
    if kind == "bool":
        return lambda word: _number(word, 1, signed=False) == 1
    fixed = _FIXED_BYTES.fullmatch(kind)
    if fixed:
        size = int(fixed.group(1))
        return lambda word: _right_unpadded(word, size)
    number = _NUMBER.fullmatch(kind)
    if number:
        bits, signed = int(number.group(2) or 256), number.group(1) == ""
        return lambda word: _number(word, bits, signed=signed)
    return None


def _unpadded(word: bytes, padding: int) -> bytes:
    if any(word[:padding]):
        raise NonEmptyPaddingBytes(f"padding bytes were not empty: {word[:padding].hex()}")
    return word[padding:]


def _right_unpadded(word: bytes, size: int) -> bytes:
    if any(word[size:]):
        raise NonEmptyPaddingBytes(f"padding bytes were not empty: {word[size:].hex()}")
    return word[:size]


def _number(word: bytes, bits: int, *, signed: bool) -> int:
    value = int.from_bytes(word, "big", signed=signed)
    if not (-(2 ** (bits - 1)) <= value < 2 ** (bits - 1) if signed else value < 2**bits):
        raise NonEmptyPaddingBytes(f"{word.hex()} is out of range for {bits} bits")
    return value


def _static_words(params: list[dict[str, Any]]) -> tuple[WordDecoder, ...] | None:
    """One decoder per word when `params` are only static words (or a single struct of them,
    the way `order` returns its view); None otherwise (eth_abi decodes those)."""
    if len(params) == 1 and params[0]["type"] == "tuple":
        params = params[0]["components"]
    decoders = tuple(_word_decoder(p["type"]) for p in params)
    return decoders if decoders and all(d is not None for d in decoders) else None


@dataclass(frozen=True)
class FunctionCodec:
    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    words: tuple[WordDecoder, ...] | None = None  # a result of static words: decoded here
    struct: bool = False  # the result is one struct: its tuple is returned

    @classmethod
    def of(cls, item: dict[str, Any]) -> FunctionCodec:
        inputs = tuple(abi_type(p) for p in item["inputs"])
        signature = f"{item['name']}({','.join(inputs)})"
        params = item.get("outputs", [])
        outputs = tuple(abi_type(p) for p in params)
        return cls(
            item["name"],
            function_signature_to_4byte_selector(signature),
            inputs,
            outputs,
            _static_words(params),
            len(params) == 1 and params[0]["type"] == "tuple",
        )

    def encode(self, *args: Any) -> bytes:
        return self.selector + encode(self.inputs, args)

    def decode(self, result: bytes) -> tuple:
        """The return values; a single struct output comes back as its tuple."""
        if self.words is not None and len(result) == 32 * len(self.words):
            values = tuple(read(result[32 * i : 32 * i + 32]) for i, read in enumerate(self.words))
            if self.struct:
                return values
        else:
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
