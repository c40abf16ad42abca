"""The signing juror at the court: its seats (JurorDrawn logs, each confirmed with `jurorAt`), its
stake, its votes and its money, and the run loop's step. The rules are arbitration/juror.py's;
this module reads the chain, checks a request against them, and sends.

A request the court would refuse is refused here first, in words (`JurorRefusal`): voting twice,
revealing what was never committed, unstaking while seated. The court stays the judge: anything
that slips through (a race with another machine of the same juror) reverts there, named."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from arbitration.court_client import CaseView, Choice, CourtClient, Period, RoundView
from arbitration.court_logs import CourtLogs
from arbitration.juror import (
    CHOICE_WORDS,
    Duty,
    JurorRefusal,
    SeatView,
    Timings,
    can_pass,
    committed_choice,
    next_step,
    period_end,
    relay_deadline,
    seats_to_settle,
)
from fairkey.chain.errors import ContractRevert
from fairkey.chain.session import TxResult
from fairkey.chain.types import ETH
from fairkey.units import format_amount, format_time

log = logging.getLogger("fairkey.juror")


@dataclass(frozen=True)
class StakeChange:
    before: int
    after: int
    queued: bool  # the tree is frozen: the weight applies once the waiting panels are drawn
    waiting: list[int]  # cases whose panel waits to be drawn
    result: TxResult


@dataclass(frozen=True)
class Claim:
    settled: list[tuple[int, int, int]]  # (case, round, seats paid)
    withdrawn: dict[str, int]  # token -> amount


@dataclass
class JurorStep:
    """What one pass of the run loop did (`worked`: run the next pass at once)."""

    revealed: list[tuple[int, int, Choice]] = field(default_factory=list)
    settled: list[tuple[int, int, int]] = field(default_factory=list)
    withdrawn: dict[str, int] = field(default_factory=dict)
    applied_stake: bool = False

    @property
    def worked(self) -> bool:
        return bool(self.revealed or self.settled or self.withdrawn or self.applied_stake)


class JurorService:
    def __init__(self, court: CourtClient, from_block: int = 0) -> None:
        self.court = court
        self.logs = CourtLogs(court, from_block)
        self._seats: dict[tuple[int, int], int] = {}  # (case, seat) -> the seat's round
        self._scanned = from_block - 1
        self._finished: set[tuple[int, int]] = set()  # settled or aborted: nothing more to do
        self._unrevealable: set[tuple[int, int]] = set()  # no choice matches: warned once

    @property
    def me(self) -> str:
        return self.court.me

    @cached_property
    def params(self) -> dict:
        return self.court.params()

    @property
    def timings(self) -> Timings:
        return Timings.of(self.params)

    @property
    def stake_token(self) -> str:
        return self.params["stake_token"]

    def now(self) -> int:
        return int(self.court.session.w3.eth.get_block("latest")["timestamp"])

    # ------------------------------------------------------------------ seats

    def seats(self) -> list[tuple[int, int, int]]:
        """(case, seat, round) of every seat this juror holds, oldest case first. New JurorDrawn
        logs are read since the last call; each seat is confirmed with `jurorAt`."""
        head = self.logs.head()
        if head > self._scanned:
            me = self.me.lower()
            for d in self.logs.drawn(self.me, self._scanned + 1, head):
                if self.court.juror_at(d.case_id, d.seat).lower() == me:
                    self._seats[(d.case_id, d.seat)] = d.round
            self._scanned = head
        return sorted((c, s, r) for (c, s), r in self._seats.items())

    def views(self, case_id: int | None = None, *, active: bool = False) -> list[SeatView]:
        """The juror's seats as the chain shows them now (`active`: skip finished ones)."""
        cases: dict[int, CaseView] = {}
        rounds: dict[tuple[int, int], RoundView] = {}
        found = []
        for c, seat, r in self.seats():
            if (case_id is not None and c != case_id) or (active and (c, seat) in self._finished):
                continue
            case = cases.get(c) or cases.setdefault(c, self.court.case(c))
            rnd = rounds.get((c, r)) or rounds.setdefault((c, r), self.court.round(c, r))
            committed, revealed, choice = self.court.vote_of(c, seat)
            view = SeatView(case, seat, r, rnd, committed, revealed, choice)
            if next_step(view, self.timings).duty == Duty.DONE:
                self._finished.add((c, seat))
            found.append(view)
        return found

    def current_seat(self, case_id: int) -> SeatView:
        """The juror's seat in the case's current round, or a refusal saying why there is none."""
        if case_id < 1 or case_id > self.court.case_count():
            raise JurorRefusal(f"the court has no case {case_id} (`fairkey juror cases`)")
        views = self.views(case_id)
        for view in views:
            if view.round_no == view.case.round:
                return view
        if views:
            raise JurorRefusal(
                f"you sat on case {case_id} in round {views[0].round_no}; it is now in round "
                f"{views[0].case.round}, whose panel votes (you are paid once it is executed)"
            )
        raise JurorRefusal(
            f"{self.me} was not drawn for case {case_id} (`fairkey juror cases` lists your seats)"
        )

    # ------------------------------------------------------------------ stake

    def stake(self, target: int) -> StakeChange:
        before = self.court.stake_of(self.me)["staked"]
        result = self.court.set_stake(target)
        queued = bool(result.event("StakeSet").args["queued"])
        return StakeChange(before, target, queued, self.waiting_panels() if queued else [], result)

    def unstake(self) -> StakeChange:
        stake = self.court.stake_of(self.me)
        if stake["staked"] == 0:
            raise JurorRefusal(f"{self.me} has no stake at this court: nothing to unstake")
        if stake["open_seats"]:
            open_cases = sorted({v.case_id for v in self.views() if not v.settled})
            listed = ", ".join(map(str, open_cases)) or "?"
            raise JurorRefusal(
                f"you sit on {stake['open_seats']} open seat(s) (case {listed}): unstaking waits "
                "until they are settled — `fairkey juror cases` shows what is due, `fairkey "
                "juror claim` settles executed cases (the court refuses it: CourtJurorSeated)"
            )
        return self.stake(0)

    def waiting_panels(self) -> list[int]:
        """Cases whose current round still waits for its panel (the pool is frozen meanwhile)."""
        waiting = []
        for c, r in self.logs.opened_rounds():
            case = self.court.case(c)
            rnd = self.court.round(c, r)
            if case.round == r and case.period == Period.EVIDENCE and rnd.drawn < rnd.seats:
                waiting.append(c)
        return sorted(set(waiting))

    # ------------------------------------------------------------------ votes

    def _votable(self, case_id: int, *, relayed: bool) -> SeatView:
        view = self.current_seat(case_id)
        if view.committed:
            raise JurorRefusal(
                f"seat {view.seat} of case {case_id} has already committed its vote: a vote is "
                f"committed once and cannot be changed (reveal it: `fairkey juror reveal "
                f"{case_id}` in the reveal period)"
            )
        case = view.case
        end = period_end(case, self.timings)
        if case.period == Period.EVIDENCE and not relayed:
            if not can_pass(case, view.round, self.timings, self.now()):
                opens = "once the panel is drawn" if end is None else f"at {format_time(end)}"
                raise JurorRefusal(
                    f"case {case_id} is in its evidence period: voting opens {opens}; sign it "
                    "now for a relayer with `--relay API_URL`"
                )
            self.court.pass_period(case_id)  # the evidence period is over: anyone moves it on
            return self.current_seat(case_id)
        if case.period not in (Period.EVIDENCE, Period.COMMIT):
            raise JurorRefusal(
                f"case {case_id} is in its {case.period.name.lower()} period: the commit period "
                "is over"
            )
        return view

    def commit(self, case_id: int, choice: Choice) -> tuple[SeatView, TxResult]:
        """Commits `choice` with the wallet-derived salt (the reveal re-derives it anywhere)."""
        view = self._votable(case_id, relayed=False)
        return view, self.court.commit(case_id, view.seat, choice)

    def signed_commit(self, case_id: int, choice: Choice) -> tuple[SeatView, tuple]:
        """The EIP-712 commit for a relayer: (caseId, seat, commitHash, deadline, signature)."""
        view = self._votable(case_id, relayed=True)
        deadline = relay_deadline(view.case, self.timings, self.now())
        return view, self.court.signed_commit(case_id, view.seat, choice, deadline)

    def reveal_item(self, case_id: int) -> tuple[SeatView, tuple, Choice]:
        """The seat's reveal (caseId, seat, juror, choice, salt, proof): the choice found by trying
        each one against the seat's commit (its VoteCommitted log) with the re-derived salt."""
        view = self.current_seat(case_id)
        if view.revealed:
            raise JurorRefusal(
                f"seat {view.seat} of case {case_id} has already revealed "
                f"({CHOICE_WORDS[Choice(view.choice)]})"
            )
        if not view.committed:
            raise JurorRefusal(
                f"seat {view.seat} of case {case_id} committed no vote: there is nothing to reveal"
            )
        if view.case.period != Period.REVEAL:
            end = period_end(view.case, self.timings)
            when = f" (it may be passed at {format_time(end)})" if end else ""
            raise JurorRefusal(
                f"case {case_id} is in its {view.case.period.name.lower()} period{when}: "
                "reveal in the reveal period"
            )
        salt = self.court.salt(case_id, view.round_no)
        commitment = self.logs.commitment(case_id, view.seat)
        if commitment is None:  # the node has not served the log yet
            raise JurorRefusal(
                f"the commit of seat {view.seat} of case {case_id} is not in the logs"
            )
        choice = committed_choice(
            commitment.commit_hash,
            chain_id=self.court.session.chain_id,
            court=self.court.address,
            case_id=case_id,
            round_no=view.round_no,
            juror=self.me,
            salt=salt,
        )
        if choice is None:
            raise JurorRefusal(
                f"none of refund, pay, refuse matches seat {view.seat}'s commit with this "
                "wallet's salt: the vote was committed by another client or wallet"
            )
        return view, (case_id, view.seat, self.me, int(choice), salt, commitment.proof), choice

    def reveal(self, case_id: int) -> tuple[SeatView, Choice, TxResult]:
        view, item, choice = self.reveal_item(case_id)
        return view, choice, self.court.reveal([item])

    # ------------------------------------------------------------------ money

    def settle_due(self, views: list[SeatView] | None = None) -> list[tuple[int, int, int]]:
        """Settles every executed round this juror sat in, up to its seat; (case, round, seats)."""
        settled = []
        for view in self.views() if views is None else views:
            count = seats_to_settle(view)
            if not count:
                continue
            try:
                self.court.settle(view.case_id, view.round_no, count)
            except ContractRevert as exc:
                if exc.name != "CourtNothingToSettle":
                    raise
                continue  # someone settled it meanwhile
            self._finished.add((view.case_id, view.seat))
            settled.append((view.case_id, view.round_no, count))
        return settled

    def withdraw_all(self) -> dict[str, int]:
        """Withdraws the juror's credit in ETH (fees) and in the stake token (stake shares)."""
        withdrawn = {}
        for token in dict.fromkeys((ETH, self.stake_token)):
            if self.court.credit_of(token, self.me):
                withdrawn[token] = self.court.withdraw(token).event("Withdrawn").args["amount"]
        return withdrawn

    def claim(self) -> Claim:
        return Claim(self.settle_due(), self.withdraw_all())

    # ------------------------------------------------------------------ the run loop

    def step(self) -> JurorStep:
        """One pass: reveal every committed seat in its reveal period (one transaction), settle
        and withdraw after execution, apply a queued stake once no panel waits. Moving cases on
        (draws, periods) is the court keeper's job (arbitration/court_keeper.py)."""
        done = JurorStep()
        views = self.views(active=True)
        timings = self.timings
        due = [
            v
            for v in views
            if next_step(v, timings).duty == Duty.REVEAL
            and (v.case_id, v.seat) not in self._unrevealable
        ]
        items, choices = [], []
        for view in due:
            try:
                _, item, choice = self.reveal_item(view.case_id)
            except JurorRefusal as exc:  # e.g. committed by another client: never blocks the rest
                log.warning("cannot reveal case %d: %s", view.case_id, exc)
                self._unrevealable.add((view.case_id, view.seat))
                continue
            items.append(item)
            choices.append((view.case_id, view.seat, choice))
        if items:
            result = self.court.reveal(items)
            refused = self.court.refusals(result)
            for case_id, seat, choice in choices:
                if (case_id, seat) in refused:
                    log.warning("reveal of case %d refused: %s", case_id, refused[(case_id, seat)])
                else:
                    word = CHOICE_WORDS[choice]
                    log.info("revealed %s in case %d (seat %d)", word, case_id, seat)
                    done.revealed.append((case_id, seat, choice))
        done.settled = self.settle_due([v for v in views if seats_to_settle(v)])
        for case_id, round_no, count in done.settled:
            log.info("settled %d seat(s) of case %d round %d", count, case_id, round_no)
        done.withdrawn = self.withdraw_all()
        for token, amount in done.withdrawn.items():
            shown = format_amount(amount, 18, "ETH") if token == ETH else f"{amount} of {token}"
            log.info("withdrew %s", shown)
        done.applied_stake = self._apply_queued_stake()
        return done

    def _apply_queued_stake(self) -> bool:
        try:  # a call first: nothing queued, or panels still waiting, costs no transaction
            self.court.session.call(self.court.f.applyStake(self.me))
        except ContractRevert:
            return False
        self.court.apply_stake(self.me)
        log.info("applied the queued stake of %s", self.me)
        return True
