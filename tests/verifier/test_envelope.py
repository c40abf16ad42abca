"""The key envelope: only the verifier opens it, and only for the chain, escrow and order it
was sealed for."""

from __future__ import annotations

import pytest
from coincurve import PrivateKey

from fairkey.verifier.envelope import (
    Envelope,
    EnvelopeError,
    key_check_aad,
    open_for_verifier,
    seal_for_verifier,
)

ESCROW = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
KEY = b"ABCD-EFGH-1234-5678"


@pytest.fixture
def verifier() -> PrivateKey:
    return PrivateKey()


def test_round_trip_through_json(verifier):
    aad = key_check_aad(31337, ESCROW, 42)
    sealed = seal_for_verifier(KEY, verifier.public_key.format(), aad)
    assert KEY not in sealed.ciphertext
    wire = Envelope.from_json(sealed.to_json())
    assert open_for_verifier(wire, verifier.secret, aad) == KEY


def test_uncompressed_public_key_and_fresh_ephemeral(verifier):
    aad = key_check_aad(1, ESCROW, 1)
    one = seal_for_verifier(KEY, verifier.public_key.format(compressed=False), aad)
    two = seal_for_verifier(KEY, verifier.public_key.format(compressed=False)[1:], aad)
    assert one.ephemeral_pubkey != two.ephemeral_pubkey and one.ciphertext != two.ciphertext
    assert open_for_verifier(one, verifier, aad) == open_for_verifier(two, verifier, aad) == KEY


@pytest.mark.parametrize(
    "other",
    [
        key_check_aad(31337, ESCROW, 43),  # another order
        key_check_aad(1, ESCROW, 42),  # another chain
        key_check_aad(31337, "0x" + "11" * 20, 42),  # another escrow
    ],
)
def test_wrong_aad_fails(verifier, other):
    sealed = seal_for_verifier(KEY, verifier.public_key.format(), key_check_aad(31337, ESCROW, 42))
    with pytest.raises(EnvelopeError, match="does not open"):
        open_for_verifier(sealed, verifier.secret, other)


def test_wrong_key_fails(verifier):
    aad = key_check_aad(31337, ESCROW, 42)
    sealed = seal_for_verifier(KEY, verifier.public_key.format(), aad)
    with pytest.raises(EnvelopeError):
        open_for_verifier(sealed, PrivateKey().secret, aad)


def test_tampered_ciphertext_fails(verifier):
    aad = key_check_aad(31337, ESCROW, 42)
    sealed = seal_for_verifier(KEY, verifier.public_key.format(), aad)
    flipped = bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]
    with pytest.raises(EnvelopeError):
        open_for_verifier(Envelope(sealed.ephemeral_pubkey, sealed.nonce, flipped), verifier, aad)


@pytest.mark.parametrize(
    "data",
    [{}, {"ephemeral_pubkey": "zz", "nonce": "00", "ciphertext": "00"}, {"nonce": 5}],
)
def test_malformed_json(data):
    with pytest.raises(EnvelopeError, match="malformed"):
        Envelope.from_json(data)


def test_bad_ephemeral_point(verifier):
    aad = key_check_aad(31337, ESCROW, 42)
    sealed = seal_for_verifier(KEY, verifier.public_key.format(), aad)
    bogus = Envelope(b"\x02" + b"\x00" * 32, sealed.nonce, sealed.ciphertext)
    with pytest.raises(EnvelopeError):
        open_for_verifier(bogus, verifier, aad)
