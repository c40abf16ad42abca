"""Turn a revert's raw data into the contract's named custom error, with its arguments."""

from __future__ import annotations

from typing import Any

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, to_hex


class ContractRevert(Exception):
    """A transaction or call reverted. `name` is the custom error (e.g. EscrowOutOfStock)."""

    def __init__(self, name: str, args: dict[str, Any], raw: str = "") -> None:
        self.name = name
        self.args_by_name = args
        self.raw = raw
        shown = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
        super().__init__(f"{name}({shown})")


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return to_hex(value)
    return str(value)


def _type_of(inp: dict[str, Any]) -> str:
    if inp["type"].startswith("tuple"):
        inner = ",".join(_type_of(c) for c in inp["components"])
        return f"({inner}){inp['type'][5:]}"
    return inp["type"]


class ErrorDecoder:
    """Knows every custom error of the given ABIs, plus Solidity's Error(string) and Panic."""

    def __init__(self, *abis: list[dict[str, Any]]) -> None:
        self._by_selector: dict[bytes, tuple[str, list[str], list[str]]] = {
            function_signature_to_4byte_selector("Error(string)"): (
                "Error",
                ["message"],
                ["string"],
            ),
            function_signature_to_4byte_selector("Panic(uint256)"): (
                "Panic",
                ["code"],
                ["uint256"],
            ),
        }
        for abi in abis:
            for item in abi:
                if item.get("type") != "error":
                    continue
                types = [_type_of(i) for i in item["inputs"]]
                sig = f"{item['name']}({','.join(types)})"
                names = [i["name"] or f"arg{n}" for n, i in enumerate(item["inputs"])]
                self._by_selector[function_signature_to_4byte_selector(sig)] = (
                    item["name"],
                    names,
                    types,
                )

    def decode(self, data: str | bytes) -> ContractRevert:
        raw = (
            bytes.fromhex(data[2:] if data.startswith("0x") else data)
            if isinstance(data, str)
            else data
        )
        entry = self._by_selector.get(raw[:4])
        if entry is None:
            return ContractRevert("UnknownRevert", {"data": raw}, to_hex(raw))
        name, names, types = entry
        values = decode(types, raw[4:]) if types else ()
        return ContractRevert(name, dict(zip(names, values, strict=True)), to_hex(raw))
