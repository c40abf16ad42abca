"""secp256k1 helpers, encrypted delivery and delivery records (docs/protocol.md,
"Encrypted delivery" and "Delivery record")."""

import pytest
from Crypto.Hash import keccak as _keccak
from eth_account import Account
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fairkey.crypto.delivery_crypto import (
    DeliveryCheck,
    Ephemeral,
    SealedKey,
    buyer_shared_secret,
    check_delivery,
    contract_key_address,
    contract_view_secret,
    keystream,
    new_ephemeral,
    open_and_check,
    open_sealed,
    seal,
    shared_secret,
    xor_cipher,
)
from fairkey.crypto.keys import (
    StockUnit,
    commitment,
    fingerprint,
    is_trimmed,
    new_salt,
    normalise_key,
)
from fairkey.crypto.records import (
    FAULT_BAD_EPHEMERAL,
    FAULT_BAD_LENGTH,
    FAULT_COMMITMENT,
    FAULT_FINGERPRINT,
    FAULT_NONE,
    DeliveryRecord,
    build_misdelivery_proof,
    find_fault,
    record_hash,
)
from fairkey.crypto.secp256k1 import (
    GX,
    GY,
    N,
    P,
    base_mul,
    decompress,
    ecrecover_address,
    is_on_curve,
    point_address,
    point_mul,
)


def keccak(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


scalars = st.integers(min_value=1, max_value=N - 1)
order_ids = st.integers(min_value=0, max_value=2**64 - 1)
plaintexts = st.binary(min_size=33, max_size=288)
SLOW = settings(max_examples=60, deadline=None)


def buyer(secret: int = 0xB0B) -> tuple[int, int, int]:
    x, y = base_mul(secret)
    return secret, x, y


def point_with_x_at_least_n() -> tuple[int, int]:
    """A curve point whose x is in [n, p): a valid E that ecrecover cannot take as r."""
    for x in range(N, P):
        try:
            return decompress(x, 0)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- secp256k1 helpers


def test_generator_is_on_the_curve_and_is_one_times_g() -> None:
    assert is_on_curve(GX, GY)
    assert base_mul(1) == (GX, GY)


def test_points_off_the_curve_or_out_of_range_are_rejected() -> None:
    assert not is_on_curve(GX, GY + 1)
    assert not is_on_curve(GX, GY + P)
    assert not is_on_curve(0, 0)
    with pytest.raises(ValueError, match="not on secp256k1"):
        point_mul(GX, GY + 1, 2)


def test_point_mul_agrees_with_base_mul() -> None:
    assert point_mul(GX, GY, 12345) == base_mul(12345)
    bx, by = base_mul(7)
    assert point_mul(bx, by, 6) == base_mul(42)


def test_zero_scalar_is_refused() -> None:
    with pytest.raises(ValueError, match="infinity"):
        base_mul(N)


def test_point_address_matches_the_ethereum_address_of_the_key() -> None:
    # Private key 1 has the well-known address 0x7E5F…5Bdf.
    assert point_address(GX, GY) == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    acct = Account.from_key((0xC0FFEE).to_bytes(32, "big"))
    assert point_address(*base_mul(0xC0FFEE)) == acct.address


def test_decompress_recovers_both_parities() -> None:
    x, y = base_mul(99)
    assert decompress(x, y & 1) == (x, y)
    assert decompress(x, 1 - (y & 1)) == (x, P - y)


def test_ecrecover_matches_eth_account_for_a_real_signature() -> None:
    acct = Account.from_key((0xA11CE).to_bytes(32, "big"))
    msg_hash = keccak(b"hello")
    sig = Account.unsafe_sign_hash(msg_hash, acct.key)
    assert ecrecover_address(msg_hash, sig.v, sig.r, sig.s) == acct.address


def test_ecrecover_accepts_high_s_like_the_precompile() -> None:
    acct = Account.from_key((0xA11CE).to_bytes(32, "big"))
    msg_hash = keccak(b"hello")
    sig = Account.unsafe_sign_hash(msg_hash, acct.key)
    flipped_v = 55 - sig.v  # (r, n - s) is valid with the other recovery id
    assert ecrecover_address(msg_hash, flipped_v, sig.r, N - sig.s) == acct.address


@pytest.mark.parametrize(
    ("v", "r", "s"),
    [
        (0, GX, 1),  # v must be 27 or 28
        (1, GX, 1),
        (29, GX, 1),
        (27, 0, 1),  # r in [1, n-1]
        (27, N, 1),
        (27, GX, 0),  # s in [1, n-1]
        (27, GX, N),
        (27, 5, 1),  # 5 is not the x of a curve point
    ],
)
def test_ecrecover_returns_none_where_the_precompile_returns_zero(v: int, r: int, s: int) -> None:
    assert ecrecover_address(b"\x00" * 32, v, r, s) is None


# ---------------------------------------------------------------- ephemeral keys and secrets


def test_new_ephemeral_has_x_below_n_and_matches_its_secret() -> None:
    for _ in range(100):
        e = new_ephemeral()
        assert 1 <= e.secret < N
        assert e.x < N
        assert base_mul(e.secret) == (e.x, e.y)
        assert e.parity == e.y & 1


def test_ephemeral_refuses_a_point_that_is_not_its_secret_times_g() -> None:
    x, y = base_mul(3)
    with pytest.raises(ValueError, match="does not match"):
        Ephemeral(2, x, y)


@SLOW
@given(b=scalars, e=scalars)
def test_merchant_buyer_and_contract_derive_the_same_secret(b: int, e: int) -> None:
    ex, ey = base_mul(e)
    assume(ex < N)
    bx, by = base_mul(b)
    z = shared_secret(e, bx, by)
    assert len(z) == 20
    assert buyer_shared_secret(b, ex, ey & 1) == z
    assert contract_view_secret(b, ex, ey & 1) == z


def test_shared_secret_is_the_address_of_e_times_b() -> None:
    _, bx, by = buyer()
    sx, sy = point_mul(bx, by, 0x1234)
    assert (
        shared_secret(0x1234, bx, by)
        == keccak(sx.to_bytes(32, "big") + sy.to_bytes(32, "big"))[12:]
    )


def test_ephemeral_x_at_or_above_n_cannot_be_recomputed_by_the_contract() -> None:
    # Why new_ephemeral retries: such an E is a fine point, but ecrecover refuses r >= n.
    ex, ey = point_with_x_at_least_n()
    assert buyer_shared_secret(5, ex, ey & 1)  # the buyer could still decrypt …
    with pytest.raises(ValueError, match="ecrecover"):
        contract_view_secret(5, ex, ey & 1)  # … but the contract could not check it


@SLOW
@given(b=scalars)
def test_contract_key_address_is_the_address_of_b_times_g(b: int) -> None:
    assert contract_key_address(b) == bytes.fromhex(point_address(*base_mul(b))[2:])


def test_shared_secret_refuses_an_off_curve_buyer_key() -> None:
    with pytest.raises(ValueError, match="not on secp256k1"):
        shared_secret(3, GX, GY + 1)


# ---------------------------------------------------------------- keystream and cipher


Z = bytes(range(20))


def test_keystream_block_j_is_keccak_of_z_order_id_and_j() -> None:
    stream = keystream(Z, 42, 96)
    for j in range(3):
        block = keccak(Z + (42).to_bytes(32, "big") + j.to_bytes(32, "big"))
        assert stream[32 * j : 32 * (j + 1)] == block


def test_keystream_longer_than_32_bytes_uses_several_blocks() -> None:
    stream = keystream(Z, 7, 40)
    assert len(stream) == 40
    assert stream[:32] == keccak(Z + (7).to_bytes(32, "big") + (0).to_bytes(32, "big"))
    assert stream[32:] == keccak(Z + (7).to_bytes(32, "big") + (1).to_bytes(32, "big"))[:8]


def test_keystream_is_a_prefix_of_any_longer_keystream() -> None:
    assert keystream(Z, 1, 70) == keystream(Z, 1, 288)[:70]
    assert keystream(Z, 1, 0) == b""


def test_keystream_depends_on_the_order_id() -> None:
    assert keystream(Z, 1, 32) != keystream(Z, 2, 32)


def test_keystream_refuses_a_z_that_is_not_20_bytes() -> None:
    with pytest.raises(ValueError, match="20 bytes"):
        keystream(b"\x00" * 32, 1, 32)


@given(data=st.binary(max_size=300), order_id=order_ids)
def test_xor_cipher_is_its_own_inverse_and_keeps_the_length(data: bytes, order_id: int) -> None:
    c = xor_cipher(data, Z, order_id)
    assert len(c) == len(data)
    assert xor_cipher(c, Z, order_id) == data


# ---------------------------------------------------------------- seal / open


@SLOW
@given(p=plaintexts, order_id=order_ids, b=scalars)
def test_seal_then_open_returns_the_plaintext(p: bytes, order_id: int, b: int) -> None:
    bx, by = base_mul(b)
    sealed = seal(p, order_id, bx, by)
    assert sealed.eph_x < N
    assert len(sealed.ciphertext) == len(p)
    assert open_sealed(sealed, order_id, b) == p


def test_ciphertext_length_equals_plaintext_length() -> None:
    b, bx, by = buyer()
    for length in (33, 64, 65, 288):
        assert len(seal(b"\x01" * length, 1, bx, by).ciphertext) == length


def test_ciphertext_hides_the_plaintext() -> None:
    b, bx, by = buyer()
    p = new_salt() + b"KEY-0000"
    assert seal(p, 1, bx, by).ciphertext != p


def test_a_wrong_buyer_secret_yields_a_different_plaintext() -> None:
    b, bx, by = buyer()
    p = new_salt() + b"KEY-1234"
    sealed = seal(p, 9, bx, by)
    assert open_sealed(sealed, 9, b + 1) != p


def test_a_wrong_order_id_yields_a_different_plaintext() -> None:
    b, bx, by = buyer()
    p = new_salt() + b"KEY-1234"
    sealed = seal(p, 9, bx, by)
    assert open_sealed(sealed, 10, b) != p


def test_seal_uses_a_given_ephemeral() -> None:
    b, bx, by = buyer()
    eph = new_ephemeral()
    p = new_salt() + b"KEY"
    sealed = seal(p, 3, bx, by, ephemeral=eph)
    assert (sealed.eph_x, sealed.eph_parity) == (eph.x, eph.parity)
    assert sealed.ciphertext == xor_cipher(p, shared_secret(eph.secret, bx, by), 3)


def test_fresh_ephemerals_give_different_ciphertexts_for_the_same_plaintext() -> None:
    b, bx, by = buyer()
    p = new_salt() + b"KEY"
    assert seal(p, 3, bx, by).ciphertext != seal(p, 3, bx, by).ciphertext


# ---------------------------------------------------------------- check_delivery


def unit(key: bytes = b"KEY-ABCD") -> StockUnit:
    return StockUnit(0, key, new_salt())


def test_a_delivery_of_the_committed_unit_checks_ok() -> None:
    u = unit()
    check = check_delivery(u.plaintext, u.commitment, u.fingerprint)
    assert check == DeliveryCheck(u.plaintext, b"KEY-ABCD", True, True)
    assert check.ok
    assert not check.provable_misdelivery


def test_a_plaintext_not_matching_the_commitment_is_a_provable_misdelivery() -> None:
    u = unit()
    other = unit()  # same key, other salt
    check = check_delivery(other.plaintext, u.commitment, u.fingerprint)
    assert not check.commitment_ok
    assert check.fingerprint_ok
    assert not check.ok
    assert check.provable_misdelivery


def test_a_key_not_matching_the_fingerprint_is_a_provable_misdelivery() -> None:
    # The merchant commits c to one key but f to another (evading the duplicate registry).
    salt = new_salt()
    check = check_delivery(salt + b"OLD-KEY", commitment(salt, b"OLD-KEY"), fingerprint(b"NEW"))
    assert check.commitment_ok
    assert not check.fingerprint_ok
    assert not check.ok
    assert check.provable_misdelivery


def test_a_plaintext_too_short_for_a_key_has_no_key() -> None:
    p = new_salt()
    check = check_delivery(p, keccak(p), fingerprint(b""))
    assert check.key is None
    assert check.commitment_ok
    assert not check.fingerprint_ok
    assert not check.ok


def test_a_key_part_that_is_not_utf8_has_no_key() -> None:
    p = new_salt() + b"\xff\xfe"
    check = check_delivery(p, keccak(p), fingerprint(b"\xff\xfe"))
    assert check.key is None
    assert check.commitment_ok and check.fingerprint_ok
    assert not check.ok


def test_a_key_that_is_not_normalised_is_not_ok_even_if_it_matches() -> None:
    salt = new_salt()
    check = check_delivery(salt + b" KEY", commitment(salt, b" KEY"), fingerprint(b" KEY"))
    assert check.key == b" KEY"
    assert check.commitment_ok and check.fingerprint_ok
    assert not check.canonical
    assert not check.ok
    assert check.provable_misdelivery  # the contract checks the key is trimmed (fault 5)


@pytest.mark.parametrize(
    "key",
    [
        b" KEY",
        b"KEY\r",
        b"KEY\n",
        b"\tKEY",
        "KEY\u3000".encode(),
        "\u00a0KEY".encode(),
        "KEY\u2009".encode(),
    ],
)
def test_is_trimmed_sees_whitespace_that_normalisation_would_remove(key: bytes) -> None:
    assert not is_trimmed(key)
    assert is_trimmed(normalise_key(key))


@pytest.mark.parametrize(
    "key", [b"KEY", "\u5361\u5bc6-\u00e9".encode(), b"A", "\U0001f511".encode()]
)
def test_is_trimmed_accepts_normalised_keys(key: bytes) -> None:
    assert is_trimmed(key)


def test_open_and_check_decrypts_and_checks_in_one_step() -> None:
    b, bx, by = buyer()
    u = unit()
    sealed = seal(u.plaintext, 11, bx, by)
    assert open_and_check(sealed, 11, b, u.commitment, u.fingerprint).ok
    assert not open_and_check(sealed, 11, b + 1, u.commitment, u.fingerprint).ok


# ---------------------------------------------------------------- delivery records


ROOT = keccak(b"root")


def test_record_hash_is_keccak_of_the_abi_encoded_record() -> None:
    c, f, ct = keccak(b"c"), keccak(b"f"), b"\x05" * 40
    ex = 0xABC
    words = [
        (3).to_bytes(32, "big"),  # order id
        (1).to_bytes(32, "big"),  # delivery no
        ROOT,
        (17).to_bytes(32, "big"),  # unit index
        c,
        f,
        ex.to_bytes(32, "big"),  # E.x as bytes32
        (1).to_bytes(32, "big"),  # parity as uint8, left-padded
        keccak(ct),
    ]
    assert record_hash(3, 1, ROOT, 17, c, f, ex, 1, ct) == keccak(b"".join(words))


def test_record_hash_depends_on_the_delivery_number() -> None:
    c, f = keccak(b"c"), keccak(b"f")
    assert record_hash(3, 0, ROOT, 1, c, f, 5, 0, b"x") != record_hash(
        3, 1, ROOT, 1, c, f, 5, 0, b"x"
    )


def sealed_record(b: int, order_id: int, u: StockUnit) -> DeliveryRecord:
    bx, by = base_mul(b)
    sealed = seal(u.plaintext, order_id, bx, by)
    return DeliveryRecord.from_sealed(ROOT, u.index, u.commitment, u.fingerprint, sealed)


def test_delivery_record_hash_and_struct_match_the_free_functions() -> None:
    u = unit()
    rec = sealed_record(0xB0B, 4, u)
    expected = record_hash(
        4, 0, ROOT, 0, u.commitment, u.fingerprint, rec.eph_x, rec.eph_parity, rec.ciphertext
    )
    assert rec.record_hash(4, 0) == expected
    assert rec.as_struct() == (
        ROOT,
        0,
        u.commitment,
        u.fingerprint,
        rec.eph_x.to_bytes(32, "big"),
        rec.eph_parity,
        rec.ciphertext,
    )
    assert rec.sealed == SealedKey(rec.eph_x, rec.eph_parity, rec.ciphertext)


def test_find_fault_reports_none_for_an_honest_delivery() -> None:
    assert find_fault(0xB0B, 4, sealed_record(0xB0B, 4, unit())) == FAULT_NONE


def test_find_fault_reports_a_commitment_mismatch() -> None:
    u, other = unit(), unit()
    rec = sealed_record(0xB0B, 4, other)
    forged = DeliveryRecord(
        ROOT, 0, u.commitment, u.fingerprint, rec.eph_x, rec.eph_parity, rec.ciphertext
    )
    assert find_fault(0xB0B, 4, forged) == FAULT_COMMITMENT


def test_find_fault_reports_a_fingerprint_mismatch() -> None:
    u = unit()
    rec = sealed_record(0xB0B, 4, u)
    forged = DeliveryRecord(
        ROOT, 0, u.commitment, fingerprint(b"OTHER"), rec.eph_x, rec.eph_parity, rec.ciphertext
    )
    assert find_fault(0xB0B, 4, forged) == FAULT_FINGERPRINT


def test_find_fault_reports_a_bad_ephemeral_or_length() -> None:
    u = unit()
    rec = sealed_record(0xB0B, 4, u)
    ex, ey = point_with_x_at_least_n()
    high_x = DeliveryRecord(ROOT, 0, u.commitment, u.fingerprint, ex, ey & 1, rec.ciphertext)
    assert find_fault(0xB0B, 4, high_x) == FAULT_BAD_EPHEMERAL
    bad_parity = DeliveryRecord(ROOT, 0, u.commitment, u.fingerprint, rec.eph_x, 2, rec.ciphertext)
    assert find_fault(0xB0B, 4, bad_parity) == FAULT_BAD_EPHEMERAL
    short = DeliveryRecord(
        ROOT, 0, u.commitment, u.fingerprint, rec.eph_x, rec.eph_parity, rec.ciphertext[:32]
    )
    assert find_fault(0xB0B, 4, short) == FAULT_BAD_LENGTH


def test_a_misdelivery_proof_is_refused_for_an_honest_delivery() -> None:
    with pytest.raises(ValueError, match="no misdelivery"):
        build_misdelivery_proof(4, 0, sealed_record(0xB0B, 4, unit()), 0xB0B)


def test_a_misdelivery_proof_carries_the_record_and_the_buyer_secret() -> None:
    u, other = unit(), unit()
    rec = sealed_record(0xB0B, 4, other)
    forged = DeliveryRecord(
        ROOT, 0, u.commitment, u.fingerprint, rec.eph_x, rec.eph_parity, rec.ciphertext
    )
    proof = build_misdelivery_proof(4, 1, forged, 0xB0B)
    assert proof.fault == FAULT_COMMITMENT
    assert proof.args() == (4, forged.as_struct(), 0xB0B)
    assert proof.record_hash == forged.record_hash(4, 1)
