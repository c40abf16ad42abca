"""The API store on SQLite and on PostgreSQL: nonces spent once even by two API processes on
one database, sessions, evidence metadata, and the relayer's view of the votes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    event,
    inspect,
    text,
)

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
    assert reveal.as_reveal() == (7, 0, "0xJuror", 2, b"\x22" * 32, [])
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


def _reveal(store, seat=0, salt="0x" + "22" * 32):
    return store.add_reveal(case_id=7, round_no=0, seat=seat, juror="0xJuror", choice=2, salt=salt)


def test_a_relayer_walks_a_queue_longer_than_a_page_in_order_with_a_cursor(db):
    store = VoteStore(db, _now)
    for seat in range(7):
        _commit(store, seat=seat)
        _reveal(store, seat=seat)
    seen, after = [], 0
    while page := store.pending_commits(limit=3, after=after):
        assert len(page) <= 3
        store.mark_submitted(page[:1], "0x" + "ff" * 32)  # sent while walking: nothing skipped
        seen += [c.seat for c in page]
        after = page[-1].id
    assert seen == list(range(7))
    reveals, after = [], 0
    while page := store.pending_reveals(limit=2, after=after):
        reveals += [r.seat for r in page]
        after = page[-1].id
    assert reveals == list(range(7))
    _commit(store, seat=7)  # a vote received during the walk comes after the cursor
    assert [c.seat for c in store.pending_commits(after=after)] == [7]


def test_a_refused_vote_leaves_the_queue_with_its_reason_and_batch(db):
    store = VoteStore(db, _now)
    sent, _ = _commit(store, seat=0)
    dropped, _ = _commit(store, seat=1)
    reveal, _ = _reveal(store, seat=0)
    batch = "0x" + "ab" * 32
    assert store.mark_refused([(sent, "CourtInvalidSignature()")], batch) == 1
    assert store.mark_refused([(dropped, "the commit period ended")], None) == 1
    assert store.mark_refused([(sent, "again")], batch) == 0  # once
    store.mark_refused([(reveal, "x" * 900)], batch)
    assert store.pending_commits() == [] and store.pending_reveals() == []
    commits, reveals = store.votes_of("0xJuror")
    assert [(c.status, c.reason, c.tx_hash) for c in commits] == [
        ("refused", "CourtInvalidSignature()", batch),
        ("refused", "the commit period ended", None),
    ]
    assert reveals[0].status == "refused" and len(reveals[0].reason) == 500
    assert [(r.kind, r.seat) for r in store.refused(case_id=7)] == [
        ("commit", 0),
        ("commit", 1),
        ("reveal", 0),
    ]
    assert store.refused(case_id=8) == []


def test_a_refused_vote_is_replaced_by_the_jurors_next_one(db):
    store = VoteStore(db, _now)
    first, _ = _commit(store)
    store.mark_refused([(first, "CourtInvalidSignature()")], "0x" + "ab" * 32)
    again, new = _commit(store)  # the same one again: still refused, nothing new
    assert (new, again.status) == (False, "refused")
    other, new = _commit(store, signature="0x" + "bb" * 65)
    assert new and other.id == first.id and other.status == "pending"
    assert (other.tx_hash, other.reason) == (None, None)
    assert store.mark_submitted([first], "0x" + "cd" * 32) == 0  # the old signature never lands
    reveal, _ = _reveal(store)
    with pytest.raises(VoteConflict):
        _reveal(store, salt="0x" + "33" * 32)  # a pending reveal is kept
    store.mark_refused([(reveal, "CourtRevealMismatch()")], None)
    replaced, new = _reveal(store, salt="0x" + "33" * 32)
    assert new and replaced.status == "pending" and store.pending_reveals() == [replaced]


def test_a_store_from_before_the_refused_state_opens_and_keeps_the_relayers_reasons(db_url):
    """The release before kept refusals in the relayer's own table and had no refused_reason
    column: opening it adds the column, moves each reason to its vote and drops that table."""
    old = Database.open(db_url)
    store = VoteStore(old, _now)
    refused, _ = _commit(store, seat=0)
    landed, _ = _commit(store, seat=1)
    store.mark_submitted([refused, landed], "0x" + "ab" * 32)  # what the old relayer did
    with old.engine.begin() as conn:
        for table in ("api_commits", "api_reveals"):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN refused_reason"))
        OLD_REFUSALS.create(conn)
        conn.execute(
            OLD_REFUSALS.insert(),
            {"kind": "commit", "item_id": refused.id, "case_id": 7, "round": 0, "seat": 0,
             "juror": "0xJuror", "reason": "CourtInvalidSignature()", "tx_hash": "0x" + "ab" * 32,
             "refused_at": 1},
        )  # fmt: skip
    old.close()

    upgraded = Database.open(db_url)
    try:
        commits, _ = VoteStore(upgraded, _now).votes_of("0xJuror")
        assert [(c.seat, c.status, c.reason) for c in commits] == [
            (0, "refused", "CourtInvalidSignature()"),
            (1, "submitted", None),
        ]
        assert "relayer_refusals" not in inspect(upgraded.engine).get_table_names()
        Database.open(db_url).close()  # and again: nothing left to do
    finally:
        upgraded.close()


@pytest.mark.parametrize("same", [True, False], ids=["same-reveal", "another-reveal"])
def test_a_seat_another_process_fills_between_the_look_and_the_insert_keeps_its_vote(db_url, same):
    """The store looks the seat up and inserts in two transactions: another API process on the
    same database that fills the seat in between wins the unique key; ours takes its row as the
    stored one (the same reveal: accepted, not new) or refuses (another reveal: a conflict)."""
    ours, theirs = Database.open(db_url), Database.open(db_url)
    raced = []

    def their_reveal_lands(_session) -> None:  # after our look's transaction, once
        if not raced:
            raced.append(_reveal(VoteStore(theirs, _now), salt="0x" + "22" * 32))

    event.listen(ours._sessions, "after_commit", their_reveal_lands)
    try:
        store = VoteStore(ours, _now)
        if same:
            stored, new = _reveal(store, salt="0x" + "22" * 32)
            assert not new and stored == raced[0][0]
        else:
            with pytest.raises(VoteConflict):
                _reveal(store, salt="0x" + "33" * 32)
        assert raced and raced[0][1] is True  # theirs was the insert that won
        assert [r.salt for r in store.pending_reveals()] == ["0x" + "22" * 32]
    finally:
        event.remove(ours._sessions, "after_commit", their_reveal_lands)
        ours.close()
        theirs.close()


# The relayer's table as arbitration/relay_queue.py created it before the store had a refused state.
OLD_REFUSALS = Table(
    "relayer_refusals",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(6), nullable=False),
    Column("item_id", BigInteger, nullable=False),
    Column("case_id", BigInteger, nullable=False),
    Column("round", Integer, nullable=False),
    Column("seat", Integer, nullable=False),
    Column("juror", String(42), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("tx_hash", String(66), nullable=True),
    Column("refused_at", BigInteger, nullable=False),
)
