"""The court's keeper: moves every open case forward as soon as the court allows it.

Each step, for every case not yet fully paid out, it tries the permissionless calls in the order
a case needs them — `draw` (while a panel is incomplete), `passPeriod` (a deadline passed, or
every juror acted), `settle` (each round of an executed case) — and applies stake changes queued
while panels waited (`applyStake`). It never re-implements the court's rules: a call is first
simulated (eth_call), and only a call the court would accept now is sent; a refusal
(CourtTooEarly, CourtRandomnessNotReady, …) just means "not yet". Several keepers may run; the
loser of a race sees its transaction refused and moves on. No local state: the cases come from
CaseOpened events, re-read from the start block after a restart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from arbitration.court_client import CourtClient, Period, seats_of
from fairkey.chain.errors import ContractRevert
from fairkey.chain.log_ranges import fetch_in_ranges

log = logging.getLogger("fairkey.court_keeper")

DRAW_ITERATIONS = 64  # candidates per draw call: a 31-seat panel with rejections fits one block


@dataclass
class StepResult:
    sent: list[str] = field(default_factory=list)

    @property
    def worked(self) -> bool:
        return bool(self.sent)


class CourtKeeper:
    def __init__(self, court: CourtClient, from_block: int) -> None:
        self.court = court
        self.next_block = from_block
        self.open_cases: set[int] = set()
        self.queued_jurors: set[str] = set()

    # ------------------------------------------------------------------ events

    def _follow(self) -> None:
        head = self.court.session.w3.eth.block_number
        if head < self.next_block:
            return
        events = self.court.contract.events
        for e in fetch_in_ranges(
            lambda a, b: events.CaseOpened.get_logs(from_block=a, to_block=b), self.next_block, head
        ):
            self.open_cases.add(e["args"]["caseId"])
        for e in fetch_in_ranges(
            lambda a, b: events.StakeSet.get_logs(from_block=a, to_block=b), self.next_block, head
        ):
            if e["args"]["queued"]:
                self.queued_jurors.add(e["args"]["juror"])
        self.next_block = head + 1

    # ------------------------------------------------------------------ step

    def step(self) -> StepResult:
        self._follow()
        result = StepResult()
        for case_id in sorted(self.open_cases):
            if self._advance(case_id, result):
                self.open_cases.discard(case_id)
        for juror in sorted(self.queued_jurors):
            refused = self._try(result, f"applyStake {juror}", self.court.f.applyStake(juror))
            if refused != "CourtDrawsPending":  # applied, or nothing (left) to apply
                self.queued_jurors.discard(juror)
        return result

    def _advance(self, case_id: int, result: StepResult) -> bool:
        """Sends what the case allows now; True once it is executed and every round is paid."""
        view = self.court.case(case_id)
        if view.period == Period.EVIDENCE:
            rnd = self.court.round(case_id, view.round)
            if rnd.drawn < rnd.seats:
                self._try(
                    result, f"draw case {case_id}", self.court.f.draw(case_id, DRAW_ITERATIONS)
                )
                return False
        if view.period != Period.EXECUTED:
            self._try(result, f"passPeriod case {case_id}", self.court.f.passPeriod(case_id))
            return False
        done = True
        for round_no in range(view.round + 1):
            rnd = self.court.round(case_id, round_no)
            if rnd.aborted or rnd.settled >= rnd.drawn:
                continue
            self._try(result, f"settle case {case_id} round {round_no}",
                      self.court.f.settle(case_id, round_no, seats_of(round_no)[1]))  # fmt: skip
            done = done and self.court.round(case_id, round_no).settled >= rnd.drawn
        return done

    def _try(self, result: StepResult, what: str, fn) -> str | None:
        """Simulates `fn` and sends it if the court would accept it now. Returns None when it
        was mined, else the name of the court's refusal (the next step looks again)."""
        try:
            self.court.session.call(fn)
        except ContractRevert as exc:
            return exc.name  # not yet, or someone else did it
        try:
            self.court.session.send(fn)
        except ContractRevert as exc:
            log.info("%s: refused when mined (%s): another keeper was first?", what, exc.name)
            return exc.name
        log.info("%s", what)
        result.sent.append(what)
        return None
