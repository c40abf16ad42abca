"""A client for every Court function (contracts/arbitration/Court.sol): typed arguments in,
decoded results out, over the same ChainSession as the escrow client."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from web3 import Web3

from arbitration.votes import commit_hash, derive_salt, sign_commit, sign_evidence
from fairkey.chain.errors import ContractRevert
from fairkey.chain.session import ChainSession, TxResult


class Period(enum.IntEnum):
    EVIDENCE = 0
    COMMIT = 1
    REVEAL = 2
    APPEAL = 3
    EXECUTED = 4


class Choice(enum.IntEnum):
    REFUSE = 0  # the court refuses to rule: the escrow splits the price
    REFUND_BUYER = 1
    PAY_MERCHANT = 2


@dataclass(frozen=True)
class CaseView:
    case_id: int
    arbitrable: str
    period: Period
    round: int
    ruling: Choice
    period_start: int
    buyer: str
    merchant: str
    commit_bits: int = 0  # the current round's commits while it commits (bit i: its seat i)

    @property
    def commits_now(self) -> int:
        return self.commit_bits.bit_count()


@dataclass(frozen=True)
class RoundView:
    ticket: int
    seats: int
    drawn: int
    attempts: int
    committed: int
    revealed: int
    settled: int
    votes: tuple[int, int, int]  # refuse, refund buyer, pay merchant
    aborted: bool
    commit_bits: int  # bit i: the round's seat i committed (filed when its commit period ends)
    reveal_bits: int  # 2 bits per seat: 0 = not revealed, else 1 + the choice
    fee_payer: str
    fee: int
    defender: str
    defender_deposit: int


def seats_of(round_no: int) -> tuple[int, int]:
    """(first seat, seats) of a round: 3, 7, 15, 31 jurors, numbered across the case."""
    return (1 << (round_no + 2)) - 4 - round_no, (1 << (round_no + 2)) - 1


class CourtClient:
    def __init__(self, session: ChainSession, address: str) -> None:
        self.session = session
        self.address = Web3.to_checksum_address(address)
        self.contract = session.contract("Court", self.address)

    @property
    def f(self):
        return self.contract.functions

    def as_account(self, account) -> CourtClient:
        return CourtClient(self.session.with_account(account), self.address)

    @property
    def me(self) -> str:
        return self.session.account.address

    # ------------------------------------------------------------------ stake and money

    def params(self) -> dict:
        names = ("stake_token", "min_stake", "lock_per_seat", "fee_per_juror", "stake_quantum",
                 "evidence_period", "commit_period", "reveal_period", "appeal_period",
                 "max_rounds")  # fmt: skip
        return dict(zip(names, self.session.call(self.f.params()), strict=True))

    def set_stake(self, target: int) -> TxResult:
        """Sets the signer's stake (ETH courts: pays the difference as msg.value)."""
        params = self.params()
        current = self.stake_of(self.me)["staked"]
        top_up = max(target - current, 0)
        if int(params["stake_token"], 16) == 0:
            return self.session.send(self.f.setStake(target), top_up)
        if top_up:
            token = self.session.contract("TestToken", params["stake_token"])
            if token.functions.allowance(self.me, self.address).call() != top_up:
                self.session.send(token.functions.approve(self.address, top_up))
        return self.session.send(self.f.setStake(target))

    def apply_stake(self, juror: str) -> TxResult:
        return self.session.send(self.f.applyStake(juror))

    def stake_of(self, juror: str) -> dict:
        staked, locked, open_seats = self.session.call(self.f.stakeOf(juror))
        return {"staked": staked, "locked": locked, "open_seats": open_seats}

    def weight_of(self, juror: str) -> tuple[int, int]:
        return tuple(self.session.call(self.f.weightOf(juror)))

    def credit_of(self, token: str, account: str) -> int:
        return self.session.call(self.f.creditOf(token, account))

    def withdraw(self, token: str) -> TxResult:
        return self.session.send(self.f.withdraw(token))

    # ------------------------------------------------------------------ cases

    def case(self, case_id: int) -> CaseView:
        a, period, round_no, ruling, start, commits, buyer, merchant, _ = self.session.call(
            self.f.caseData(case_id)
        )
        return CaseView(
            case_id, a, Period(period), round_no, Choice(ruling), start, buyer, merchant, commits
        )

    def round(self, case_id: int, round_no: int) -> RoundView:
        r = self.session.call(self.f.roundOf(case_id, round_no))
        return RoundView(*r[:7], tuple(r[7:10]), *r[10:])

    def case_count(self) -> int:
        return self.session.call(self.f.caseCount())

    def juror_at(self, case_id: int, seat: int) -> str:
        return self.session.call(self.f.jurorAt(case_id, seat))

    def panel(self, case_id: int, round_no: int) -> list[str]:
        first, _ = seats_of(round_no)
        drawn = self.round(case_id, round_no).drawn
        return [self.juror_at(case_id, first + i) for i in range(drawn)]

    def my_seat(self, case_id: int, round_no: int, juror: str | None = None) -> int | None:
        juror = (juror or self.me).lower()
        first, _ = seats_of(round_no)
        for i, address in enumerate(self.panel(case_id, round_no)):
            if address.lower() == juror:
                return first + i
        return None

    def draw(self, case_id: int, iterations: int = 64) -> TxResult:
        return self.session.send(self.f.draw(case_id, iterations))

    def pass_period(self, case_id: int) -> TxResult:
        return self.session.send(self.f.passPeriod(case_id))

    def appeal_cost(self, case_id: int) -> int:
        return self.session.call(self.f.appealCost(case_id, b""))

    def appeal(self, case_id: int) -> TxResult:
        return self.session.send(self.f.appeal(case_id, b""), self.appeal_cost(case_id))

    def settle(self, case_id: int, round_no: int, count: int = 64) -> TxResult:
        return self.session.send(self.f.settle(case_id, round_no, count))

    def submit_evidence(self, case_id: int, uri: str, content_hash: bytes) -> TxResult:
        return self.session.send(self.f.submitEvidence(case_id, uri, content_hash))

    def signed_evidence(self, case_id: int, uri: str, content_hash: bytes, deadline: int) -> tuple:
        """The signer's evidence, signed for a relayer: submitEvidenceSigned's arguments."""
        signature = sign_evidence(
            self.session.account.key,
            chain_id=self.session.chain_id,
            court=self.address,
            case_id=case_id,
            party=self.me,
            uri=uri,
            content_hash=content_hash,
            deadline=deadline,
        )
        return (case_id, self.me, uri, content_hash, deadline, signature)

    def relay_evidence(self, signed: tuple) -> TxResult:
        return self.session.send(self.f.submitEvidenceSigned(*signed))

    # ------------------------------------------------------------------ votes

    def salt(self, case_id: int, round_no: int) -> bytes:
        return derive_salt(
            self.session.account.key, self.session.chain_id, self.address, case_id, round_no
        )

    def commit_hash(self, case_id: int, round_no: int, choice: int, juror: str | None = None,
                    salt: bytes | None = None) -> bytes:  # fmt: skip
        salt = self.salt(case_id, round_no) if salt is None else salt
        return commit_hash(self.session.chain_id, self.address, case_id, round_no, juror or self.me,
                           int(choice), salt)  # fmt: skip

    def commit(self, case_id: int, seat: int, choice: int) -> TxResult:
        round_no = self.case(case_id).round
        return self.session.send(
            self.f.commit(case_id, seat, self.commit_hash(case_id, round_no, choice))
        )

    def signed_commit(self, case_id: int, seat: int, choice: int, deadline: int) -> tuple:
        """A commit signed for relaying: (caseId, seat, commitHash, deadline, signature)."""
        round_no = self.case(case_id).round
        digest_hash = self.commit_hash(case_id, round_no, choice)
        signature = sign_commit(
            self.session.account.key,
            chain_id=self.session.chain_id,
            court=self.address,
            case_id=case_id,
            round_no=round_no,
            seat=seat,
            commit=digest_hash,
            deadline=deadline,
        )
        return (case_id, seat, digest_hash, deadline, signature)

    def relay_commits(self, commits: list[tuple]) -> TxResult:
        return self.session.send(self.f.commitSigned(list(commits)))

    def reveal_item(self, case_id: int, seat: int, choice: int, proof: list[bytes] = ()) -> tuple:
        """The signer's reveal of `seat`: `proof` places its commit under its root
        (CourtLogs.commitment); empty for the signer's own commit, a root of one leaf."""
        round_no = self.case(case_id).round
        return (case_id, seat, self.me, int(choice), self.salt(case_id, round_no), list(proof))

    def reveal(self, items: list[tuple]) -> TxResult:
        return self.session.send(self.f.reveal(list(items)))

    def refusals(self, result: TxResult) -> dict[tuple[int, int], ContractRevert]:
        return {
            (e.args["caseId"], e.args["seat"]): self.session.errors.decode(e.args["reason"])
            for e in result.events
            if e.name == "VoteRefused"
        }

    def vote_of(self, case_id: int, seat: int) -> tuple[bool, bool, int]:
        """(committed, revealed, choice) of a seat; the commit hash is in its VoteCommitted log."""
        return tuple(self.session.call(self.f.voteOf(case_id, seat)))

    def is_commit_root(self, root: bytes) -> bool:
        return self.session.call(self.f.isCommitRoot(root))
