"""The juror's rules (arbitration/juror.py) as pure functions: what is due on a seat in each
period, which choice a commit hides, how many seats a claim settles. No chain."""

from __future__ import annotations

import pytest
from eth_account import Account

from arbitration.court_client import CaseView, Choice, Period, RoundView
from arbitration.juror import (
    Duty,
    SeatView,
    Timings,
    can_pass,
    committed_choice,
    next_step,
    parse_choice,
    relay_deadline,
    seats_to_settle,
)
from arbitration.votes import commit_hash, derive_salt

TIMES = Timings(evidence=100, commit=200, reveal=300, appeal=400)
COURT = "0x000000000000000000000000000000000000c0de"
ZERO = "0x" + "00" * 20


def _case(period: Period, round_no: int = 0, start: int = 1000, commits: int = 0) -> CaseView:
    return CaseView(1, COURT, period, round_no, Choice.REFUSE, start, ZERO, ZERO, commits)


def _round(drawn: int = 3, settled: int = 0, aborted: bool = False, committed: int = 0,
           revealed: int = 0) -> RoundView:  # fmt: skip
    return RoundView(1, 3, drawn, drawn, committed, revealed, settled, (0, 0, 0), aborted,
                     0, 0, ZERO, 0, ZERO, 0)  # fmt: skip


def _view(period, *, committed=False, revealed=False, seat=1, round_no=0, case_round=0, **rnd):
    return SeatView(_case(period, case_round), seat, round_no, _round(**rnd), committed or revealed,
                    revealed, 2)  # fmt: skip


@pytest.mark.parametrize(
    ("view", "duty"),
    [
        pytest.param(_view(Period.EVIDENCE, drawn=2), Duty.WAIT_PANEL, id="drawing"),
        pytest.param(_view(Period.EVIDENCE), Duty.READ, id="evidence"),
        pytest.param(_view(Period.COMMIT), Duty.VOTE, id="commit"),
        pytest.param(_view(Period.COMMIT, committed=True), Duty.WAIT_REVEAL, id="committed"),
        pytest.param(_view(Period.REVEAL, committed=True), Duty.REVEAL, id="reveal"),
        pytest.param(_view(Period.REVEAL), Duty.MISSED, id="no-commit"),
        pytest.param(_view(Period.REVEAL, revealed=True), Duty.WAIT_RULING, id="revealed"),
        pytest.param(_view(Period.APPEAL, revealed=True), Duty.WAIT_RULING, id="appeal"),
        pytest.param(
            _view(Period.COMMIT, revealed=True, case_round=1), Duty.WAIT_RULING, id="next-round"
        ),
        pytest.param(_view(Period.EXECUTED, revealed=True), Duty.CLAIM, id="executed"),
        pytest.param(_view(Period.EXECUTED, revealed=True, settled=2), Duty.DONE, id="settled"),
        pytest.param(_view(Period.EXECUTED, aborted=True), Duty.DONE, id="aborted"),
    ],
)
def test_what_is_due_follows_the_seats_round_through_its_periods(view, duty):
    assert next_step(view, TIMES).duty == duty


def test_a_duty_is_due_by_the_end_of_its_period():
    assert next_step(_view(Period.COMMIT), TIMES).deadline == 1000 + TIMES.commit
    assert next_step(_view(Period.REVEAL, committed=True), TIMES).deadline == 1000 + TIMES.reveal


def test_the_committed_choice_is_found_with_the_re_derived_salt_only():
    juror = Account.create()
    salt = derive_salt(juror.key, 31337, COURT, 1, 0)
    stored = commit_hash(31337, COURT, 1, 0, juror.address, int(Choice.PAY_MERCHANT), salt)
    found = dict(chain_id=31337, court=COURT, case_id=1, round_no=0, juror=juror.address)
    assert committed_choice(stored, salt=salt, **found) == Choice.PAY_MERCHANT
    other = derive_salt(Account.create().key, 31337, COURT, 1, 0)
    assert committed_choice(stored, salt=other, **found) is None


def test_a_claim_settles_every_seat_up_to_the_jurors_own():
    assert seats_to_settle(_view(Period.EXECUTED, seat=2, settled=0)) == 3
    assert seats_to_settle(_view(Period.EXECUTED, seat=2, settled=1)) == 2
    assert seats_to_settle(_view(Period.EXECUTED, seat=0, settled=1)) == 0
    assert seats_to_settle(_view(Period.APPEAL, seat=0)) == 0


def test_a_relayed_commit_is_signed_until_the_commit_period_ends():
    times = Timings(evidence=100, commit=3600, reveal=300, appeal=400)
    assert relay_deadline(_case(Period.EVIDENCE), times, now=1000) == 1000 + 100 + 3600
    assert relay_deadline(_case(Period.COMMIT), times, now=1000) == 1000 + 3600
    assert relay_deadline(_case(Period.COMMIT), times, now=5000) == 5000 + 600  # late: a margin


def test_a_period_passes_at_its_deadline_or_once_every_juror_acted():
    assert not can_pass(_case(Period.EVIDENCE), _round(drawn=2), TIMES, now=2000)
    assert can_pass(_case(Period.EVIDENCE), _round(), TIMES, now=1100)
    assert not can_pass(_case(Period.COMMIT, commits=0b011), _round(), TIMES, now=1100)
    assert can_pass(_case(Period.COMMIT, commits=0b111), _round(), TIMES, now=1100)
    assert not can_pass(_case(Period.REVEAL), _round(committed=3, revealed=2), TIMES, now=1200)
    assert can_pass(_case(Period.REVEAL), _round(committed=3, revealed=3), TIMES, now=1200)
    assert not can_pass(_case(Period.EXECUTED), _round(), TIMES, now=10**9)


def test_choices_are_named_as_the_cli_takes_them():
    assert [parse_choice(w) for w in ("refund", "PAY", " refuse ")] == [
        Choice.REFUND_BUYER,
        Choice.PAY_MERCHANT,
        Choice.REFUSE,
    ]
