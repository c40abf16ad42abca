"""One court case folded from its events (canonical order) into its rows: `court_cases`,
`court_rounds`, `court_votes`, `court_evidence` and `court_case_events`. Pure: no database.

Rules (docs/arbitration.md; the contract decides, this only reads what its events say):
- A case exists from CaseOpened; DisputeCreation, just before it in the same transaction, names
  the arbitrable. `order_id` is the escrow order whose ArbitrationRequested named (court, case
  id), when the escrow opened the case.
- Rounds: RoundOpened opens one (round 0 with the case, an appeal's round when the appeal period
  ends with it funded). Round r has 2^(r+2) - 1 seats, numbered across the case from
  2^(r+2) - 4 - r. `fee_payer`/`fee` advanced the round: in round 0 the escalating party
  (CaseOpened), later the appellant (AppealFunded, defence false); `defender`/`defence` is the
  previous winner's deposit (defence true). An AppealFunded names the round appealed: it funds
  the next one, whose row exists from then on (`opened_time` NULL until it opens).
- Votes: JurorDrawn seats a juror; VoteCommitted marks the seat committed and carries no choice
  (the commit hides it); VoteRevealed gives the choice and counts it, so votes per choice are
  revealed votes only. RoundRuled gives the round's ruling; a seat of a ruled round without a
  reveal is absent.
- RoundAborted: the pool could not seat the panel. Its seats (if any) were released and are never
  judged; the contract executes the previous ruling (round 0: it refuses to rule, 0) and the
  current round goes back to the previous one.
- CaseExecuted: the final ruling and whether the arbitrable accepted it; time to ruling is
  opened -> executed. From then on every seat of a round that was not aborted is judged:
  coherent = revealed the final ruling (an absent juror is incoherent). SeatSettled, when a round
  is paid out, says the same and adds the seat's rewards; JurorLeftPool marks an absent juror
  who left the pool.
- Evidence: the party, the URI and the content hash (never the content).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arbitration.court_client import seats_of
from indexer.projections.names import (
    CASE_OPENED,
    CHOICE,
    DISPUTE_CREATION,
    EXECUTED,
    PERIOD,
    name_of,
)
from indexer.projections.raw import Log
from indexer.projections.refusals import error_name


@dataclass
class FoldedCase:
    case: dict[str, Any]
    rounds: list[dict[str, Any]] = field(default_factory=list)
    votes: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def fold_case(court: str, case_id: int, logs: list[Log], order_id: str | None) -> FoldedCase | None:
    """The rows of case `case_id` at `court` from its events; None without a CaseOpened (another
    arbitrator's DisputeCreation, or a case opened before the index starts)."""
    opened = next((log for log in logs if log.name == CASE_OPENED), None)
    if opened is None:
        return None
    fold = _CaseFold(court, case_id, opened, logs, order_id)
    for log in logs:
        if log.name == DISPUTE_CREATION:
            continue
        handler = getattr(fold, f"_on_{log.name}", None)
        detail, account = handler(log, log.args) if handler else (None, None)
        fold.timeline(log, detail, account)
    return fold.result()


class _CaseFold:
    """The state of one case while its events are read. Each `_on_<Event>` applies one event
    and returns the timeline's (detail, account)."""

    def __init__(
        self, court: str, case_id: int, opened: Log, logs: list[Log], order_id: str | None
    ):
        a = opened.args
        created = next(
            (x for x in logs if x.name == DISPUTE_CREATION and x.tx_hash == opened.tx_hash), None
        )
        self.key = {"court": court, "case_id": case_id}
        self.case: dict[str, Any] = {
            **self.key,
            "arbitrable": created.args["arbitrable"] if created else None,
            "order_id": order_id,
            "buyer": a["buyer"],
            "merchant": a["merchant"],
            "fee_payer": a["feePayer"],
            "fee": a["fee"],
            "opened_block": opened.block_number,
            "opened_time": opened.block_time,
            "opened_tx": opened.tx_hash,
            "rounds": 0,
            "round": 0,
            "period": PERIOD[0],
            "period_start": opened.block_time,
            "ruling": None,
            "final_ruling": None,
            "accepted": None,
            "executed_block": None,
            "executed_time": None,
            "executed_tx": None,
            "time_to_ruling_s": None,
            "evidence": 0,
            "last_block": opened.block_number,
            "last_log_index": opened.log_index,
        }
        self.rounds: dict[int, dict[str, Any]] = {}
        self.seats: dict[int, dict[str, Any]] = {}
        self.evidence: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ rows

    def round(self, number: int) -> dict[str, Any]:
        if number not in self.rounds:
            first, seats = seats_of(number)
            self.rounds[number] = {
                **self.key,
                "round": number,
                "first_seat": first,
                "seats": seats,
                "opened_time": None,
                "randomness_requests": 0,
                "drawn": 0,
                "drawn_time": None,
                "committed": 0,
                "revealed": 0,
                "votes_refuse": 0,
                "votes_first": 0,
                "votes_second": 0,
                "ruling": None,
                "ruled_time": None,
                "aborted": False,
                "fee_payer": None,
                "fee": None,
                "funded_time": None,
                "defender": None,
                "defence": None,
                "defended_time": None,
                "settled": 0,
                "no_coherent": False,
            }
        return self.rounds[number]

    def timeline(self, log: Log, detail: str | None, account: str | None) -> None:
        self.case["last_block"], self.case["last_log_index"] = log.block_number, log.log_index
        self.events.append(
            {
                **self.key,
                "block_number": log.block_number,
                "log_index": log.log_index,
                "block_time": log.block_time,
                "tx_hash": log.tx_hash,
                "event": log.name,
                "round": log.args.get("round"),
                "seat": log.args.get("seat"),
                "account": account,
                "detail": detail,
            }
        )

    def result(self) -> FoldedCase:
        final = self.case["final_ruling"]
        if final is not None:
            for seat in self.seats.values():
                if seat["coherent"] is None and not self.rounds[seat["round"]]["aborted"]:
                    seat["coherent"] = seat["choice"] == final
        return FoldedCase(
            self.case,
            [self.rounds[n] for n in sorted(self.rounds)],
            [self.seats[n] for n in sorted(self.seats)],
            self.evidence,
            self.events,
        )

    # ------------------------------------------------------------------ events

    def _on_CaseOpened(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        r = self.round(0)
        r["fee_payer"], r["fee"], r["funded_time"] = a["feePayer"], a["fee"], log.block_time
        return None, a["feePayer"]

    def _on_RoundOpened(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        r = self.round(a["round"])
        r["opened_time"], r["seats"] = log.block_time, a["seats"]
        r["randomness_requests"] += 1
        self.case["rounds"] += 1
        self.case["round"] = a["round"]
        return f"{a['seats']} seats", None

    def _on_RandomnessRerequested(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        self.round(a["round"])["randomness_requests"] += 1
        return None, None

    def _on_JurorDrawn(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        r = self.round(a["round"])
        r["drawn"] += 1
        if r["drawn"] == r["seats"]:
            r["drawn_time"] = log.block_time
        self.seats[a["seat"]] = {
            **self.key,
            "seat": a["seat"],
            "round": a["round"],
            "juror": a["juror"],
            "drawn_block": log.block_number,
            "drawn_time": log.block_time,
            "committed_time": None,
            "revealed_time": None,
            "choice": None,
            "absent": False,
            "coherent": None,
            "settled": False,
            "reward_fee": None,
            "reward_stake": None,
            "left_pool": False,
        }
        return None, a["juror"]

    def _on_RoundAborted(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        self.round(a["round"])["aborted"] = True
        self.case["round"] = max(a["round"] - 1, 0)
        return f"{a['drawn']} of {a['seats']} seats drawn", None

    def _on_PeriodChanged(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        self.case["period"] = name_of(PERIOD, a["period"])
        self.case["period_start"] = log.block_time
        return self.case["period"], None

    def _on_Evidence(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        self.case["evidence"] += 1
        self.evidence.append(
            {
                **self.key,
                "block_number": log.block_number,
                "log_index": log.log_index,
                "party": a["party"],
                "uri": a["uri"],
                "content_hash": a["contentHash"],
                "block_time": log.block_time,
                "tx_hash": log.tx_hash,
            }
        )
        return None, a["party"]

    def _on_VoteCommitted(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        if (seat := self.seats.get(a["seat"])) is not None:
            seat["committed_time"] = log.block_time
        self.round(a["round"])["committed"] += 1
        return None, a["juror"]  # no choice: the commit hides it

    def _on_VoteRevealed(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        if (seat := self.seats.get(a["seat"])) is not None:
            seat["revealed_time"], seat["choice"] = log.block_time, a["choice"]
        r = self.round(a["round"])
        r["revealed"] += 1
        column = ("votes_refuse", "votes_first", "votes_second")[min(a["choice"], 2)]
        r[column] += 1
        return name_of(CHOICE, a["choice"]), a["juror"]

    def _on_VoteRefused(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        return error_name(a["reason"], "Court"), None

    def _on_RoundRuled(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        r = self.round(a["round"])
        r["ruling"], r["ruled_time"] = a["ruling"], log.block_time
        self.case["ruling"] = a["ruling"]
        for seat in self.seats.values():
            if seat["round"] == a["round"] and seat["revealed_time"] is None:
                seat["absent"] = True
        return name_of(CHOICE, a["ruling"]), None

    def _on_AppealFunded(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        funded = self.round(a["round"] + 1)
        if a["defence"]:
            funded["defender"], funded["defence"] = a["party"], a["amount"]
            funded["defended_time"] = log.block_time
            return "defence", a["party"]
        funded["fee_payer"], funded["fee"] = a["party"], a["amount"]
        funded["funded_time"] = log.block_time
        return "appeal", a["party"]

    def _on_NoCoherentJuror(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        self.round(a["round"])["no_coherent"] = True
        return None, None

    def _on_CaseExecuted(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        c = self.case
        c["ruling"] = c["final_ruling"] = a["ruling"]
        c["accepted"] = a["accepted"]
        c["period"], c["period_start"] = EXECUTED, log.block_time
        c["executed_block"], c["executed_time"] = log.block_number, log.block_time
        c["executed_tx"] = log.tx_hash
        c["time_to_ruling_s"] = log.block_time - c["opened_time"]
        ruling = name_of(CHOICE, a["ruling"])
        return (ruling if a["accepted"] else f"{ruling}, not accepted"), None

    def _on_SeatSettled(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        if (seat := self.seats.get(a["seat"])) is not None:
            seat["settled"], seat["coherent"] = True, a["coherent"]
            seat["reward_fee"], seat["reward_stake"] = a["fee"], a["stake"]
        self.round(a["round"])["settled"] += 1
        return ("coherent" if a["coherent"] else "incoherent"), a["juror"]

    def _on_JurorLeftPool(self, log: Log, a: dict) -> tuple[str | None, str | None]:
        for seat in self.seats.values():  # one seat per juror per case
            if seat["juror"] == a["juror"]:
                seat["left_pool"] = True
        return None, a["juror"]
