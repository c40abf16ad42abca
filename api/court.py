"""What the API reads from the court (contracts/arbitration/Court.sol), over the arbitration
client (`arbitration/court_client.py`): cases, who takes part in them, their events, the chain's
time, and unsigned transactions for a user's wallet. Read-only: the API holds no key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address

from api.problems import ApiProblem
from api.wallet_tx import WalletTxs
from arbitration.court_client import CaseView, CourtClient, RoundView, seats_of
from arbitration.court_logs import CASE_EVENTS, CourtLogs, address_topic, uint_topic
from fairkey.chain.log_ranges import fetch_in_ranges
from fairkey.chain.session import ChainSession, Event


@dataclass(frozen=True)
class Participation:
    """Who `address` is in a case: a party (buyer, merchant) and/or the juror of `seats`."""

    address: str
    buyer: bool = False
    merchant: bool = False
    seats: tuple[int, ...] = field(default=())

    @property
    def party(self) -> bool:
        return self.buyer or self.merchant

    @property
    def juror(self) -> bool:
        return bool(self.seats)

    @property
    def roles(self) -> list[str]:
        return [
            r
            for r, on in (("buyer", self.buyer), ("merchant", self.merchant), ("juror", self.juror))
            if on
        ]


class CourtReader(WalletTxs):
    def __init__(self, session: ChainSession, address: str, from_block: int = 0) -> None:
        self.session = session.with_account(None)
        self.client = CourtClient(self.session, address)
        self.address = self.client.address
        self.from_block = from_block
        self._topics = {
            item["name"]: "0x" + event_abi_to_log_topic(item).hex()
            for item in self.client.contract.abi
            if item.get("type") == "event"
        }
        self._params: dict | None = None

    @property
    def chain_id(self) -> int:
        return self.session.chain_id

    @property
    def w3(self):
        return self.session.w3

    def params(self) -> dict:
        if self._params is None:  # fixed at deployment
            self._params = self.client.params()
        return self._params

    def now(self) -> int:
        """The chain's time (the latest block's timestamp): what every court deadline is against."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    # ------------------------------------------------------------------ cases

    def case(self, case_id: int) -> CaseView:
        """The case, or a 404 problem when the court never opened it."""
        if case_id < 1 or case_id > self.client.case_count():
            raise ApiProblem(
                404, "no-such-case", "no such case", f"the court has no case {case_id}"
            )
        return self.client.case(case_id)

    def round(self, case_id: int, round_no: int) -> RoundView:
        return self.client.round(case_id, round_no)

    def appeal_window(self, case_id: int) -> tuple[int, int, int]:
        """(start, loser's end, end) of the case's appeal period; zeros outside it."""
        return tuple(self.session.call(self.client.f.appealPeriod(case_id)))

    def appeal_cost(self, case_id: int) -> int:
        return self.client.appeal_cost(case_id)

    def juror_at(self, case_id: int, seat: int) -> str:
        return to_checksum_address(self.client.juror_at(case_id, seat))

    def vote_of(self, case_id: int, seat: int) -> tuple[bool, bool, int]:
        """(committed, revealed, choice) of a seat."""
        return self.client.vote_of(case_id, seat)

    def commit_hash_on(self, case_id: int, seat: int) -> bytes | None:
        """The commit hash the seat's VoteCommitted log carries (None: no commit)."""
        commitment = CourtLogs(self.client, self.from_block).commitment(case_id, seat)
        return None if commitment is None else commitment.commit_hash

    def participation(self, case: CaseView, address: str) -> Participation:
        """The address's part in the case. Seats come from the JurorDrawn events and are each
        confirmed with `jurorAt` (the state, not a log, grants access)."""
        me = address.lower()
        seats = sorted(
            {
                e.args["seat"]
                for e in self._logs(
                    ["JurorDrawn"], uint_topic(case.case_id), address_topic(address)
                )
            }
        )
        confirmed = tuple(s for s in seats if self.client.juror_at(case.case_id, s).lower() == me)
        return Participation(
            to_checksum_address(address),
            buyer=case.buyer.lower() == me,
            merchant=case.merchant.lower() == me,
            seats=confirmed,
        )

    def case_ids_of(self, address: str) -> list[int]:
        """Every case the address is a party of or was drawn for."""
        topic = address_topic(address)
        ids = {e.args["caseId"] for e in self._logs(["CaseOpened"], None, topic)}
        ids |= {e.args["caseId"] for e in self._logs(["CaseOpened"], None, None, topic)}
        ids |= {e.args["caseId"] for e in self._logs(["JurorDrawn"], None, topic)}
        return sorted(ids)

    def case_events(self, case_id: int, names: Iterable[str] = CASE_EVENTS) -> list[Event]:
        return self._logs(list(names), uint_topic(case_id))

    def seats_of_round(self, round_no: int) -> range:
        first, count = seats_of(round_no)
        return range(first, first + count)

    # ------------------------------------------------------------------ logs

    def _logs(self, names: list[str], *topics: str | None) -> list[Event]:
        selector = [self._topics[n] for n in names]
        query_topics: list[Any] = [selector[0] if len(selector) == 1 else selector, *topics]
        while query_topics and query_topics[-1] is None:
            query_topics.pop()

        def fetch(first: int, last: int) -> list[Any]:
            return list(
                self.w3.eth.get_logs(
                    {
                        "address": self.address,
                        "fromBlock": first,
                        "toBlock": last,
                        "topics": query_topics,
                    }
                )
            )

        last = self.w3.eth.block_number
        if last < self.from_block:
            return []
        wanted = set(names)
        return [
            e
            for e in self.session.decode_logs(fetch_in_ranges(fetch, self.from_block, last))
            if e.name in wanted
        ]
