"""The court's events, read in block ranges any node accepts (fairkey/chain/log_ranges.py): the
seats a juror was drawn for, the evidence anchored in a case, the rounds waiting for a panel.

Logs say where to look; the state decides. A seat found in a JurorDrawn log is confirmed with
`jurorAt` by the caller (arbitration/juror_service.py), as the API does for access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address

from arbitration.court_client import CourtClient
from fairkey.chain.log_ranges import fetch_in_ranges
from fairkey.chain.session import Event

# Every court event about one case, in the court's order of a case's life; each has the case id
# as its first indexed argument (the API's timeline and the indexer read these).
CASE_EVENTS = (
    "CaseOpened",
    "RoundOpened",
    "RandomnessRerequested",
    "JurorDrawn",
    "RoundAborted",
    "PeriodChanged",
    "Evidence",
    "VoteCommitted",
    "VoteRevealed",
    "VoteRefused",
    "RoundRuled",
    "AppealFunded",
    "NoCoherentJuror",
    "CaseExecuted",
    "SeatSettled",
)


def uint_topic(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def address_topic(address: str) -> str:
    return "0x" + "00" * 12 + address.lower().removeprefix("0x")


@dataclass(frozen=True)
class Drawn:
    """A JurorDrawn log: `juror` was drawn for `seat` of round `round` of the case."""

    case_id: int
    round: int
    seat: int
    juror: str
    block_number: int


@dataclass(frozen=True)
class Anchor:
    """An Evidence log: a party anchored a file (URI and keccak256; the content is off chain)."""

    case_id: int
    party: str
    uri: str
    content_hash: bytes
    block_number: int
    tx_hash: str


class CourtLogs:
    def __init__(self, court: CourtClient, from_block: int = 0) -> None:
        self.court = court
        self.from_block = from_block
        self._topics = {
            item["name"]: "0x" + event_abi_to_log_topic(item).hex()
            for item in court.contract.abi
            if item.get("type") == "event"
        }

    @property
    def w3(self):
        return self.court.session.w3

    def head(self) -> int:
        return self.w3.eth.block_number

    def drawn(self, juror: str, first: int | None = None, last: int | None = None) -> list[Drawn]:
        """Every seat `juror` was drawn for in blocks first..last (default: all of them)."""
        events = self.events("JurorDrawn", None, address_topic(juror), first=first, last=last)
        return [
            Drawn(
                e.args["caseId"],
                e.args["round"],
                e.args["seat"],
                to_checksum_address(e.args["juror"]),
                e.block_number,
            )
            for e in events
        ]

    def evidence(self, case_id: int) -> list[Anchor]:
        return [
            Anchor(
                case_id,
                to_checksum_address(e.args["party"]),
                e.args["uri"],
                bytes(e.args["contentHash"]),
                e.block_number,
                "0x" + e.tx_hash.removeprefix("0x"),
            )
            for e in self.events("Evidence", uint_topic(case_id))
        ]

    def opened_rounds(self) -> list[tuple[int, int]]:
        """(case, round) of every round the court opened: where a panel may wait to be drawn."""
        return [(e.args["caseId"], e.args["round"]) for e in self.events("RoundOpened")]

    def events(
        self, name: str, *topics: str | None, first: int | None = None, last: int | None = None
    ) -> list[Event]:
        query: list[Any] = [self._topics[name], *topics]
        while query and query[-1] is None:
            query.pop()
        first = self.from_block if first is None else first
        last = self.head() if last is None else last
        if last < first:
            return []

        def fetch(a: int, b: int) -> list[Any]:
            return list(
                self.w3.eth.get_logs(
                    {"address": self.court.address, "fromBlock": a, "toBlock": b, "topics": query}
                )
            )

        decoded = self.court.session.decode_logs(fetch_in_ranges(fetch, first, last))
        return [e for e in decoded if e.name == name]
