"""Per-order buyer keys from one wallet signature (docs/protocol.md, "Per-order buyer key")."""

import pytest
from Crypto.Hash import keccak as _keccak
from eth_account import Account
from eth_account.messages import encode_defunct
from hypothesis import given, settings
from hypothesis import strategies as st

import fairkey.crypto.order_keys as order_keys
from fairkey.crypto.order_keys import (
    OrderKey,
    derive_order_key,
    find_order_key,
    order_secret,
    seed_from_account,
    seed_from_signature,
    seed_message,
)
from fairkey.crypto.secp256k1 import N, base_mul, point_address


def keccak(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


ESCROW = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
ESCROW_CHECKSUMMED = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ACCOUNT = Account.from_key((0xB0B).to_bytes(32, "big"))
SEED = keccak(b"a seed")


def test_seed_message_is_the_exact_spec_text_with_a_checksummed_address() -> None:
    assert seed_message(31337, ESCROW) == (
        f"fairkey order keys v1\nchain: 31337\nescrow: {ESCROW_CHECKSUMMED}"
    )


def test_seed_is_keccak_of_the_signature() -> None:
    sig = bytes(range(64)) + b"\x1b"
    assert seed_from_signature(sig) == keccak(sig)


def test_a_zero_or_one_recovery_id_gives_the_same_seed_as_27_or_28() -> None:
    rs = bytes(range(64))
    assert seed_from_signature(rs + b"\x00") == seed_from_signature(rs + b"\x1b")
    assert seed_from_signature(rs + b"\x01") == seed_from_signature(rs + b"\x1c")


def test_the_same_signature_gives_the_same_keys() -> None:
    sig = bytes(range(65))
    a, b = seed_from_signature(sig), seed_from_signature(bytes(sig))
    assert derive_order_key(a, 3) == derive_order_key(b, 3)


def test_order_secret_is_keccak_of_seed_and_index_mod_n() -> None:
    for j in (0, 1, 2**40):
        expected = int.from_bytes(keccak(SEED + j.to_bytes(32, "big")), "big") % N
        assert order_secret(SEED, j) == expected


def test_keys_differ_by_index() -> None:
    keys = [derive_order_key(SEED, j) for j in range(20)]
    assert len({k.secret for k in keys}) == 20
    assert len({k.address for k in keys}) == 20


def test_keys_differ_by_seed() -> None:
    assert order_secret(SEED, 0) != order_secret(keccak(b"another seed"), 0)


@settings(deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), index=st.integers(0, 2**256 - 1))
def test_order_secret_is_a_valid_private_key(seed: bytes, index: int) -> None:
    assert 1 <= order_secret(seed, index) <= N - 1


def test_a_zero_candidate_falls_back_to_the_next_candidate(monkeypatch: pytest.MonkeyPatch) -> None:
    real = order_keys.keccak
    first = SEED + (5).to_bytes(32, "big")

    def fake(data: bytes) -> bytes:
        # Make the first candidate exactly n, i.e. 0 mod n.
        return N.to_bytes(32, "big") if data == first else real(data)

    monkeypatch.setattr(order_keys, "keccak", fake)
    expected = int.from_bytes(keccak(first + (1).to_bytes(32, "big")), "big") % N
    assert order_secret(SEED, 5) == expected


def test_index_out_of_uint256_range_is_refused() -> None:
    with pytest.raises(ValueError):
        order_secret(SEED, -1)
    with pytest.raises(ValueError):
        order_secret(SEED, 2**256)


def test_order_key_point_and_address_match_its_secret() -> None:
    key = derive_order_key(SEED, 4)
    assert key.index == 4
    assert (key.x, key.y) == base_mul(key.secret)
    assert key.point == (key.x, key.y)
    assert key.address == point_address(key.x, key.y)
    # eth_account agrees on the address of the same private key.
    assert key.address == Account.from_key(key.secret.to_bytes(32, "big")).address


def test_find_order_key_finds_index_7() -> None:
    target = derive_order_key(SEED, 7)
    assert find_order_key(SEED, target.address) == target
    assert find_order_key(SEED, target.address.lower()) == target


def test_find_order_key_returns_none_beyond_its_limit_or_for_a_foreign_address() -> None:
    target = derive_order_key(SEED, 7)
    assert find_order_key(SEED, target.address, limit=7) is None
    assert find_order_key(SEED, ACCOUNT.address, limit=50) is None


def test_seed_from_account_is_deterministic() -> None:
    again = Account.from_key((0xB0B).to_bytes(32, "big"))
    assert seed_from_account(ACCOUNT, 1, ESCROW) == seed_from_account(again, 1, ESCROW)


def test_seed_from_account_is_keccak_of_a_personal_sign_of_the_seed_message() -> None:
    msg = encode_defunct(text=seed_message(1, ESCROW))
    signature = bytes(ACCOUNT.sign_message(msg).signature)
    assert seed_from_account(ACCOUNT, 1, ESCROW) == keccak(signature)
    assert Account.recover_message(msg, signature=signature) == ACCOUNT.address


def test_seed_from_account_differs_by_chain_escrow_and_account() -> None:
    base = seed_from_account(ACCOUNT, 1, ESCROW)
    assert seed_from_account(ACCOUNT, 2, ESCROW) != base
    assert seed_from_account(ACCOUNT, 1, "0x" + "11" * 20) != base
    other = Account.from_key((0xA11CE).to_bytes(32, "big"))
    assert seed_from_account(other, 1, ESCROW) != base


def test_order_key_is_a_value_object() -> None:
    assert OrderKey(1, 2, 3, 4) == OrderKey(1, 2, 3, 4)
    with pytest.raises(AttributeError):
        OrderKey(1, 2, 3, 4).secret = 5  # type: ignore[misc]
