"""Commit roots: a relayed batch stores one Merkle root of its accepted commits, and each reveal
proves its seat's leaf under it. Rebuilt from the logs alone (CourtLogs.commitment), across
cases; a proof for another seat fails; a stranger who copies one signed commit out of a pending
batch and lands it first changes nothing for the juror."""

from __future__ import annotations

import pytest

from arbitration.court_client import Choice, Period
from arbitration.court_logs import CourtLogs
from tests.support.disputes import reverts


@pytest.fixture
def two_cases(world):
    """Two cases in their commit period, 3 seats each, out of 6 stakers."""
    world.add_jurors(6)
    cases = [world.contested_case()[1] for _ in range(2)]
    seated = {}
    for case_id in cases:
        for juror in world.draw_all(case_id):
            client = world.client(world.by_address(juror))
            seated[(case_id, client.my_seat(case_id, 0))] = client
    world.market.clock.advance(world.params.evidence_period + 1)
    for case_id in cases:
        world.court.pass_period(case_id)
    return world, seated


def _signed(world, seated, choice=Choice.REFUND_BUYER):
    deadline = world.market.clock.now() + 3600
    return [juror.signed_commit(c, seat, choice, deadline) for (c, seat), juror in seated.items()]


def _to_reveal(world, seated):
    world.market.clock.advance(world.params.commit_period + 1)
    for case_id in {c for c, _ in seated}:
        world.court.pass_period(case_id)
        assert world.court.case(case_id).period == Period.REVEAL


def test_a_relayed_batch_is_one_root_and_every_seat_reveals_with_its_proof(two_cases):
    world, seated = two_cases
    result = world.court.relay_commits(_signed(world, seated))
    landed = [e for e in result.events if e.name == "VoteCommitted"]
    roots = {bytes(e.args["root"]) for e in landed}
    assert len(landed) == 6 and len(roots) == 1
    assert world.court.is_commit_root(roots.pop())
    _to_reveal(world, seated)

    logs = CourtLogs(world.court)
    items = []
    for (case_id, seat), juror in seated.items():
        commitment = logs.commitment(case_id, seat)
        assert commitment.juror == juror.me and len(commitment.proof) >= 2
        items.append(juror.reveal_item(case_id, seat, Choice.REFUND_BUYER, commitment.proof))
    # A proof belongs to its seat: swapped between two seats, neither reveal lands.
    (c0, s0, *_), (c1, s1, *_) = items[0], items[1]
    swapped = [(*items[0][:5], items[1][5]), (*items[1][:5], items[0][5])]
    refused = world.court.refusals(world.court.reveal(swapped))
    assert {r.name for r in refused.values()} == {"CourtRevealMismatch"}
    assert set(refused) == {(c0, s0), (c1, s1)}

    result = world.court.reveal(items)
    assert [e.name for e in result.events].count("VoteRevealed") == 6
    for case_id in {c for c, _ in seated}:
        assert world.court.round(case_id, 0).votes == (0, 3, 0)


def test_a_commit_copied_out_of_a_pending_batch_still_reveals(two_cases):
    """A stranger watching the mempool lands one juror's signed commit alone, first: the batch
    refuses that item (the seat committed), the rest land, and the juror's reveal finds the
    one-leaf root its commit was stored under."""
    world, seated = two_cases
    signed = _signed(world, seated, Choice.PAY_MERCHANT)
    stranger = world.client(world.market.accounts["stranger"])
    stranger.relay_commits(signed[:1])
    result = world.court.relay_commits(signed)
    refused = world.court.refusals(result)
    assert {r.name for r in refused.values()} == {"CourtAlreadyCommitted"}
    assert [e.name for e in result.events].count("VoteCommitted") == 5
    _to_reveal(world, seated)

    logs = CourtLogs(world.court)
    (case_id, seat), juror = next(iter(seated.items()))
    commitment = logs.commitment(case_id, seat)
    assert commitment.proof == [] and commitment.commit_hash == signed[0][2]
    items = [
        juror.reveal_item(c, s, Choice.PAY_MERCHANT, logs.commitment(c, s).proof)
        for (c, s), juror in seated.items()
    ]
    result = world.court.reveal(items)
    assert [e.name for e in result.events].count("VoteRevealed") == 6


def test_a_reveal_without_its_proof_is_refused(two_cases):
    world, seated = two_cases
    world.court.relay_commits(_signed(world, seated))
    _to_reveal(world, seated)
    (case_id, seat), juror = next(iter(seated.items()))
    with reverts("CourtRevealMismatch", seat=seat):
        world.court.reveal([juror.reveal_item(case_id, seat, Choice.REFUND_BUYER)])
