"""`listing create --key-alphabet`: the listing declares which keys it sells (on chain), and
`listing show` says it."""

from __future__ import annotations

import re

from fairkey.chain.types import KeyAlphabet
from tests.cli.conftest import LISTING_ARGS


def _created(out: str) -> int:
    return int(re.search(r"listing (\d+) created", out).group(1))


def test_a_listing_declares_its_key_alphabet(cli, market):
    ascii_only = _created(
        cli("merchant", *LISTING_ARGS, "--key-alphabet", "printable-ascii").output
    )
    text = _created(cli("merchant", *LISTING_ARGS).output)
    reader = market.client("stranger")
    assert reader.listing(ascii_only).key_alphabet == KeyAlphabet.PRINTABLE_ASCII
    assert reader.listing(text).key_alphabet == KeyAlphabet.TEXT
    shown = cli("buyer", "listing", "show", str(ascii_only)).output
    assert re.search(r"key alphabet\s+printable-ascii", shown)
    assert re.search(r"key alphabet\s+text", cli("buyer", "listing", "show", str(text)).output)
    out = cli("merchant", *LISTING_ARGS, "--key-alphabet", "emoji", code=2).output
    assert "text" in out and "printable-ascii" in out
