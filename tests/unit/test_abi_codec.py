"""The precompiled codec decodes results of static words itself: exactly as eth_abi does."""

from __future__ import annotations

import random

import pytest
from eth_abi import decode, encode
from eth_abi.exceptions import NonEmptyPaddingBytes

from fairkey.chain.abi_codec import AbiCodec, FunctionCodec, abi_type
from fairkey.chain.artifacts import load_artifacts


def _value(rng: random.Random, kind: str):
    if kind == "address":
        return "0x" + rng.randbytes(20).hex()
    if kind == "bool":
        return rng.random() < 0.5
    if kind.startswith("bytes"):
        return rng.randbytes(int(kind[5:]))
    bits = int(kind.removeprefix("u").removeprefix("int") or 256)
    if kind.startswith("u"):
        return rng.randrange(2**bits)
    return rng.randrange(-(2 ** (bits - 1)), 2 ** (bits - 1))


def _flat(params):
    if len(params) == 1 and params[0]["type"] == "tuple":
        return [p["type"] for p in params[0]["components"]]
    return [p["type"] for p in params]


def test_every_escrow_result_of_static_words_decodes_as_eth_abi_does():
    abi = load_artifacts()["FairkeyEscrow"].abi
    codec, rng, checked = AbiCodec(abi), random.Random(7), 0
    for item in (i for i in abi if i.get("type") == "function"):
        fn = codec.fn(item["name"])
        if fn.words is None:
            continue
        types = [abi_type(p) for p in item["outputs"]]
        for _ in range(20):
            values = [_value(rng, kind) for kind in _flat(item["outputs"])]
            args = [tuple(values)] if fn.struct else values
            data = encode(types, args)
            expected = decode(types, data)
            assert fn.decode(data) == (expected[0] if len(expected) == 1 else expected)
        checked += 1
    assert checked >= 10 and codec.fn("order").words is not None


def test_a_word_out_of_its_types_range_is_refused_like_eth_abi():
    fn = FunctionCodec.of(
        {"name": "f", "inputs": [], "outputs": [{"type": "uint8"}, {"type": "bool"}]}
    )
    assert fn.decode((255).to_bytes(32, "big") + (1).to_bytes(32, "big")) == (255, True)
    for bad in ((256).to_bytes(32, "big") + bytes(32), bytes(32) + (2).to_bytes(32, "big")):
        with pytest.raises(NonEmptyPaddingBytes):
            fn.decode(bad)
