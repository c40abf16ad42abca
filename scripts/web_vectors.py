"""Shared test vectors for the dApp's TypeScript crypto, written by the Python SDK itself.

Every value in `web/test/vectors/*.json` is computed here by the SDK's own functions (order keys,
delivery encryption and checks, the key-check envelope sealed to the verifier, records and
misdelivery proofs, stock units, leaves, roots and proofs, canonical keys, stock files, the
court's vote hashes and typed data, amounts and order ids); `web/test/*.test.ts` recomputes them
in TypeScript and must get the same bytes. Nothing is random: salts and ephemeral keys (and the
envelopes' nonces) come from fixed seeds, signatures from fixed keys (RFC 6979).
`tests/web/test_vectors.py` regenerates them and fails if the committed files differ.

    .venv/bin/python -m scripts.web_vectors          # rewrite web/test/vectors/
    .venv/bin/python -m scripts.web_vectors --check  # exit 1 if any file is out of date
"""

from __future__ import annotations

import enum
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from coincurve import PrivateKey
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct, encode_typed_data
from eth_utils import keccak, to_checksum_address

from arbitration.court_client import CaseView, Choice, Period, RoundView, seats_of
from arbitration.juror import SeatView, Timings, committed_choice, relay_deadline, seats_to_settle
from arbitration.votes import (
    commit_hash,
    commit_leaf,
    commit_typed_data,
    derive_salt,
    salt_typed_data,
    sign_commit,
)
from fairkey.chain import types as chain_types
from fairkey.chain.artifacts import PROJECT_ROOT
from fairkey.chain.escrow_client import supplier_tag
from fairkey.crypto.canonical import KeyAlphabet, canonical_problem, is_forbidden_code_point
from fairkey.crypto.delivery_crypto import (
    Ephemeral,
    buyer_shared_secret,
    check_delivery,
    contract_key_address,
    contract_view_secret,
    keystream,
    open_sealed,
    seal,
    xor_cipher,
)
from fairkey.crypto.keys import (
    KeyFormatError,
    StockUnit,
    commitment,
    fingerprint,
    is_trimmed,
    normalise_key,
)
from fairkey.crypto.merkle import build_stock_tree
from fairkey.crypto.order_keys import (
    derive_order_key,
    find_order_key,
    seed_from_account,
    seed_from_signature,
    seed_message,
)
from fairkey.crypto.records import DeliveryRecord, MisdeliveryProof, find_fault
from fairkey.crypto.secp256k1 import N, base_mul
from fairkey.listing_meta import ListingMetadata, MetadataError
from fairkey.units import (
    format_amount,
    format_duration,
    format_time,
    parse_amount,
    parse_duration,
    relative,
)
from fairkey.vault.errors import VaultError
from fairkey.vault.importer import parse_stock_file
from fairkey.verifier.client import address_of as verifier_address
from fairkey.verifier.envelope import (
    AAD_DOMAIN,
    HKDF_INFO,
    NONCE_BYTES,
    key_check_aad,
    open_for_verifier,
    seal_for_verifier,
)

VECTOR_DIR = PROJECT_ROOT / "web" / "test" / "vectors"

CHAIN_ID = 31337
ESCROW = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
COURT = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"
MERCHANT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # Anvil's dev account 2
BUYER = Account.from_key(
    bytes.fromhex("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
)  # dev account 3
JUROR = Account.from_key(
    bytes.fromhex("f214f2b2cd398c806f84e317254e0f0b801d0643303237d97a22a48e01628897")
)


def h(data: bytes) -> str:
    return "0x" + bytes(data).hex()


def salt_of(label: str, i: int) -> bytes:
    return keccak(f"fairkey web vector salt {label} {i}".encode())


def ephemeral_of(label: str) -> Ephemeral:
    """A fixed ephemeral key whose E.x < n (the next counter if one were not)."""
    k = 0
    while True:
        e = int.from_bytes(keccak(f"fairkey web vector ephemeral {label} {k}".encode()), "big") % N
        if e:
            x, y = base_mul(e)
            if x < N:
                return Ephemeral(e, x, y)
        k += 1


def point(key) -> dict[str, str]:
    return {"x": str(key.x), "y": str(key.y)}


# ---------------------------------------------------------------------------- order keys


def order_key_vectors() -> dict[str, Any]:
    message = seed_message(CHAIN_ID, ESCROW)
    signed = BUYER.sign_message(encode_defunct(text=message))
    seed = seed_from_signature(bytes(signed.signature))
    assert seed == seed_from_account(BUYER, CHAIN_ID, ESCROW)
    keys = [derive_order_key(seed, j) for j in (0, 1, 2, 3, 7, 1000, 2**40)]
    rs = bytes(range(1, 65))
    found = find_order_key(seed, keys[4].address)
    assert found is not None
    return {
        "chain_id": CHAIN_ID,
        "escrow": ESCROW,
        "message": message,
        "private_key": h(BUYER.key),
        "account": BUYER.address,
        "signature": h(signed.signature),
        "seed": h(seed),
        "keys": [
            {"index": k.index, "secret": str(k.secret), **point(k), "address": k.address}
            for k in keys
        ],
        "find": {"address": keys[4].address, "index": found.index},
        "recovery_ids": [
            {"signature": h(rs + bytes([v])), "seed": h(seed_from_signature(rs + bytes([v])))}
            for v in (0, 1, 27, 28)
        ],
        "other_chain_message": seed_message(1, COURT),
    }


# ---------------------------------------------------------------------------- delivery


def _record(unit_key: bytes, salt: bytes, order_id: int, buyer, eph: Ephemeral, **override):
    """A record sealing `salt || unit_key` to the buyer, with fields overridden to make faults."""
    p = override.pop("plaintext", salt + unit_key)
    sealed = seal(p, order_id, buyer.x, buyer.y, eph)
    fields = {
        "root": keccak(b"fairkey web vector root"),
        "unit_index": 5,
        "commitment": keccak(salt + unit_key),
        "fingerprint": fingerprint(unit_key),
        "eph_x": sealed.eph_x,
        "eph_parity": sealed.eph_parity,
        "ciphertext": sealed.ciphertext,
    }
    fields.update(override)
    return DeliveryRecord(**fields)


def delivery_vectors() -> dict[str, Any]:
    seed = keccak(b"fairkey web vector buyer seed")
    cases: list[dict[str, Any]] = []

    def add(name: str, key: bytes, *, alphabet=KeyAlphabet.TEXT, delivery_no=0, j=0, **override):
        buyer = derive_order_key(seed, j)
        order_id = int(buyer.address, 16)
        eph = ephemeral_of(name)
        salt = salt_of(name, 0)
        record = _record(key, salt, order_id, buyer, eph, **override)
        try:
            plain = open_sealed(record.sealed, order_id, buyer.secret)
        except ValueError:
            plain = None
        check = check_delivery(plain or b"", record.commitment, record.fingerprint)
        fault = find_fault(buyer.secret, order_id, record, alphabet)
        try:
            z = contract_view_secret(buyer.secret, record.eph_x, record.eph_parity)
        except ValueError:
            z = None
        entry: dict[str, Any] = {
            "name": name,
            "alphabet": int(alphabet),
            "order_id": str(order_id),
            "order_ref": chain_types.order_ref(order_id),
            "delivery_no": delivery_no,
            "buyer_secret": str(buyer.secret),
            "buyer_key": point(buyer),
            "ephemeral_secret": str(eph.secret),
            "record": {
                "root": h(record.root),
                "unit_index": str(record.unit_index),
                "commitment": h(record.commitment),
                "fingerprint": h(record.fingerprint),
                "ephemeral_x": str(record.eph_x),
                "ephemeral_parity": record.eph_parity,
                "ciphertext": h(record.ciphertext),
            },
            "record_struct_ephemeral_x": h(record.as_struct()[4]),
            "record_hash": h(record.record_hash(order_id, delivery_no)),
            "z": None if z is None else h(z),
            "plaintext": None if plain is None else h(plain),
            "check": {
                "key": None if check.key is None else h(check.key),
                "commitment_ok": check.commitment_ok,
                "fingerprint_ok": check.fingerprint_ok,
                "canonical": check.canonical,
                "ok": check.ok,
                "provable_misdelivery": check.provable_misdelivery,
            },
            "fault": fault,
            "fault_as_text": find_fault(buyer.secret, order_id, record, KeyAlphabet.TEXT),
        }
        if fault:
            # MisdeliveryProof directly: build_misdelivery_proof judges the fault under the TEXT
            # alphabet only, so it refuses an off-alphabet key the contract does prove (fault 6).
            proof = MisdeliveryProof(order_id, delivery_no, record, buyer.secret)
            oid, struct, secret = proof.args()
            entry["proof_args"] = {
                "order_id": str(oid),
                "buyer_secret": str(secret),
                "record": [
                    h(struct[0]),
                    str(struct[1]),
                    h(struct[2]),
                    h(struct[3]),
                    h(struct[4]),
                    struct[5],
                    h(struct[6]),
                ],
            }
        cases.append(entry)

    add("good", b"ABCD-1234-EFGH")
    add("good unicode", "兑换码-ÄÖ-12 x".encode())
    add("good longest key (9 stream blocks)", b"K" * 256, j=3)
    add("good replacement", b"REPLACEMENT-KEY-2", delivery_no=1, j=1)
    add("good printable ascii", b"XBOX-GAME-PASS-0001", alphabet=KeyAlphabet.PRINTABLE_ASCII)
    add("fault 1: E.x not on the curve", b"ABCD-1234-EFGH", eph_x=5)
    add("fault 1: E.x = n (on the curve, but not an ecrecover r)", b"ABCD-1234-EFGH", eph_x=N)
    add("fault 1: E.x = 0", b"ABCD-1234-EFGH", eph_x=0)
    salt = salt_of("fault 2: salt only", 0)
    add("fault 2: salt only", b"ABCD", plaintext=salt)
    add(
        "fault 2: 257-byte key",
        b"K" * 256,
        plaintext=salt_of("fault 2: 257-byte key", 0) + b"K" * 257,
    )
    add("fault 3: another salt", b"ABCD-1234-EFGH", plaintext=salt_of("x", 9) + b"ABCD-1234-EFGH")
    add(
        "fault 3: another key",
        b"ABCD-1234-EFGH",
        plaintext=salt_of("fault 3: another key", 0) + b"ABCD-1234-EFGX",
    )
    add("fault 4: fingerprint of another key", b"ABCD-1234-EFGH", fingerprint=fingerprint(b"OTHER"))
    add("fault 5: leading space", b" KEY-5")
    add("fault 5: trailing CR", b"KEY-5\r")
    add("fault 5: trailing U+001C (Python space, not JavaScript's)", b"KEY-5\x1c")
    add("fault 5: trailing U+0085", "KEY-5\u0085".encode())
    add("fault 5: trailing ideographic space", "KEY-5\u3000".encode())
    add("fault 6: zero-width space", "KEY\u200b6".encode())
    add("fault 6: trailing BOM (JavaScript trims it, Python does not)", "KEY-6\ufeff".encode())
    add("fault 6: NUL", b"KEY\x006")
    add("fault 6: invalid UTF-8", b"KEY-6\xff")
    add("fault 6: surrogate bytes", b"KEY-6\xed\xa0\x80")
    add("fault 6: noncharacter", "KEY-6\ufdd0".encode())
    add(
        "fault 6: Cyrillic in a printable-ascii listing",
        "КЛЮЧ-6".encode(),
        alphabet=KeyAlphabet.PRINTABLE_ASCII,
    )
    add(
        "fault 6: inner space in ascii is fine, tab is not",
        b"KEY 6\tX",
        alphabet=KeyAlphabet.PRINTABLE_ASCII,
    )

    z = keccak(b"z")[:20]
    buyer = derive_order_key(seed, 0)
    return {
        "seed": h(seed),
        "cases": cases,
        "keystream": {
            "z": h(z),
            "order_id": str(int(buyer.address, 16)),
            "length": 100,
            "stream": h(keystream(z, int(buyer.address, 16), 100)),
        },
        "contract_key_address": {
            "secret": str(buyer.secret),
            "address": h(contract_key_address(buyer.secret)),
        },
        "buyer_shared_secret": {
            "secret": str(buyer.secret),
            "ephemeral_x": str(ephemeral_of("good").x),
            "parity": ephemeral_of("good").parity,
            "z": h(
                buyer_shared_secret(
                    buyer.secret, ephemeral_of("good").x, ephemeral_of("good").parity
                )
            ),
        },
        "xor": {
            "data": h(b"hello fairkey" * 5),
            "cipher": h(xor_cipher(b"hello fairkey" * 5, z, 7)),
            "z": h(z),
            "order_id": "7",
        },
    }


# ---------------------------------------------------------------------------- key checks


ENVELOPE_KEYS = ["ABCD-1234-EFGH", "兑换码-0003", "K" * 256]


def envelope_vectors() -> dict[str, Any]:
    """The buyer's key sealed to the verifier (fairkey/verifier/envelope.py) with fixed ephemeral
    keys and nonces, for the dApp to seal to the same bytes."""
    verifier = PrivateKey(keccak(b"fairkey web vector verifier"))
    public = verifier.public_key
    cases = []
    for i, text in enumerate(ENVELOPE_KEYS):
        key = normalise_key(text)
        order_id = int.from_bytes(keccak(f"fairkey web vector key-check order {i}".encode())[:20])
        aad = key_check_aad(CHAIN_ID, ESCROW, order_id)
        ephemeral = PrivateKey(keccak(f"fairkey web vector envelope ephemeral {i}".encode()))
        nonce = keccak(f"fairkey web vector envelope nonce {i}".encode())[:NONCE_BYTES]
        sealed = seal_for_verifier(key, public, aad, _ephemeral=ephemeral, _nonce=nonce)
        assert open_for_verifier(sealed, verifier, aad) == key
        cases.append(
            {
                "key": h(key),
                "order_id": str(order_id),
                "aad": h(aad),
                "ephemeral_secret": h(ephemeral.secret),
                "nonce": h(nonce),
                "envelope": sealed.to_json(),
            }
        )
    return {
        "chain_id": CHAIN_ID,
        "escrow": ESCROW,
        "verifier_secret": h(verifier.secret),
        "verifier_public_key": h(public.format(compressed=True)),
        "verifier_public_key_uncompressed": h(public.format(compressed=False)),
        "verifier_address": verifier_address(public.format(compressed=True)),
        "hkdf_info": HKDF_INFO.decode(),
        "aad_domain": AAD_DOMAIN.decode(),
        "cases": cases,
    }


# ---------------------------------------------------------------------------- stock


STOCK_KEYS = [
    "AAAA-0001",
    "  BBBB-0002\t",
    "兑换码-0003",
    "DDDD 0004",
    "EEEE-0005",
    "FFFF-0006",
    "G" * 256,
]


def stock_vectors() -> dict[str, Any]:
    batches = []
    for count in (1, 2, 3, 7):
        units = [
            StockUnit(i, normalise_key(STOCK_KEYS[i]), salt_of(f"stock {count}", i))
            for i in range(count)
        ]
        tree = build_stock_tree(units, MERCHANT)
        batches.append(
            {
                "count": count,
                "inputs": STOCK_KEYS[:count],
                "units": [
                    {
                        "index": u.index,
                        "key": h(u.key),
                        "salt": h(u.salt),
                        "plaintext": h(u.plaintext),
                        "commitment": h(u.commitment),
                        "fingerprint": h(u.fingerprint),
                        "leaf": h(u.leaf(MERCHANT)),
                    }
                    for u in units
                ],
                "root": h(tree.root),
                "proofs": [[h(p) for p in tree.proof(i)] for i in range(count)],
            }
        )
    other = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    units = [StockUnit(0, b"AAAA-0001", salt_of("stock 1", 0))]
    return {
        "merchant": MERCHANT,
        "batches": batches,
        "other_merchant": {"merchant": other, "root": h(build_stock_tree(units, other).root)},
        "supplier_tags": [
            {"name": n, "tag": h(supplier_tag(n))} for n in ("", "acme", "供应商", "x" * 32)
        ],
    }


# ---------------------------------------------------------------------------- canonical keys


def _normalised(value: str | bytes) -> dict[str, Any]:
    try:
        return {"key": h(normalise_key(value))}
    except KeyFormatError as exc:
        text = str(exc)
        kind = (
            "utf8"
            if "UTF-8" in text and "canonical" not in text
            else "empty"
            if "empty" in text
            else "too-long"
            if "too long" in text
            else "not-canonical"
        )
        return {"error": kind, "text": text}


NORMALISE_TEXT = [
    "ABCD",
    "  ABCD  ",
    "\tABCD\r\n",
    "\u3000ABCD\u3000",
    "\x1cABCD\x1f",
    "\x85ABCD\x85",
    "\u2028ABCD\u2029",
    "\xa0ABCD\u202f",
    "\ufeffABCD",
    "ABCD\ufeff",
    "AB\u200bCD",
    "AB CD",
    "",
    "   ",
    "\u3000",
    "A" * 256,
    "A" * 257,
    "é" * 128,
    "é" * 129,
    "兑换码",
    "😀KEY",
    "KEY\x00",
    "KEY\x7f",
    "KEY\u00ad",
    "KEY\ufffe",
    "KEY\U0010ffff",
    "KEY\U000e0001",
    "KEY\u180e",
    "KEY\u1680X",
    "\u200bKEY",
    "K\u034fEY",
]

NORMALISE_BYTES = [
    b"ABCD",
    b" ABCD ",
    b"\xef\xbb\xbfABCD",
    b"ABCD\xff",
    b"\xc0\xaf",
    b"\xe0\x80\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"AB\xe2\x28\xa1",
    b"ABCD\xe2\x82",
    b"\x80ABCD",
    b"\xf0\x9f\x98\x80",
    b"\xc2\xa0KEY\xc2\xa0",
    b"",
]

TRIM_BYTES = [
    b"",
    b"A",
    b" ",
    b"A ",
    b" A",
    b"\xe3\x80\x80A",
    b"A\xe3\x80\x80",
    b"A\x80\x80\x80",
    b"\x80\x80\x80\x80",
    b"A\xe3\x80",
    b"\xe3\x80",
    b"A\xc2\x85",
    b"\xc2\x85A",
    b"A\xef\xbb\xbf",
    b"A\x1c",
    b"\x0bA",
    b"A\xff",
    b"\xffA",
    b"AB\xf0\x9f\x98\x80",
    b" \x80\x80\x80",
    b"A\xe2\x80\xa8",
    b"A\xe2\x80\x8b",
]

PROBLEM_BYTES = [
    b"ABCD",
    b" AB",
    b"AB ",
    b"A B",
    b"",
    b"AB\x00",
    b"AB\xff",
    b"\xed\xa0\x80",
    "ключ".encode(),
    "AB\u200b".encode(),
    b"A\tB",
    "😀".encode(),
    b"~ok~",
    b"A\x7fB",
    "\U000e0fff".encode(),
    "\U000e1000".encode(),
    "\U0001fffe".encode(),
    b"AB\xe2\x82",
]


def _code_point_runs() -> list[list[int]]:
    """Every code point's (forbidden, Python space) flags, run-length encoded: [start, flags]."""
    runs: list[list[int]] = []
    previous = -1
    for cp in range(0x110000):
        flags = (1 if is_forbidden_code_point(cp) else 0) | (2 if chr(cp).isspace() else 0)
        if flags != previous:
            runs.append([cp, flags])
            previous = flags
    return runs


def canonical_vectors() -> dict[str, Any]:
    return {
        "normalise_text": [{"input": s, **_normalised(s)} for s in NORMALISE_TEXT],
        "normalise_bytes": [{"input": h(b), **_normalised(b)} for b in NORMALISE_BYTES],
        "is_trimmed": [{"input": h(b), "trimmed": is_trimmed(b)} for b in TRIM_BYTES],
        "problems": [
            {
                "input": h(b),
                "text": canonical_problem(b, KeyAlphabet.TEXT),
                "printable_ascii": canonical_problem(b, KeyAlphabet.PRINTABLE_ASCII),
            }
            for b in PROBLEM_BYTES
        ],
        "commitments": [
            {
                "salt": h(salt_of("c", i)),
                "key": h(k),
                "commitment": h(commitment(salt_of("c", i), k)),
                "fingerprint": h(fingerprint(k)),
            }
            for i, k in enumerate([b"A", b"ABCD-1234", "兑换码".encode(), b"Z" * 256])
        ],
        "code_point_runs": _code_point_runs(),
    }


# ---------------------------------------------------------------------------- stock files


STOCK_FILES: list[tuple[str, bytes]] = [
    ("keys.txt", b"AAAA-1\nBBBB-2\n\n# a comment\n  CCCC-3  \nAAAA-1\n"),
    ("crlf.txt", b"\xef\xbb\xbfAAAA-1\r\nBBBB-2\r\n\r\nAAAA-1\rDDDD-4"),
    ("bad-lines.txt", "OK-1\nBAD\u200b2\n\u3000\u3000\nK".encode() + b"K" * 300 + b"\nOK-1 \n"),
    (
        "unicode.txt",
        "兑换码-1\n兑换码-1\n  # not a comment? yes: stripped first\n\x1cX\x1c\n".encode(),
    ),
    ("not-utf8.txt", b"OK-1\nOK-2\nBAD-\xff\n"),
    (
        "keys.csv",
        b'Name,Code,Other\nfirst,AAAA-1,x\nsecond,"BB,BB-2",y\n,,\nthird,,z\nfourth,AAAA-1,w\n',
    ),
    ("quoted.csv", b'key\n"multi\nline"\n"a""b"\n"x"y\nlast'),
    ("card.csv", b"CARD,key\r\nAAAA-1,ignored\r\nBBBB-2,ignored\r\n"),
    ("nokey.csv", b"name,value\nA,B\n"),
    ("empty.csv", b""),
    ("unterminated.csv", b'key\n"open quote\nstill open'),
    ("spaces.csv", b"key\n  AAAA-1  \n\xe3\x80\x80\n"),
]


def stock_file_vectors() -> list[dict[str, Any]]:
    out = []
    with tempfile.TemporaryDirectory() as folder:
        for name, content in STOCK_FILES:
            path = Path(folder) / name
            path.write_bytes(content)
            entry: dict[str, Any] = {"name": name, "content": h(content)}
            try:
                parsed = parse_stock_file(path)
            except VaultError as exc:
                entry["error"] = str(exc)
            else:
                entry["lines"] = [
                    {"line": x.line, "key": h(x.key), "fingerprint": h(x.fingerprint)}
                    for x in parsed.lines
                ]
                entry["duplicates"] = [
                    {"line": d.line, "first_line": d.first_line} for d in parsed.duplicates
                ]
                entry["invalid"] = [{"line": line, "text": text} for line, text in parsed.invalid]
            out.append(entry)
    return out


# ---------------------------------------------------------------------------- court


def _typed(full: dict[str, Any]) -> dict[str, Any]:
    """A typed message as JSON, with its EIP-712 digest (what a wallet signs)."""
    digest = _hash_eip191_message(encode_typed_data(full_message=full))
    message = {k: (h(v) if isinstance(v, bytes) else v) for k, v in full["message"].items()}
    message = {k: (str(v) if isinstance(v, int) else v) for k, v in message.items()}
    return {
        "domain": full["domain"],
        "primary_type": full["primaryType"],
        "types": full["types"],
        "message": message,
        "digest": h(digest),
    }


def court_vectors() -> dict[str, Any]:
    court = to_checksum_address(COURT)
    rounds = []
    for case_id, round_no, seat in ((1, 0, 2), (7, 1, 5), (2**40, 3, 30)):
        salt = derive_salt(JUROR.key, CHAIN_ID, court, case_id, round_no)
        hashes = {
            int(c): h(commit_hash(CHAIN_ID, court, case_id, round_no, JUROR.address, int(c), salt))
            for c in Choice
        }
        chosen = bytes.fromhex(hashes[int(Choice.PAY_MERCHANT)][2:])
        deadline = 1_900_000_000 + case_id % 1000
        typed = commit_typed_data(CHAIN_ID, court, case_id, round_no, seat, chosen, deadline)
        salt_full = salt_typed_data(CHAIN_ID, court, case_id, round_no)
        salt_sig = Account.sign_message(encode_typed_data(full_message=salt_full), JUROR.key)
        found = committed_choice(
            chosen,
            chain_id=CHAIN_ID,
            court=court,
            case_id=case_id,
            round_no=round_no,
            juror=JUROR.address,
            salt=salt,
        )
        rounds.append(
            {
                "case_id": str(case_id),
                "round": round_no,
                "seat": seat,
                "salt_typed_data": _typed(salt_full),
                "salt_signature": h(salt_sig.signature),
                "salt": h(salt),
                "commit_hashes": hashes,
                "commit_typed_data": _typed(typed),
                "deadline": deadline,
                "commit_signature": h(
                    sign_commit(
                        JUROR.key,
                        chain_id=CHAIN_ID,
                        court=court,
                        case_id=case_id,
                        round_no=round_no,
                        seat=seat,
                        commit=chosen,
                        deadline=deadline,
                    )
                ),
                "commit_leaf": h(commit_leaf(case_id, round_no, seat, JUROR.address, chosen)),
                "committed_choice": int(found) if found is not None else None,
            }
        )
    timings = Timings(evidence=4 * 3600, commit=3600, reveal=3600, appeal=7200)
    deadlines = []
    for period, start, now in (
        (Period.EVIDENCE, 1000, 1000),
        (Period.COMMIT, 1000, 1500),
        (Period.COMMIT, 1000, 4500),
        (Period.REVEAL, 0, 10),
    ):
        view = CaseView(1, ESCROW, period, 0, Choice.REFUSE, start, ESCROW, ESCROW)
        deadlines.append(
            {
                "period": int(period),
                "period_start": start,
                "now": now,
                "deadline": relay_deadline(view, timings, now),
            }
        )
    settle = []
    for period, aborted, settled, round_no, seat in (
        (Period.EXECUTED, False, 0, 0, 2),
        (Period.EXECUTED, False, 1, 0, 2),
        (Period.EXECUTED, False, 3, 0, 2),
        (Period.EXECUTED, True, 0, 0, 1),
        (Period.APPEAL, False, 0, 0, 0),
        (Period.EXECUTED, False, 2, 1, 9),
        (Period.EXECUTED, False, 0, 2, 10),
    ):
        view = CaseView(1, ESCROW, period, round_no, Choice.REFUSE, 0, ESCROW, ESCROW)
        rnd = RoundView(
            0,
            seats_of(round_no)[1],
            seats_of(round_no)[1],
            0,
            0,
            0,
            settled,
            (0, 0, 0),
            aborted,
            0,
            0,
            ESCROW,
            0,
            ESCROW,
            0,
        )
        seat_view = SeatView(view, seat, round_no, rnd, True, True, 1)
        settle.append(
            {
                "period": int(period),
                "aborted": aborted,
                "settled": settled,
                "round": round_no,
                "seat": seat,
                "count": seats_to_settle(seat_view),
            }
        )
    return {
        "seats_to_settle": settle,
        "chain_id": CHAIN_ID,
        "court": court,
        "juror_key": h(JUROR.key),
        "juror": JUROR.address,
        "rounds": rounds,
        "timings": {"evidence": timings.evidence, "commit": timings.commit},
        "relay_deadlines": deadlines,
    }


# ---------------------------------------------------------------------------- format and types


def _attempt(fn, *args) -> dict[str, Any]:
    try:
        return {"value": str(fn(*args))}
    except ValueError as exc:
        return {"error": str(exc)}


def format_vectors() -> dict[str, Any]:
    amounts = [
        "0.01",
        "1",
        "0",
        "1.5",
        "0.000000000000000001",
        "1e-2",
        "1E3",
        ".5",
        "5.",
        "1_000.25",
        " 2 ",
        "-1",
        "-0",
        "abc",
        "1.0000000000000000001",
        "1e30",
        "",
        "+3",
    ]
    units = [0, 1, 10**16, 10**18, 15 * 10**17, 123456789, 10**30]
    ids = [1, 2**160 - 1, int("0x5FbDB2315678afecb367f032d93F642f64180aa3", 16)]
    refs = [
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        "0x5FBDB2315678AFECB367F032D93F642F64180AA3",
        "0x5FbDB2315678afecb367f032d93F642f64180aA3",
        "0x" + "0" * 40,
        "0x1234",
        "0x" + "1" * 41,
        "12345",
        "hello",
        " 0x5fbdb2315678afecb367f032d93f642f64180aa3 ",
    ]

    def ref(text: str) -> dict[str, Any]:
        try:
            return {"value": str(chain_types.parse_order_ref(text))}
        except ValueError:
            return {"error": True}

    return {
        "parse_amount": [
            {"text": t, "decimals": d, **_attempt(parse_amount, t, d)}
            for t in amounts
            for d in (18, 6, 0)
        ],
        "format_amount": [
            {"units": str(u), "decimals": d, "symbol": s, "text": format_amount(u, d, s)}
            for u in units
            for d in (18, 6, 0)
            for s in ("", "ETH")
        ],
        "parse_duration": [
            {"text": t, **_attempt(parse_duration, t)}
            for t in (
                "90s",
                "30m",
                "1h",
                "2d",
                "1w",
                "1h30m",
                "1d 2h",
                "3600",
                "1x",
                "",
                "h",
                "1h1",
                " 2H ",
            )
        ],
        "format_duration": [
            {"seconds": s, "text": format_duration(s)}
            for s in (0, -5, 1, 59, 60, 61, 3600, 5400, 86400, 90061, 10**7)
        ],
        "relative": [
            {"timestamp": ts, "now": 1_000_000, "text": relative(ts, 1_000_000)}
            for ts in (
                1_000_000,
                1_000_059,
                999_941,
                1_000_060,
                1_003_600,
                1_003_660,
                1_000_000 + 47 * 3600 + 59 * 60,
                1_000_000 + 48 * 3600,
                1_000_000 + 3 * 86400 + 5 * 3600,
                1_000_000 - 3 * 86400,
            )
        ],
        "format_time": [
            {"timestamp": ts, "text": format_time(ts)} for ts in (0, 1_700_000_000, 4_102_444_799)
        ],
        "order_ref": [
            {
                "order_id": str(i),
                "ref": chain_types.order_ref(i),
                "hex": chain_types.order_id_hex(i),
            }
            for i in ids
        ],
        "parse_order_ref": [{"text": t, **ref(t)} for t in refs],
    }


LISTING_DOCS: list[tuple[str, str, str | None]] = [
    ("Steam 50 USD", "Steam wallet card, 50 USD, global", None),
    (
        "Steam 充值卡 50",
        '全球通用。\n使用方法：\t打开 Steam → 兑换。\n"引号" 与 \\ 反斜杠',
        "zh-CN",
    ),
    ("Emoji 😀 title", "é" * 10 + "\u2028 line separator stays as written", "en"),
    ("x" * 120, "y" * 5000, None),
    ("x" * 121, "too long title", None),
    ("😀" * 120, "120 characters of four bytes each", None),
    (" padded", "title with a leading space", None),
    ("Two\nlines", "a title holds no line break", None),
    ("Tab", "a bell \x07 is refused", None),
    ("Lang", "bad language tag", "english language"),
    ("Lang", "empty language tag", ""),
    ("", "empty title", None),
]


def listing_doc_vectors() -> list[dict[str, Any]]:
    out = []
    for title, description, lang in LISTING_DOCS:
        entry: dict[str, Any] = {"title": title, "description": description, "lang": lang}
        try:
            doc = ListingMetadata(title, description, lang)
        except MetadataError as exc:
            entry["error"] = str(exc)
        else:
            entry["canonical"] = doc.canonical().decode()
            entry["hash"] = h(doc.description_hash())
        out.append(entry)
    return out


def _members(e: type[enum.IntEnum]) -> dict[str, int]:
    return {chain_types.solidity_name(m): int(m) for m in e}


def type_vectors() -> dict[str, Any]:
    return {
        "enums": {
            "OrderStatus": _members(chain_types.OrderStatus),
            "DisputeReason": _members(chain_types.DisputeReason),
            "CompletionCause": _members(chain_types.CompletionCause),
            "RefundCause": _members(chain_types.RefundCause),
            "Verdict": _members(chain_types.Verdict),
            "Ruling": _members(chain_types.Ruling),
            "KeyAlphabet": _members(KeyAlphabet),
            "Period": _members(Period),
            "Choice": _members(Choice),
        },
        "terminal": [int(s) for s in chain_types.OrderStatus if s.terminal],
        "seats_of": [list(seats_of(r)) for r in range(4)],
    }


# ---------------------------------------------------------------------------- files


def render(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected() -> dict[Path, str]:
    return {
        VECTOR_DIR / name: render(fn())
        for name, fn in (
            ("order_keys.json", order_key_vectors),
            ("delivery.json", delivery_vectors),
            ("envelope.json", envelope_vectors),
            ("stock.json", stock_vectors),
            ("canonical.json", canonical_vectors),
            ("stock_files.json", stock_file_vectors),
            ("court.json", court_vectors),
            ("format.json", format_vectors),
            ("types.json", type_vectors),
            ("listing_docs.json", listing_doc_vectors),
        )
    }


def stale(files: dict[Path, str] | None = None) -> list[Path]:
    files = expected() if files is None else files
    return [p for p, text in files.items() if not p.exists() or p.read_text() != text]


def main(argv: list[str]) -> int:
    files = expected()
    if "--check" in argv:
        out_of_date = stale(files)
        for path in out_of_date:
            name = path.relative_to(PROJECT_ROOT)
            print(f"{name} is out of date: run python -m scripts.web_vectors")
        return 1 if out_of_date else 0
    VECTOR_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(PROJECT_ROOT)} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
