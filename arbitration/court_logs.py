"""The court's events, read in block ranges any node accepts (fairkey/chain/log_ranges.py): the
seats a juror was drawn for, the evidence anchored in a case, the rounds waiting for a panel.

Logs say where to look; the state decides. A seat found in a JurorDrawn log is confirmed with
`jurorAt` by the caller (arbitration/juror_service.py), as the API does for access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address

from arbitration.court_client import CourtClient
from arbitration.votes import commit_leaf
from fairkey.chain.log_ranges import fetch_in_ranges
from fairkey.chain.session import Event
from fairkey.crypto.merkle import MerkleTree

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


@dataclass(frozen=True)
class Commitment:
    """A seat's accepted commit (its VoteCommitted log) and the proof of its leaf under the root
    it was stored with: what a reveal of that seat must send."""

    case_id: int
    round: int
    seat: int
    juror: str
    commit_hash: bytes
    root: bytes
    proof: list[bytes]
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

    def commitment(self, case_id: int, seat: int) -> Commitment | None:
        """The seat's commit as the chain accepted it, or None if it has none. The root's other
        leaves are the VoteCommitted logs of the same transaction with the same root, in log
        order (the court emits them in its tree's leaf order)."""
        mine = [
            e for e in self.events("VoteCommitted", uint_topic(case_id)) if e.args["seat"] == seat
        ]
        if not mine:
            return None
        log = mine[-1]  # a seat commits once: there is one
        root = bytes(log.args["root"])
        receipt = self.w3.eth.get_transaction_receipt(log.tx_hash)
        batch = [
            e
            for e in self.court.session.decode_logs(receipt["logs"])
            if e.name == "VoteCommitted"
            and e.address.lower() == self.court.address.lower()
            and bytes(e.args["root"]) == root
        ]
        leaves = [
            commit_leaf(
                e.args["caseId"],
                e.args["round"],
                e.args["seat"],
                e.args["juror"],
                bytes(e.args["commitHash"]),
            )  # fmt: skip
            for e in batch
        ]
        index = next(i for i, e in enumerate(batch) if e.log_index == log.log_index)
        tree = MerkleTree.build(leaves)
        if tree.root != root:  # the court builds the same tree; anything else is a bug to see
            raise RuntimeError(f"the commit root of case {case_id} seat {seat} does not rebuild")
        return Commitment(
            case_id,
            log.args["round"],
            seat,
            to_checksum_address(log.args["juror"]),
            bytes(log.args["commitHash"]),
            root,
            tree.proof(index),
            "0x" + log.tx_hash.removeprefix("0x"),
        )

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
