"""The vote relayer between the appeal API's store and the court: jurors sign (`juror vote
--relay`, `juror reveal --relay`) and pay no gas; the relayer sends a batch per kind, marks each
vote sent or refused with the court's reason (the store's refused state, shown to the juror);
it can neither forge nor alter a vote."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from arbitration.api_client import ApiRefused, CourtApi
from arbitration.court_client import Choice, Period
from arbitration.relayer import Sort, sort_commit, sort_reveal
from arbitration.votes import sign_commit


@pytest.fixture
def panel(world, make_juror):
    """A contested case whose three drawn jurors each drive the CLI (evidence period)."""
    jurors = [make_juror(stake=True) for _ in range(3)]
    _, case_id = world.contested_case()
    drawn = world.draw_all(case_id)
    assert sorted(drawn) == sorted(j.address for j in jurors)
    return case_id, jurors


def _relay(fk, api) -> str:
    """One pass of `fairkey relayer run` (as dev account 4, which only pays gas)."""
    return fk("stranger", "relayer", "run", "--once", "--api-db", api.db_url).output


def _to_commit(world, case_id):
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case_id)


def _votes(api, juror) -> list:
    commits, reveals = api.state.votes.votes_of(juror.address)
    return [*commits, *reveals]


def _seat(world, juror, case_id) -> int:
    return world.court.my_seat(case_id, 0, juror.address)


def test_votes_signed_for_the_relayer_land_in_one_batch(world, api, fk, panel):
    case_id, jurors = panel
    for juror in jurors:  # signed during the evidence period: held until commits open
        out = juror("vote", str(case_id), "pay", "--relay", api.url).output
        assert "holds it for its relayer" in out
    _relay(fk, api)
    assert all(v.submitted_at is None for j in jurors for v in _votes(api, j))

    _to_commit(world, case_id)
    _relay(fk, api)

    txs = {v.tx_hash for j in jurors for v in _votes(api, j)}
    assert len(txs) == 1 and None not in txs
    receipt = world.market.w3.eth.get_transaction_receipt(txs.pop())
    events = world.court.session.decode_logs(receipt["logs"])
    assert [e.name for e in events].count("VoteCommitted") == 3
    assert api.state.votes.pending_commits() == []


def test_a_gasless_juror_commits_and_reveals_without_paying_gas(world, api, fk, panel):
    case_id, jurors = panel
    before = {j.address: world.market.eth_balance(j.address) for j in jurors}
    _to_commit(world, case_id)
    for juror in jurors:
        juror("vote", str(case_id), "refund", "--relay", api.url)
    _relay(fk, api)
    world.court.pass_period(case_id)  # every seat committed: the commit period ends early
    assert world.court.case(case_id).period == Period.REVEAL
    for juror in jurors:
        assert "is with" in juror("reveal", str(case_id), "--relay", api.url).output
    _relay(fk, api)

    round0 = world.court.round(case_id, 0)
    assert round0.revealed == 3 and round0.votes == (0, 3, 0)
    assert {j.address: world.market.eth_balance(j.address) for j in jurors} == before


def test_a_forged_commit_posted_to_the_api_never_lands(world, api, fk, panel, make_juror):
    case_id, (juror, *_) = panel
    _to_commit(world, case_id)
    seat = _seat(world, juror, case_id)
    deadline = world.market.clock.now() + 3600
    chain_id = world.market.w3.eth.chain_id
    honest = world.client(juror.account).signed_commit(case_id, seat, Choice.PAY_MERCHANT, deadline)
    intruder = make_juror().account
    forged = _resigned(world, honest, intruder.key)

    # The juror's seat, signed with another key; then the intruder posting for the juror's seat.
    with CourtApi(api.url, juror.account, chain_id) as as_juror, pytest.raises(ApiRefused) as bad:
        as_juror.post_commit(forged)
    assert (bad.value.status, bad.value.kind) == (422, "bad-signature")
    with CourtApi(api.url, intruder, chain_id) as as_intruder, pytest.raises(ApiRefused) as theft:
        as_intruder.post_commit(forged)
    assert (theft.value.status, theft.value.kind) == (403, "not-your-seat")

    _relay(fk, api)
    assert api.state.votes.pending_commits() == []
    assert not world.court.vote_of(case_id, seat)[0]


def test_a_vote_forged_or_altered_in_the_store_is_refused_by_the_court(world, api, fk, panel):
    """Whoever writes to the relayer's queue cannot make a vote: the court checks each signature
    against the seat's juror and the signed hash. The honest vote of the batch still lands."""
    case_id, (honest, victim, _) = panel
    _to_commit(world, case_id)
    honest("vote", str(case_id), "pay", "--relay", api.url)
    seat = _seat(world, victim, case_id)
    deadline = world.market.clock.now() + 3600
    victim_court = world.client(victim.account)
    signed = victim_court.signed_commit(case_id, seat, Choice.PAY_MERCHANT, deadline)
    altered = victim_court.commit_hash(case_id, 0, Choice.REFUND_BUYER)
    api.state.votes.add_commit(  # straight into the store, past the API's checks
        case_id=case_id, round_no=0, seat=seat, juror=victim.address,
        commit_hash="0x" + altered.hex(), deadline=deadline,
        signature="0x" + signed[4].hex(), chain_now=world.market.clock.now(),
    )  # fmt: skip

    _relay(fk, api)

    assert not world.court.vote_of(case_id, seat)[0]
    assert world.court.vote_of(case_id, _seat(world, honest, case_id))[0]
    refused = api.state.votes.refused(case_id)
    assert [(r.seat, r.reason.split("(")[0]) for r in refused] == [(seat, "CourtInvalidSignature")]
    assert refused[0].tx_hash == _votes(api, honest)[0].tx_hash  # refused inside the same batch
    assert api.state.votes.pending_commits() == []
    with CourtApi(api.url, victim.account, world.market.w3.eth.chain_id) as as_victim:
        [shown] = as_victim.my_votes()  # the juror sees why, in the API
    assert shown["status"] == "refused" and shown["reason"].startswith("CourtInvalidSignature")
    listed = fk(None, "relayer", "refusals", "--api-db", api.db_url).output
    assert "CourtInvalidSignature" in listed


def test_votes_that_wait_never_hide_the_sendable_ones_behind_them(
    world, api, fk, panel, monkeypatch
):
    """The queue is read page by page: with pages of two, three commits that must wait for their
    case's commit period come first, and the three sendable ones behind them still go out."""
    monkeypatch.setattr("arbitration.relayer.SCAN", 2)
    open_now, jurors = panel
    _to_commit(world, open_now)
    _, waiting = world.contested_case()
    assert sorted(world.draw_all(waiting)) == sorted(j.address for j in jurors)
    for case_id in (waiting, open_now):  # the waiting ones are older in the queue
        for juror in jurors:
            juror("vote", str(case_id), "pay", "--relay", api.url)
    _relay(fk, api)
    sent = {v.case_id for j in jurors for v in _votes(api, j) if v.submitted_at is not None}
    assert sent == {open_now}
    assert world.court.round(open_now, 0).committed == 0  # counted when the period ends
    assert all(world.court.vote_of(open_now, _seat(world, j, open_now))[0] for j in jurors)
    assert len(api.state.votes.pending_commits()) == 3  # the waiting case's, still queued


def test_committing_through_the_relayer_after_committing_directly_is_refused(world, api, panel):
    case_id, (juror, *_) = panel
    _to_commit(world, case_id)
    juror("vote", str(case_id), "pay")
    out = juror("vote", str(case_id), "refund", "--relay", api.url, code=1).output
    assert "already committed its vote" in out


def _resigned(world, signed: tuple, key) -> tuple:
    case_id, seat, commit, deadline, _ = signed
    signature = sign_commit(key, chain_id=world.market.w3.eth.chain_id, court=world.court.address,
                            case_id=case_id, round_no=0, seat=seat, commit=commit,
                            deadline=deadline)  # fmt: skip
    return (case_id, seat, commit, deadline, signature)


# ---------------------------------------------------------------------------- sorting (pure)


def _case(period: Period, round_no: int = 0):
    return SimpleNamespace(case_id=1, period=period, round=round_no)


COMMIT = SimpleNamespace(case_id=1, round=0, seat=1, commit_hash="0x" + "ab" * 32)
REVEAL = SimpleNamespace(case_id=1, round=0, seat=1, choice=2)
NONE = b"\0" * 32


@pytest.mark.parametrize(
    ("case", "stored", "expected"),
    [
        (_case(Period.EVIDENCE), NONE, Sort.WAIT),
        (_case(Period.COMMIT), NONE, Sort.SEND),
        (_case(Period.COMMIT), bytes.fromhex("ab" * 32), Sort.LANDED),  # resent after a crash
        (_case(Period.COMMIT), bytes.fromhex("cd" * 32), Sort.DROP),  # the seat voted otherwise
        (_case(Period.REVEAL), NONE, Sort.DROP),  # too late
        (_case(Period.EVIDENCE, round_no=1), NONE, Sort.DROP),  # its round is over
        (None, NONE, Sort.DROP),  # no such case
    ],
    ids=["evidence", "commit", "landed", "other-vote", "late", "old-round", "no-case"],
)
def test_a_pending_commit_is_sent_only_in_its_commit_period(case, stored, expected):
    assert sort_commit(COMMIT, case, stored)[0] == expected


@pytest.mark.parametrize(
    ("case", "vote", "expected"),
    [
        (_case(Period.COMMIT), (True, False, 0), Sort.WAIT),
        (_case(Period.REVEAL), (True, False, 0), Sort.SEND),
        (_case(Period.REVEAL), (True, True, 2), Sort.LANDED),
        (_case(Period.REVEAL), (True, True, 1), Sort.DROP),
        (_case(Period.REVEAL), (False, False, 0), Sort.DROP),  # never committed
        (_case(Period.APPEAL), (True, False, 0), Sort.DROP),
    ],
    ids=["early", "reveal", "landed", "other-choice", "no-commit", "late"],
)
def test_a_pending_reveal_is_sent_only_in_its_reveal_period(case, vote, expected):
    assert sort_reveal(REVEAL, case, vote)[0] == expected
