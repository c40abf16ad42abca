"""Votes: one commit per seat, reveals that must reproduce the juror's own commit, and relayed
EIP-712 commits that cannot be replayed on another chain, court, case, round or seat, or late."""

from __future__ import annotations

import pytest
from eth_account import Account

from arbitration.court_client import Choice, CourtClient, Period
from arbitration.votes import commit_hash, sign_commit
from tests.support.disputes import reverts


@pytest.fixture
def voting(world):
    """A case in its commit period with a 3-juror panel, out of 5 stakers."""
    world.add_jurors(5)
    _, case_id = world.contested_case()
    panel = world.draw_all(case_id)
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case_id)
    return world, case_id, [world.client(world.by_address(j)) for j in panel]


def test_a_juror_commits_once_and_cannot_recommit(voting):
    world, case_id, (a, *_) = voting
    seat = a.my_seat(case_id, 0)
    a.commit(case_id, seat, Choice.REFUND_BUYER)
    with reverts("CourtAlreadyCommitted", seat=seat):
        a.commit(case_id, seat, Choice.PAY_MERCHANT)


def test_only_the_seated_juror_commits_for_its_seat(voting):
    world, case_id, (a, b, _) = voting
    with reverts("CourtNotSeated"):
        b.session.send(b.f.commit(case_id, a.my_seat(case_id, 0), b"\x11" * 32))


def test_a_copied_commit_cannot_be_revealed_by_the_copier(voting):
    """The hash binds the juror: b commits a's hash, then cannot reveal a's (choice, salt)."""
    world, case_id, (a, b, c) = voting
    seat_a, seat_b = a.my_seat(case_id, 0), b.my_seat(case_id, 0)
    a.commit(case_id, seat_a, Choice.PAY_MERCHANT)
    copied = a.commit_hash(case_id, 0, Choice.PAY_MERCHANT)
    b.session.send(b.f.commit(case_id, seat_b, copied))
    c.commit(case_id, c.my_seat(case_id, 0), Choice.PAY_MERCHANT)
    world.court.pass_period(case_id)
    _, _, _, choice, salt, proof = a.reveal_item(case_id, seat_a, Choice.PAY_MERCHANT)
    for juror in (b.me, a.me):  # neither as b's seat nor by naming a
        with reverts("CourtRevealMismatch", seat=seat_b):
            world.court.reveal([(case_id, seat_b, juror, choice, salt, proof)])
    world.court.reveal([a.reveal_item(case_id, seat_a, Choice.PAY_MERCHANT)])
    assert a.vote_of(case_id, seat_a)[1:] == (True, Choice.PAY_MERCHANT)


def test_a_reveal_must_match_the_committed_choice(voting):
    world, case_id, (a, b, c) = voting
    for juror in (a, b, c):
        juror.commit(case_id, juror.my_seat(case_id, 0), Choice.REFUND_BUYER)
    world.court.pass_period(case_id)
    seat = a.my_seat(case_id, 0)
    with reverts("CourtRevealMismatch"):
        world.court.reveal([a.reveal_item(case_id, seat, Choice.PAY_MERCHANT)])
    world.court.reveal([a.reveal_item(case_id, seat, Choice.REFUND_BUYER)])
    with reverts("CourtAlreadyRevealed"):
        world.court.reveal([a.reveal_item(case_id, seat, Choice.REFUND_BUYER)])


def test_an_empty_commit_is_refused(voting):
    world, case_id, (a, *_) = voting
    with reverts("CourtInvalidCommit"):
        a.session.send(a.f.commit(case_id, a.my_seat(case_id, 0), b"\0" * 32))


def test_the_salt_is_the_same_on_another_machine(voting):
    """A restart elsewhere re-derives the salt from the same wallet and can still reveal."""
    world, case_id, (a, *_) = voting
    elsewhere = CourtClient(
        a.session.with_account(Account.from_key(a.session.account.key)), a.address
    )
    assert elsewhere.salt(case_id, 0) == a.salt(case_id, 0)
    assert a.salt(case_id, 0) != a.salt(case_id, 1)


def test_relayed_commits_land_in_one_batch(voting):
    world, case_id, jurors = voting
    deadline = world.market.clock.now() + 3600
    signed = [
        j.signed_commit(case_id, j.my_seat(case_id, 0), Choice.REFUND_BUYER, deadline)
        for j in jurors
    ]
    relayer = world.court  # the deployer: anyone may relay
    result = relayer.relay_commits(signed)
    assert [e.name for e in result.events].count("VoteCommitted") == 3
    assert all(world.court.vote_of(case_id, j.my_seat(case_id, 0))[0] for j in jurors)
    # Replaying the same batch changes nothing: each seat's commit is written once.
    again = relayer.relay_commits(signed + signed[:1])
    refused = world.court.refusals(again)
    assert {r.name for r in refused.values()} == {"CourtAlreadyCommitted"}


def _signed(
    world, juror, case_id, seat, *, chain_id=None, court=None, case=None, round_no=0, deadline=None
):
    deadline = deadline if deadline is not None else world.market.clock.now() + 3600
    digest = commit_hash(
        world.market.session.chain_id, world.court.address, case_id, 0, juror.me, 1, b"\x01" * 32
    )
    signature = sign_commit(
        juror.session.account.key,
        chain_id=chain_id or world.market.session.chain_id,
        court=court or world.court.address,
        case_id=case if case is not None else case_id,
        round_no=round_no,
        seat=seat,
        commit=digest,
        deadline=deadline,
    )
    return (case_id, seat, digest, deadline, signature)


@pytest.mark.parametrize(
    "change",
    [
        {"chain_id": 1},
        {"court": "0x000000000000000000000000000000000000c0de"},
        {"case": 999},
        {"round_no": 1},
    ],
    ids=["other-chain", "other-court", "other-case", "other-round"],
)
def test_a_signature_for_anything_else_is_refused(voting, change):
    world, case_id, (a, *_) = voting
    item = _signed(world, a, case_id, a.my_seat(case_id, 0), **change)
    with reverts("CourtInvalidSignature"):
        world.court.relay_commits([item])


def test_a_signature_is_bound_to_the_juror_of_its_seat(voting):
    world, case_id, (a, b, _) = voting
    item = _signed(world, a, case_id, b.my_seat(case_id, 0))  # a signs for b's seat
    with reverts("CourtInvalidSignature"):
        world.court.relay_commits([item])


def test_an_expired_signature_is_refused(voting):
    world, case_id, (a, *_) = voting
    item = _signed(world, a, case_id, a.my_seat(case_id, 0), deadline=world.market.clock.now() - 1)
    with reverts("CourtSignatureExpired"):
        world.court.relay_commits([item])


def test_votes_outside_their_period_are_refused(voting):
    world, case_id, (a, b, c) = voting
    seat = a.my_seat(case_id, 0)
    with reverts("CourtWrongPeriod"):
        world.court.reveal([a.reveal_item(case_id, seat, Choice.REFUND_BUYER)])
    world.market.clock.advance(world.params.commit_period + 1)
    world.court.pass_period(case_id)
    assert world.court.case(case_id).period == Period.REVEAL
    with reverts("CourtWrongPeriod"):
        a.commit(case_id, seat, Choice.REFUND_BUYER)
