"""The API store on SQLite and on PostgreSQL: nonces spent once even by two API processes on
one database, sessions, evidence metadata, and the relayer's view of the votes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.auth.service import AuthService
from api.auth.siwe_check import SignInRefused, SignInRules
from api.db import Database
from api.evidence.service import EvidenceService
from api.evidence.storage import BlobStore
from api.votes.store import VoteConflict, VoteStore
from tests.api.conftest import DOMAIN, PNG, PUBLIC_URL, personal_sign, siwe_message

RULES = SignInRules(DOMAIN, PUBLIC_URL, 31337, 60)


def _now() -> float:
    return datetime.now(UTC).timestamp()


@pytest.fixture
def db(db_url):
    database = Database.open(db_url)
    yield database
    database.close()


def test_a_nonce_is_spent_once_across_two_api_processes(db_url, accounts):
    first, second = Database.open(db_url), Database.open(db_url)  # create_all twice: idempotent
    try:
        a = AuthService(first, RULES, nonce_ttl=300, session_ttl=3600, clock=_now)
        b = AuthService(second, RULES, nonce_ttl=300, session_ttl=3600, clock=_now)
        buyer = accounts["buyer"]
        message = siwe_message(buyer, a.issue_nonce().nonce)
        signed = b.sign_in(message, personal_sign(buyer, message))
        with pytest.raises(SignInRefused) as refused:
            a.sign_in(message, personal_sign(buyer, message))
        assert refused.value.kind == "siwe-nonce-used"
        assert a.session_of(signed.token).address == buyer.address  # one session table
        assert b.sign_out(signed.token) and a.session_of(signed.token) is None
    finally:
        first.close()
        second.close()


def test_evidence_is_one_row_per_case_and_one_file_per_content(db, tmp_path):
    blobs = BlobStore(tmp_path / "blobs")
    service = EvidenceService(db, blobs, _now)
    one, new = service.save(1, "0xBuyer", PNG, "image/png", "../../etc/passwd")
    again, new_again = service.save(1, "0xBuyer", PNG, "image/png", "x.png")
    other, _ = service.save(2, "0xMerchant", PNG, "image/png", None)
    assert (new, new_again) == (True, False)
    assert one.filename == "passwd" and again.filename == "passwd"
    assert [e.case_id for e in (one, other)] == [1, 2]
    assert service.get(2, one.content_hash).uploader == "0xMerchant"
    assert service.get(3, one.content_hash) is None
    assert len([p for p in blobs.root.rglob("0x*")]) == 1


def _commit(store, seat=0, deadline=2_000, signature="0x" + "aa" * 65, chain_now=1_000):
    return store.add_commit(
        case_id=7,
        round_no=0,
        seat=seat,
        juror="0xJuror",
        commit_hash="0x" + "11" * 32,
        deadline=deadline,
        signature=signature,
        chain_now=chain_now,
    )


def test_the_relayer_gets_pending_votes_in_order_and_marks_them_sent(db):
    store = VoteStore(db, _now)
    a, _ = _commit(store, seat=0)
    _commit(store, seat=1, deadline=1_500)
    assert [c.seat for c in store.pending_commits()] == [0, 1]
    assert [c.seat for c in store.pending_commits(now=1_800)] == [0]  # seat 1's deadline passed
    assert a.as_signed_commit() == (7, 0, b"\x11" * 32, 2_000, b"\xaa" * 65)
    assert store.mark_submitted([a], "0x" + "ff" * 32) == 1
    assert store.mark_submitted([a], "0x" + "ee" * 32) == 0  # once
    assert [c.seat for c in store.pending_commits()] == [1]
    reveal, _ = store.add_reveal(
        case_id=7, round_no=0, seat=0, juror="0xJuror", choice=2, salt="0x" + "22" * 32
    )
    assert reveal.as_reveal() == (7, 0, 2, b"\x22" * 32)
    assert store.pending_reveals() == [reveal]
    store.mark_submitted([reveal], "0x" + "dd" * 32)
    assert store.pending_reveals() == []


def test_a_seat_keeps_its_commit_until_its_deadline_passes_unsent(db):
    store = VoteStore(db, _now)
    _commit(store, deadline=2_000)
    assert _commit(store, deadline=2_000)[1] is False  # the same again: nothing new
    with pytest.raises(VoteConflict):
        _commit(store, deadline=3_000, signature="0x" + "bb" * 65, chain_now=1_000)
    replaced, new = _commit(store, deadline=3_000, signature="0x" + "bb" * 65, chain_now=2_001)
    assert new and replaced.deadline == 3_000 and len(store.pending_commits()) == 1


def test_the_http_api_runs_on_postgresql(make_api, pg_url, case):
    api = make_api(db_url=pg_url)
    buyer = api.sign_in(case.buyer)
    digest = buyer.post(
        f"/cases/{case.case_id}/evidence", files={"file": ("a.png", PNG, "image/png")}
    )
    assert digest.status_code == 201, digest.text
    read = api.sign_in(case.panel[0]).get(
        f"/cases/{case.case_id}/evidence/{digest.json()['content_hash']}"
    )
    assert read.content == PNG
