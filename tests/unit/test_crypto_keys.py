"""Card keys, salts, plaintexts, commitments, fingerprints (docs/protocol.md, "Card keys")."""

import pytest
from Crypto.Hash import keccak as _keccak
from hypothesis import given
from hypothesis import strategies as st

from fairkey.crypto.keys import (
    FINGERPRINT_DOMAIN,
    MAX_KEY_BYTES,
    KeyFormatError,
    StockUnit,
    commitment,
    fingerprint,
    new_salt,
    normalise_key,
    plaintext,
    split_plaintext,
)
from fairkey.crypto.merkle import leaf_hash


def keccak(data: bytes) -> bytes:
    # Independent implementation (pycryptodome), so tests do not check eth_utils against itself.
    return _keccak.new(digest_bits=256, data=data).digest()


SALT = bytes(range(32))


def test_surrounding_ascii_whitespace_is_trimmed() -> None:
    assert normalise_key("  ABCD-EFGH\t\r\n") == b"ABCD-EFGH"


def test_surrounding_unicode_whitespace_is_trimmed() -> None:
    # NBSP and the ideographic space are whitespace for str.strip(), as the spec requires.
    assert normalise_key("\u00a0\u3000KEY-1\u2003") == b"KEY-1"


def test_inner_whitespace_is_kept() -> None:
    assert normalise_key(" AB CD ") == b"AB CD"


def test_bytes_are_decoded_trimmed_and_reencoded() -> None:
    assert normalise_key(" clé ".encode()) == "clé".encode()


def test_invalid_utf8_bytes_are_rejected() -> None:
    with pytest.raises(KeyFormatError, match="UTF-8"):
        normalise_key(b"\xff\xfeKEY")


@pytest.mark.parametrize("key", ["", "   ", "\t\n", b"", b"  "])
def test_empty_key_is_rejected_with_a_clear_message(key: str | bytes) -> None:
    with pytest.raises(KeyFormatError, match="empty"):
        normalise_key(key)


def test_key_over_256_bytes_is_rejected_naming_its_length() -> None:
    with pytest.raises(KeyFormatError, match="too long: 257 bytes"):
        normalise_key("A" * 257)


def test_key_of_exactly_256_bytes_is_accepted() -> None:
    assert len(normalise_key("A" * MAX_KEY_BYTES)) == 256


def test_key_length_is_counted_in_utf8_bytes_not_characters() -> None:
    assert len(normalise_key("é" * 128)) == 256  # 2 bytes each
    with pytest.raises(KeyFormatError, match="258 bytes"):
        normalise_key("é" * 129)


def test_key_error_is_a_value_error() -> None:
    assert issubclass(KeyFormatError, ValueError)


@given(st.text(min_size=1, max_size=64))
def test_normalisation_is_idempotent(text: str) -> None:
    try:
        once = normalise_key(text)
    except KeyFormatError:
        return
    assert normalise_key(once) == once
    assert once == text.strip().encode("utf-8")


def test_new_salt_is_32_fresh_bytes() -> None:
    salts = {new_salt() for _ in range(50)}
    assert len(salts) == 50
    assert all(len(s) == 32 for s in salts)


def test_plaintext_is_salt_followed_by_key() -> None:
    assert plaintext(SALT, b"KEY") == SALT + b"KEY"


def test_plaintext_refuses_a_salt_that_is_not_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        plaintext(b"\x00" * 31, b"KEY")


def test_commitment_is_keccak_of_the_plaintext() -> None:
    assert commitment(SALT, b"KEY") == keccak(SALT + b"KEY")


def test_fingerprint_is_keccak_of_the_domain_then_the_key() -> None:
    assert FINGERPRINT_DOMAIN == b"fairkey.fingerprint.v1"
    assert fingerprint(b"KEY") == keccak(b"fairkey.fingerprint.v1KEY")


def test_duplicate_keys_share_a_fingerprint_but_not_a_commitment() -> None:
    a = StockUnit(0, b"SAME-KEY", new_salt())
    b = StockUnit(1, b"SAME-KEY", new_salt())
    assert a.fingerprint == b.fingerprint
    assert a.commitment != b.commitment


def test_different_keys_have_different_fingerprints() -> None:
    assert fingerprint(b"KEY-1") != fingerprint(b"KEY-2")


def test_split_plaintext_returns_salt_and_key() -> None:
    assert split_plaintext(SALT + b"KEY") == (SALT, b"KEY")


def test_split_plaintext_refuses_a_plaintext_without_key_bytes() -> None:
    with pytest.raises(ValueError):
        split_plaintext(SALT)


def test_stock_unit_properties_follow_the_spec_formulas() -> None:
    unit = StockUnit(5, b"KEY", SALT)
    assert unit.plaintext == SALT + b"KEY"
    assert unit.commitment == keccak(SALT + b"KEY")
    assert unit.fingerprint == keccak(FINGERPRINT_DOMAIN + b"KEY")
    merchant = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert unit.leaf(merchant) == leaf_hash(merchant, 5, unit.commitment, unit.fingerprint)


def test_stock_unit_refuses_a_key_that_is_not_normalised() -> None:
    # " KEY" would escape the duplicate registry entry of "KEY".
    with pytest.raises(KeyFormatError, match="normalised"):
        StockUnit(0, b" KEY", SALT)


def test_stock_unit_refuses_a_short_salt_and_a_negative_index() -> None:
    with pytest.raises(ValueError):
        StockUnit(0, b"KEY", b"short")
    with pytest.raises(ValueError):
        StockUnit(-1, b"KEY", SALT)
