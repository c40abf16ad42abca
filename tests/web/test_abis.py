"""The ABIs the dApp is built with (web/src/lib/abi/*.json, committed so the web build needs no
Python) are the ones the contracts compile to now."""

from __future__ import annotations

import json

from fairkey.chain.artifacts import load_artifacts
from scripts import web_abis


def test_the_exported_abis_match_the_build():
    stale = web_abis.stale()
    assert stale == [], (
        f"{[p.name for p in stale]} are out of date: run `.venv/bin/python -m scripts.web_abis`"
    )


def test_the_escrow_abi_is_the_deployed_contract_with_its_errors_and_events():
    exported = json.loads((web_abis.ABI_DIR / "escrow.json").read_text())
    names = {(e["type"], e.get("name")) for e in exported}
    assert exported == load_artifacts()["FairkeyEscrow"].abi
    # the dApp names refusals by the escrow's custom errors and reads orders from its events
    assert {
        ("error", "EscrowOutOfStock"),
        ("event", "KeyDelivered"),
        ("function", "payBasket"),
    } <= names
