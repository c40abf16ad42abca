"""A case's timeline from the court's events, as readers want it (a pure function of the events
and their blocks' times). Choices appear only where the chain shows them: a commit says who
committed, never what; a reveal says what was revealed. Amounts (wei) are decimal strings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arbitration.court_client import Choice, Period
from fairkey.chain.session import Event

AMOUNTS = {"fee", "amount", "stake"}
KINDS = {
    "CaseOpened": "opened",
    "RoundOpened": "round_opened",
    "RandomnessRerequested": "randomness_rerequested",
    "JurorDrawn": "juror_drawn",
    "RoundAborted": "round_aborted",
    "PeriodChanged": "period_changed",
    "Evidence": "evidence",
    "VoteCommitted": "vote_committed",
    "VoteRevealed": "vote_revealed",
    "VoteRefused": "vote_refused",
    "RoundRuled": "ruled",
    "AppealFunded": "appeal_funded",
    "NoCoherentJuror": "no_coherent_juror",
    "CaseExecuted": "executed",
    "SeatSettled": "seat_settled",
}


def choice_name(value: int) -> str:
    try:
        return Choice(value).name.lower()
    except ValueError:
        return str(value)


def period_name(value: int) -> str:
    return Period(value).name.lower()


def _value(name: str, value: Any, event: str) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if name in AMOUNTS:
        return str(value)
    if name == "period":
        return period_name(value)
    if name in ("ruling", "choice"):
        return choice_name(value)
    return value


def entry(event: Event, block_time: int, reason: Callable[[bytes], str]) -> dict[str, Any]:
    data = {k: _value(k, v, event.name) for k, v in event.args.items() if k != "caseId"}
    if event.name == "VoteRefused":
        data["reason"] = reason(bytes(event.args["reason"]))
    return {
        "kind": KINDS.get(event.name, event.name),
        "event": event.name,
        "round": data.get("round"),
        "block_number": event.block_number,
        "block_time": block_time,
        "tx_hash": "0x" + event.tx_hash.removeprefix("0x"),
        "log_index": event.log_index,
        "data": data,
    }


def timeline(
    events: list[Event], block_times: dict[int, int], reason: Callable[[bytes], str]
) -> list[dict]:
    ordered = sorted(events, key=lambda e: (e.block_number, e.log_index))
    return [entry(e, block_times[e.block_number], reason) for e in ordered]
