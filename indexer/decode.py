"""Escrow and court logs -> `raw_logs` rows: event name and arguments decoded with the compiled
ABI of the contract that emitted them (the escrow's, or the Court's for its arbitrators).

The `args` JSON format (what every derived table reads): keys are the ABI parameter names;
integers (uint*, int*, enums) are JSON integers; addresses, bytes32 and bytes are 0x lowercase
hex; bools are bools; strings are strings (invalid UTF-8 replaced); a struct is an object keyed
by its component names; arrays are lists.
Indexed arguments come from the topics (an indexed dynamic value is only its 32-byte hash there,
kept as hex). `order_id` / `listing_id` columns repeat `orderId` (as a 0x address: order ids are
uint160) and `listingId` for lookups; `case_id` repeats a court event's `caseId` (DisputeCreation:
`disputeId`) and `juror` its `juror`, so that a case's or a juror's events are found by index.

Speed: a decoder per topic0 is compiled once. Events whose data is all static (every escrow
event but KeyDelivered, BasketPaid and BatchItemRefused; every court event but Evidence and
VoteRefused) are read word by word from the hex string; the rest go through eth_abi.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic

from fairkey.chain.abi_codec import abi_type
from fairkey.chain.artifacts import load_artifacts
from fairkey.chain.types import order_id_hex

_ARRAY = re.compile(r"^(.*)\[(\d*)\]$")
_WORD = 64  # hex characters in a 32-byte ABI word

Param = Mapping[str, Any]
Convert = Callable[[Any], Any]


# ---------------------------------------------------------------------------- type analysis


def _is_static(param: Param) -> bool:
    kind = param["type"]
    array = _ARRAY.match(kind)
    if array:
        inner = dict(param, type=array.group(1))
        return bool(array.group(2)) and _is_static(inner)
    if kind == "tuple":
        return all(_is_static(c) for c in param["components"])
    return kind not in ("bytes", "string")


def _words(param: Param) -> int:
    """ABI words a static parameter occupies in place."""
    kind = param["type"]
    array = _ARRAY.match(kind)
    if array:
        return int(array.group(2)) * _words(dict(param, type=array.group(1)))
    if kind == "tuple":
        return sum(_words(c) for c in param["components"])
    return 1


def _word_reader(kind: str) -> Callable[[str], Any]:
    """Reads one elementary value from a 64-hex-digit word."""
    if kind.startswith("uint"):
        return lambda w: int(w, 16)
    if kind.startswith("int"):
        return lambda w: (v - (1 << 256)) if (v := int(w, 16)) >> 255 else v
    if kind == "address":
        return lambda w: "0x" + w[24:]
    if kind == "bool":
        return lambda w: int(w, 16) != 0
    if kind.startswith("bytes"):
        size = int(kind[5:]) * 2
        return lambda w: "0x" + w[:size]
    raise ValueError(f"not an elementary static ABI type: {kind}")


def _static_reader(param: Param) -> Callable[[str, int], Any]:
    """Reads a static parameter starting at word `i` of the hex data."""
    kind = param["type"]
    array = _ARRAY.match(kind)
    if array:
        inner = dict(param, type=array.group(1))
        read, step, count = _static_reader(inner), _words(inner), int(array.group(2))
        return lambda d, i: [read(d, i + k * step) for k in range(count)]
    if kind == "tuple":
        parts = []
        offset = 0
        for component in param["components"]:
            parts.append((component["name"], offset, _static_reader(component)))
            offset += _words(component)
        return lambda d, i: {name: read(d, i + off) for name, off, read in parts}
    read_word = _word_reader(kind)
    return lambda d, i: read_word(d[i * _WORD : (i + 1) * _WORD])


def _json_of(param: Param) -> Convert:
    """Turns eth_abi's Python value for `param` into the args JSON form."""
    kind = param["type"]
    array = _ARRAY.match(kind)
    if array:
        inner = _json_of(dict(param, type=array.group(1)))
        return lambda v: [inner(x) for x in v]
    if kind == "tuple":
        parts = [(c["name"], _json_of(c)) for c in param["components"]]
        return lambda v: {name: conv(x) for (name, conv), x in zip(parts, v, strict=True)}
    if kind == "address":
        return lambda v: v.lower()
    if kind.startswith("bytes"):
        return lambda v: "0x" + v.hex()
    if kind == "string":  # read as bytes: the EVM never checks UTF-8, the JSON keeps every log
        return lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else v
    return lambda v: v  # ints, bools


# ---------------------------------------------------------------------------- one event


def _topic_reader(param: Param) -> Callable[[str], Any]:
    """Reads an indexed argument from its topic (64 hex digits). A dynamic value (bytes,
    string, struct, array) is only its keccak hash there: kept as that hash's hex."""
    if _is_static(param) and _words(param) == 1:
        read = _static_reader(param)
        return lambda w: read(w, 0)
    return lambda w: "0x" + w


def _data_decoder(name: str, params: list[Param]) -> Callable[[str], dict[str, Any]]:
    """Decodes the non-indexed arguments from the data's hex digits (no 0x)."""
    if all(_is_static(p) for p in params):
        readers, offset = [], 0
        for p in params:
            readers.append((p["name"], offset, _static_reader(p)))
            offset += _words(p)
        size = offset * _WORD

        def decode_static(data: str) -> dict[str, Any]:
            if len(data) < size:
                raise ValueError(f"{name}: {len(data) // 2} bytes of data, needs {size // 2}")
            return {n: read(data, off) for n, off, read in readers}

        return decode_static

    types = ["bytes" if p["type"] == "string" else abi_type(p) for p in params]
    names = [p["name"] for p in params]
    convs = [_json_of(p) for p in params]

    def decode_dynamic(data: str) -> dict[str, Any]:
        values = abi_decode(types, bytes.fromhex(data))
        return {n: c(v) for n, c, v in zip(names, convs, values, strict=True)}

    return decode_dynamic


class EventSpec:
    """The compiled decoder of one event."""

    def __init__(self, item: Param) -> None:
        self.name: str = item["name"]
        self.topic0 = "0x" + event_abi_to_log_topic(dict(item)).hex()
        inputs = item["inputs"]
        self._indexed = [(p["name"], _topic_reader(p)) for p in inputs if p["indexed"]]
        self._data = _data_decoder(self.name, [p for p in inputs if not p["indexed"]])
        self._order = [p["name"] for p in inputs]

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        """Arguments in ABI order; `topics` and `data` are 0x lowercase hex as the node sends."""
        if len(topics) != len(self._indexed) + 1:
            raise ValueError(f"{self.name}: {len(topics)} topics, needs {len(self._indexed) + 1}")
        pairs = zip(self._indexed, topics[1:], strict=True)
        found = {name: read(topic[2:]) for (name, read), topic in pairs}
        found.update(self._data(data[2:]))
        return {name: found[name] for name in self._order}


# ---------------------------------------------------------------------------- the decoder


class EventDecoder:
    """topic0 -> EventSpec for every event of an ABI. `case_args`: the arguments (first found)
    whose value fills the row's `case_id` (none for the escrow: its `disputeId` is a court's)."""

    def __init__(self, abi: list[dict[str, Any]], case_args: tuple[str, ...] = ()) -> None:
        self.case_args = case_args
        self.events: dict[str, EventSpec] = {}
        for item in abi:
            if item.get("type") == "event" and not item.get("anonymous"):
                spec = EventSpec(item)
                self.events[spec.topic0] = spec

    @classmethod
    def for_escrow(cls) -> EventDecoder:
        return cls(load_artifacts()["FairkeyEscrow"].abi)

    @classmethod
    def for_court(cls) -> EventDecoder:
        """The Court's events (ICourt, and ERC-792's DisputeCreation whose disputeId is a case)."""
        return cls(load_artifacts()["Court"].abi, case_args=("caseId", "disputeId"))

    def decode(self, topics: list[str], data: str) -> tuple[str | None, dict[str, Any]]:
        """(event name, args); (None, {}) for a log this ABI does not know or cannot decode."""
        spec = self.events.get(topics[0]) if topics else None
        if spec is None:
            return None, {}
        try:
            return spec.name, spec.decode(topics, data)
        except (ValueError, TypeError, OverflowError, IndexError):  # not what the ABI says
            return None, {}

    def row(self, log: Mapping[str, Any], chain_id: int, block_time: int | None = None) -> dict:
        """A `raw_logs` row for one eth_getLogs entry (hex quantities as the node sends them).
        `block_time`: the block's timestamp when the log has no `blockTimestamp` field."""
        topics = [t.lower() for t in log["topics"]]
        data = log["data"].lower()
        name, args = self.decode(topics, data)
        order_id = args.get("orderId")
        if not isinstance(order_id, int) or order_id >> 160:  # not an order key's address
            order_id = None
        listing_id = args.get("listingId")
        if not isinstance(listing_id, int) or listing_id >= 2**63:  # BIGINT column
            listing_id = None
        case_id = next((args[k] for k in self.case_args if k in args), None)
        if not isinstance(case_id, int) or case_id >= 2**63:  # BIGINT column
            case_id = None
        juror = args.get("juror")
        stamp = log.get("blockTimestamp")
        return {
            "chain_id": chain_id,
            "block_number": int(log["blockNumber"], 16),
            "block_hash": log["blockHash"].lower(),
            "block_time": int(stamp, 16) if stamp is not None else block_time,
            "tx_hash": log["transactionHash"].lower(),
            "tx_index": int(log["transactionIndex"], 16),
            "log_index": int(log["logIndex"], 16),
            "address": log["address"].lower(),
            "topics": json.dumps(topics, separators=(",", ":")),
            "data": data,
            "name": name,
            "order_id": None if order_id is None else order_id_hex(order_id),
            "listing_id": listing_id,
            "case_id": case_id,
            "juror": juror if isinstance(juror, str) else None,
            "args": json.dumps(args, separators=(",", ":")),
        }


class SourceDecoder:
    """Rows for every log the index holds: the escrow's decoded with its ABI, anything else (the
    arbitrators the escrow named) with the Court's; a log neither ABI knows keeps no name."""

    def __init__(self, escrow: str) -> None:
        self.escrow = escrow.lower()
        self.for_escrow = EventDecoder.for_escrow()
        self.for_court = EventDecoder.for_court()

    def decoder(self, address: str) -> EventDecoder:
        return self.for_escrow if address.lower() == self.escrow else self.for_court

    def row(self, log: Mapping[str, Any], chain_id: int, block_time: int | None = None) -> dict:
        return self.decoder(log["address"]).row(log, chain_id, block_time)
