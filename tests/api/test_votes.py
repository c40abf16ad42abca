"""Gasless votes through the API: the seat's juror posts its signed commit (checked on receipt:
its seat, its signature, a deadline still ahead), then in the reveal period its reveal; the
relayer's interface hands them over for `commitSigned` / `reveal` and marks them sent."""

from __future__ import annotations

import pytest
from eth_account import Account

from api.problems import PROBLEM_BASE
from arbitration.court_client import Choice, Period
from arbitration.court_logs import CourtLogs
from arbitration.votes import sign_commit


def _commit_body(signed):
    case_id, seat, commit, deadline, signature = signed
    return {
        "case_id": case_id,
        "seat": seat,
        "commit_hash": "0x" + commit.hex(),
        "deadline": deadline,
        "signature": "0x" + signature.hex(),
    }


def _reveal_body(item):
    case_id, seat, _, choice, salt = item[:5]
    return {"case_id": case_id, "seat": seat, "choice": int(choice), "salt": "0x" + salt.hex()}


def _problem(answer, status, kind):
    assert answer.status_code == status, answer.text
    assert answer.json()["type"] == PROBLEM_BASE + kind, answer.json()


@pytest.fixture
def voting(api, world, case):
    """The case in its commit period; each juror's court client and signed-in API client."""
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case.case_id)
    jurors = [world.client(j) for j in case.panel]
    return case, jurors, [api.sign_in(j) for j in case.panel]


def test_signed_commits_are_held_then_relayed_in_one_batch(api, world, voting):
    case, jurors, clients = voting
    deadline = world.market.clock.now() + 3600
    for juror, client in zip(jurors, clients, strict=True):
        signed = juror.signed_commit(
            case.case_id, juror.my_seat(case.case_id, 0), Choice.REFUND_BUYER, deadline
        )
        answer = client.post("/votes/commits", json=_commit_body(signed))
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "pending" and answer.json()["juror"] == juror.me

    store = api.state.votes
    pending = store.pending_commits(now=world.market.clock.now())
    assert len(pending) == 3
    result = world.court.relay_commits([p.as_signed_commit() for p in pending])  # the relayer
    assert [e.name for e in result.events].count("VoteCommitted") == 3
    tx_hash = "0x" + result.receipt["transactionHash"].hex().removeprefix("0x")
    assert store.mark_submitted(pending, tx_hash) == 3
    assert store.pending_commits() == []
    mine = clients[0].get("/votes/mine").json()["votes"]
    assert [(v["kind"], v["status"], v["tx_hash"]) for v in mine] == [
        ("commit", "submitted", tx_hash)
    ]


def test_the_same_commit_twice_is_one_commit(api, world, voting):
    case, (juror, *_), (client, *_) = voting
    signed = juror.signed_commit(
        case.case_id,
        juror.my_seat(case.case_id, 0),
        Choice.PAY_MERCHANT,
        world.market.clock.now() + 3600,
    )
    assert client.post("/votes/commits", json=_commit_body(signed)).status_code == 202
    assert client.post("/votes/commits", json=_commit_body(signed)).status_code == 202
    assert len(api.state.votes.pending_commits()) == 1
    other = juror.signed_commit(case.case_id, signed[1], Choice.REFUND_BUYER, signed[3] + 1)
    _problem(client.post("/votes/commits", json=_commit_body(other)), 409, "another-commit")


def test_a_refused_commit_shows_its_reason_and_the_juror_may_replace_it(api, world, voting):
    case, (juror, *_), (client, *_) = voting
    seat = juror.my_seat(case.case_id, 0)
    deadline = world.market.clock.now() + 3600
    first = juror.signed_commit(case.case_id, seat, Choice.PAY_MERCHANT, deadline)
    assert client.post("/votes/commits", json=_commit_body(first)).status_code == 202
    store = api.state.votes
    [held] = store.pending_commits()
    store.mark_refused([(held, "CourtSignatureExpired(1)")], None)  # what the relayer records
    [shown] = client.get("/votes/mine").json()["votes"]
    assert (shown["status"], shown["reason"], shown["tx_hash"]) == (
        "refused",
        "CourtSignatureExpired(1)",
        None,
    )

    second = juror.signed_commit(case.case_id, seat, Choice.PAY_MERCHANT, deadline + 60)
    answer = client.post("/votes/commits", json=_commit_body(second))
    assert answer.status_code == 202 and answer.json()["status"] == "pending", answer.text
    [pending] = store.pending_commits(now=world.market.clock.now())
    world.court.relay_commits([pending.as_signed_commit()])
    assert world.court.vote_of(case.case_id, seat)[0]


def test_a_forged_commit_is_refused(api, world, voting):
    """Signed by another key for the juror's seat: refused before it reaches the relayer."""
    case, (juror, *_), (client, *_) = voting
    seat = juror.my_seat(case.case_id, 0)
    deadline = world.market.clock.now() + 3600
    commit = juror.commit_hash(case.case_id, 0, Choice.PAY_MERCHANT)
    forged = sign_commit(
        Account.create().key,
        chain_id=31337,
        court=world.court.address,
        case_id=case.case_id,
        round_no=0,
        seat=seat,
        commit=commit,
        deadline=deadline,
    )
    _problem(
        client.post(
            "/votes/commits", json=_commit_body((case.case_id, seat, commit, deadline, forged))
        ),
        422,
        "bad-signature",
    )
    # A genuine signature for another seat, or a tampered deadline, does not recover either.
    genuine = juror.signed_commit(case.case_id, seat, Choice.PAY_MERCHANT, deadline)
    tampered = (*genuine[:3], deadline + 1, genuine[4])
    _problem(client.post("/votes/commits", json=_commit_body(tampered)), 422, "bad-signature")
    assert api.state.votes.pending_commits() == []


def test_a_commit_for_someone_elses_seat_is_refused(world, voting):
    case, (a, b, _), (client_a, *_) = voting
    signed = b.signed_commit(
        case.case_id,
        b.my_seat(case.case_id, 0),
        Choice.PAY_MERCHANT,
        world.market.clock.now() + 3600,
    )
    _problem(client_a.post("/votes/commits", json=_commit_body(signed)), 403, "not-your-seat")


def test_a_commit_whose_deadline_has_passed_or_is_too_close_is_refused(world, voting):
    case, (juror, *_), (client, *_) = voting
    seat = juror.my_seat(case.case_id, 0)
    for deadline in (world.market.clock.now() - 1, world.market.clock.now() + 5):
        signed = juror.signed_commit(case.case_id, seat, Choice.PAY_MERCHANT, deadline)
        _problem(client.post("/votes/commits", json=_commit_body(signed)), 422, "signature-expired")


def test_a_commit_already_on_chain_is_refused(world, voting):
    case, (juror, *_), (client, *_) = voting
    seat = juror.my_seat(case.case_id, 0)
    juror.commit(case.case_id, seat, Choice.PAY_MERCHANT)
    signed = juror.signed_commit(
        case.case_id, seat, Choice.PAY_MERCHANT, world.market.clock.now() + 3600
    )
    _problem(client.post("/votes/commits", json=_commit_body(signed)), 409, "already-committed")


def test_reveals_are_taken_in_the_reveal_period_only_and_must_match_the_commit(api, world, voting):
    case, jurors, clients = voting
    seats = [j.my_seat(case.case_id, 0) for j in jurors]
    early = _reveal_body(jurors[0].reveal_item(case.case_id, seats[0], Choice.REFUND_BUYER))
    _problem(clients[0].post("/votes/reveals", json=early), 409, "wrong-period")
    for juror, seat in zip(jurors, seats, strict=True):
        juror.commit(case.case_id, seat, Choice.REFUND_BUYER)
    world.court.pass_period(case.case_id)
    assert world.court.case(case.case_id).period == Period.REVEAL

    wrong = _reveal_body(jurors[0].reveal_item(case.case_id, seats[0], Choice.PAY_MERCHANT))
    _problem(clients[0].post("/votes/reveals", json=wrong), 422, "reveal-mismatch")
    for juror, seat, client in zip(jurors, seats, clients, strict=True):
        body = _reveal_body(juror.reveal_item(case.case_id, seat, Choice.REFUND_BUYER))
        answer = client.post("/votes/reveals", json=body)
        assert answer.status_code == 202, answer.text
    # Another juror's valid reveal, posted by someone else: not theirs to post.
    theirs = _reveal_body(jurors[1].reveal_item(case.case_id, seats[1], Choice.REFUND_BUYER))
    _problem(clients[0].post("/votes/reveals", json=theirs), 403, "not-your-seat")

    store = api.state.votes
    pending = store.pending_reveals()
    # The jurors committed themselves: each commit is a root of one leaf, proved by no sibling.
    result = world.court.reveal([r.as_reveal() for r in pending])
    assert [e.name for e in result.events].count("VoteRevealed") == 3
    store.mark_submitted(pending, "0x" + result.receipt["transactionHash"].hex().removeprefix("0x"))
    assert store.pending_reveals() == []
    world.court.pass_period(case.case_id)
    assert world.court.case(case.case_id).ruling == Choice.REFUND_BUYER


def test_votes_need_a_session(api, voting):
    case, _, _ = voting
    body = {
        "case_id": case.case_id,
        "seat": 0,
        "commit_hash": "0x" + "11" * 32,
        "deadline": 1,
        "signature": "0x" + "22" * 65,
    }
    _problem(api.client().post("/votes/commits", json=body), 401, "not-signed-in")


def test_a_commit_signed_in_the_evidence_period_is_relayed_once_commits_open(api, world, case):
    juror = world.client(case.panel[0])
    seat = juror.my_seat(case.case_id, 0)
    signed = juror.signed_commit(
        case.case_id, seat, Choice.PAY_MERCHANT, world.market.clock.now() + 86_400
    )
    assert (
        api.sign_in(case.panel[0]).post("/votes/commits", json=_commit_body(signed)).status_code
        == 202
    )
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case.case_id)
    pending = api.state.votes.pending_commits(now=world.market.clock.now())
    result = world.court.relay_commits(
        [p.as_signed_commit() for p in pending] * 2
    )  # a batch of two
    assert [e.name for e in result.events].count("VoteCommitted") == 1
    assert juror.vote_of(case.case_id, seat)[0]
    assert CourtLogs(juror).commitment(case.case_id, seat).commit_hash == signed[2]
