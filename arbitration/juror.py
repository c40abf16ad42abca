"""A juror's rules, as pure functions of what the chain shows (docs/arbitration.md): which seat is
where, what is due on it and by when, which choice a stored commit hides, what a claim settles.

The CLI (`fairkey juror …`), the juror's run loop (arbitration/juror_service.py) and, later, the
API read the same rules from here. Nothing here sends or reads anything.

- **What is due** (`next_step`) follows the seat's round through its periods: read the evidence
  while the panel is seated, vote in the commit period, reveal in the reveal period if the seat
  committed, wait for the ruling and any appeal, then claim once the case is executed and until
  the seat is settled. A seat of an earlier round of an appealed case only waits (and claims).
- **Revealing needs no local state** (`committed_choice`): the salt is re-derived from the
  wallet (arbitration/votes.py), and the one of the three choices whose commit hash equals the
  stored one is the vote. Any machine holding the wallet finds it; nobody else can.
- **Settling is in seat order** (`seats_to_settle`): `settle` pays a round's seats from the first
  unpaid one on, so reaching one's own seat settles every seat before it too (anyone may).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from arbitration.court_client import CaseView, Choice, Period, RoundView, seats_of
from arbitration.votes import commit_hash

CHOICE_WORDS = {
    Choice.REFUND_BUYER: "refund",
    Choice.PAY_MERCHANT: "pay",
    Choice.REFUSE: "refuse",
}
CHOICE_MEANING = {
    Choice.REFUND_BUYER: "refund the buyer",
    Choice.PAY_MERCHANT: "pay the merchant",
    Choice.REFUSE: "refuse to rule (the escrow splits the price)",
}


class JurorRefusal(Exception):
    """What a juror asked for cannot be done (the message says why and what to do instead)."""


def parse_choice(word: str) -> Choice:
    """``refund`` | ``pay`` | ``refuse`` -> the court's Choice."""
    for choice, name in CHOICE_WORDS.items():
        if word.strip().lower() == name:
            return choice
    raise JurorRefusal(f"{word!r} is not a choice: refund (the buyer), pay (the merchant), refuse")


@dataclass(frozen=True)
class Timings:
    """The court's period lengths (seconds), fixed at deployment (`CourtClient.params()`)."""

    evidence: int
    commit: int
    reveal: int
    appeal: int

    @classmethod
    def of(cls, params: dict) -> Timings:
        return cls(
            params["evidence_period"],
            params["commit_period"],
            params["reveal_period"],
            params["appeal_period"],
        )

    def length(self, period: Period) -> int | None:
        return {
            Period.EVIDENCE: self.evidence,
            Period.COMMIT: self.commit,
            Period.REVEAL: self.reveal,
            Period.APPEAL: self.appeal,
        }.get(period)


def period_end(case: CaseView, timings: Timings) -> int | None:
    """When the case's current period may be passed (None once executed)."""
    length = timings.length(case.period)
    return None if length is None else case.period_start + length


@dataclass(frozen=True)
class SeatView:
    """One seat of the juror, as the chain shows it now."""

    case: CaseView
    seat: int
    round_no: int  # the seat's round (not necessarily the case's current one)
    round: RoundView  # that round
    committed: bool
    revealed: bool
    choice: int  # the revealed choice (0 until revealed)

    @property
    def case_id(self) -> int:
        return self.case.case_id

    @property
    def index(self) -> int:
        """The seat's place in its round (settle pays in this order)."""
        return self.seat - seats_of(self.round_no)[0]

    @property
    def settled(self) -> bool:
        return self.index < self.round.settled


class Duty(enum.StrEnum):
    WAIT_PANEL = "wait for the panel"
    READ = "read the evidence"
    VOTE = "vote"
    WAIT_REVEAL = "wait for the reveal period"
    REVEAL = "reveal"
    WAIT_RULING = "wait for the ruling"
    MISSED = "missed"
    CLAIM = "claim"
    DONE = "done"


@dataclass(frozen=True)
class Step:
    duty: Duty
    deadline: int | None  # chain time the duty's period may end at (None: no deadline)
    text: str  # what to do, in the CLI's words


def next_step(view: SeatView, timings: Timings) -> Step:
    """What the juror of this seat does next, and by when."""
    case, rnd = view.case, view.round
    end = period_end(case, timings)
    n = view.case_id
    if rnd.aborted:
        return Step(Duty.DONE, None, "the round was aborted (no full panel): nothing to do")
    if case.period == Period.EXECUTED:
        if view.settled:
            return Step(Duty.DONE, None, "paid out; `fairkey juror claim` withdraws any credit")
        return Step(Duty.CLAIM, None, "`fairkey juror claim` settles and withdraws")
    if view.round_no < case.round or case.period == Period.APPEAL:
        if view.revealed:
            return Step(Duty.WAIT_RULING, end, "voted: paid once the case is executed")
        return Step(Duty.MISSED, end, "no vote revealed: the seat's lock is lost at settlement")
    if case.period == Period.EVIDENCE:
        if rnd.drawn < rnd.seats:
            return Step(Duty.WAIT_PANEL, None, f"{rnd.drawn} of {rnd.seats} jurors drawn so far")
        return Step(
            Duty.READ,
            end,
            f"`fairkey juror show {n}`; voting opens at the deadline (`vote --relay` signs now)",
        )
    if case.period == Period.COMMIT:
        if view.committed:
            return Step(Duty.WAIT_REVEAL, end, f"then `fairkey juror reveal {n}` (or `juror run`)")
        return Step(Duty.VOTE, end, f"`fairkey juror vote {n} refund|pay|refuse`")
    # Period.REVEAL
    if view.revealed:
        return Step(Duty.WAIT_RULING, end, f"you revealed {CHOICE_WORDS[Choice(view.choice)]}")
    if view.committed:
        return Step(Duty.REVEAL, end, f"`fairkey juror reveal {n}` (or `juror run`)")
    return Step(Duty.MISSED, end, "no vote committed: the seat's lock is lost at settlement")


def committed_choice(
    stored: bytes,
    *,
    chain_id: int,
    court: str,
    case_id: int,
    round_no: int,
    juror: str,
    salt: bytes,
) -> Choice | None:
    """Which choice this juror's commit hides, found by trying each with the re-derived salt
    (None: the commit was made with another salt or by another wallet)."""
    for choice in Choice:
        if commit_hash(chain_id, court, case_id, round_no, juror, int(choice), salt) == stored:
            return choice
    return None


def seats_to_settle(view: SeatView) -> int:
    """How many seats `settle` must pay (from the round's first unpaid one) to reach this seat;
    0 when there is nothing to settle (not executed, aborted, already paid)."""
    if view.case.period != Period.EXECUTED or view.round.aborted or view.settled:
        return 0
    return view.index + 1 - view.round.settled


def relay_deadline(case: CaseView, timings: Timings, now: int, margin: int = 600) -> int:
    """The deadline to sign a relayed commit with: the end of the commit period (the evidence
    period's end plus the commit period while evidence runs), at least `margin` seconds ahead."""
    if case.period == Period.EVIDENCE:
        end = case.period_start + timings.evidence + timings.commit
    else:
        end = case.period_start + timings.commit
    return max(end, now + margin)


def can_pass(case: CaseView, rnd: RoundView, timings: Timings, now: int) -> bool:
    """Whether `passPeriod` would move the case on now (the court's rules: a deadline passed, or
    every juror of the period acted)."""
    end = period_end(case, timings)
    if end is None:
        return False
    if case.period == Period.EVIDENCE:
        return rnd.drawn == rnd.seats and now >= end
    if case.period == Period.COMMIT and case.commits_now >= rnd.seats:
        return True  # every seat committed
    if case.period == Period.REVEAL and rnd.revealed >= rnd.committed:
        return True  # every committed seat revealed (or none committed)
    return now >= end
