"""The API's pure rules: what a relayed signature must look like (OpenZeppelin's ECDSA), what
an uploaded file must be, how the token buckets refill, what an upload's name may be."""

from __future__ import annotations

import pytest
from eth_account import Account

from api.evidence.content import content_matches, media_type
from api.evidence.service import safe_filename
from api.problems import ApiProblem
from api.ratelimit import RateLimiter
from api.votes.checks import SECP256K1_N, commit_signer, valid_commit_hash
from arbitration.votes import sign_commit

COURT = "0x000000000000000000000000000000000000c0de"
FIELDS = {
    "chain_id": 31337,
    "court": COURT,
    "case_id": 1,
    "round_no": 0,
    "seat": 2,
    "commit": b"\x42" * 32,
    "deadline": 10**9,
}


def test_a_commit_signature_recovers_to_its_signer():
    juror = Account.create()
    signature = sign_commit(juror.key, **FIELDS)
    assert commit_signer(**FIELDS, signature=signature) == juror.address
    assert commit_signer(**{**FIELDS, "seat": 3}, signature=signature) != juror.address


def test_a_malleated_signature_is_refused_like_the_court_refuses_it():
    """(r, n - s, v ^ 1) recovers the same key in eth-account, but OpenZeppelin's ECDSA rejects
    a high s: the relayer would send a commit the court skips."""
    signature = sign_commit(Account.create().key, **FIELDS)
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    malleated = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    assert commit_signer(**FIELDS, signature=malleated) is None
    assert commit_signer(**FIELDS, signature=signature[:64]) is None
    assert commit_signer(**FIELDS, signature=signature[:64] + b"\x01") is None


def test_values_that_could_pass_for_a_revealed_vote_are_no_commit():
    assert not valid_commit_hash(b"\x00" * 32)
    assert not valid_commit_hash((0x100 | 2).to_bytes(32, "big"))
    assert valid_commit_hash((1 << 9).to_bytes(32, "big"))


@pytest.mark.parametrize(
    ("kind", "data", "ok"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\nrest", True),
        ("image/png", b"GIF89a", False),
        ("image/jpeg", b"\xff\xd8\xff\xe0rest", True),
        ("application/pdf", b"%PDF-1.4", True),
        ("application/pdf", b"<html>", False),
        ("text/plain", "订单 0x12\tok\r\n".encode(), True),
        ("text/plain", b"\xff\xfe", False),
        ("text/plain", b"bell\x07", False),
        ("text/html", b"<p>", False),
    ],
)
def test_a_file_must_be_what_its_type_says(kind, data, ok):
    assert content_matches(kind, data) is ok


def test_the_declared_type_loses_its_parameters():
    assert media_type("Text/Plain; charset=utf-8") == "text/plain"
    assert media_type(None) == ""


def test_a_bucket_allows_its_burst_then_its_rate():
    now = [0.0]
    limiter = RateLimiter("test", rate=0.5, burst=2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(2.0)
    assert limiter.take("b") == 0.0  # another key has its own bucket
    now[0] = 2.0
    assert limiter.take("a") == 0.0
    with pytest.raises(ApiProblem) as refused:
        limiter.check("a")
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "2"


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\\\Users\\\\me\\\\shot.png", "shot.png"),
        ("收据.pdf", "_.pdf"),
        ("...", None),
        (None, None),
    ],
)
def test_an_uploads_name_is_a_label_never_a_path(name, label):
    assert safe_filename(name) == label
