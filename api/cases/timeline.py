"""A case's timeline as readers want it, from the index's rows (indexer/queries.py,
`court_case_timeline`: each court event of the case with its decoded arguments). A pure function
of those rows. Choices appear only where the chain shows them: a commit says who committed, never
what; a reveal says what was revealed. Amounts (wei) are decimal strings, addresses EIP-55."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from eth_utils import to_checksum_address

from arbitration.court_client import Choice, Period
from indexer.projections.raw import parse_args

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
    "JurorLeftPool": "juror_left_pool",
}

AddressParams = Mapping[str, frozenset[str]]


def address_params(abi: Iterable[Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """Per event of a contract's ABI, the names of its address parameters (the index keeps
    addresses lowercase; readers get them EIP-55, as every other answer of the API)."""
    return {
        item["name"]: frozenset(p["name"] for p in item["inputs"] if p["type"] == "address")
        for item in abi
        if item.get("type") == "event"
    }


def choice_name(value: int) -> str:
    try:
        return Choice(value).name.lower()
    except ValueError:
        return str(value)


def period_name(value: int) -> str:
    return Period(value).name.lower()


def _value(name: str, value: Any, addresses: frozenset[str]) -> Any:
    if name in addresses:
        return to_checksum_address(value)
    if name in AMOUNTS:
        return str(value)
    if name == "period":
        return period_name(value)
    if name in ("ruling", "choice"):
        return choice_name(value)
    return value


def entry(row: Any, addresses: AddressParams, reason: Callable[[bytes], str]) -> dict[str, Any]:
    """One timeline entry of an index row (event, block_number, log_index, block_time, tx_hash,
    args)."""
    args = parse_args(row.args)
    mine = addresses.get(row.event, frozenset())
    data = {k: _value(k, v, mine) for k, v in args.items() if k != "caseId"}
    if row.event == "VoteRefused":
        data["reason"] = reason(bytes.fromhex(str(args["reason"]).removeprefix("0x")))
    return {
        "kind": KINDS.get(row.event, row.event),
        "event": row.event,
        "round": data.get("round"),
        "block_number": row.block_number,
        "block_time": row.block_time,
        "tx_hash": "0x" + row.tx_hash.removeprefix("0x"),
        "log_index": row.log_index,
        "data": data,
    }


def timeline(
    rows: Iterable[Any], addresses: AddressParams, reason: Callable[[bytes], str]
) -> list[dict[str, Any]]:
    ordered = sorted(rows, key=lambda r: (r.block_number, r.log_index))
    return [entry(r, addresses, reason) for r in ordered]
