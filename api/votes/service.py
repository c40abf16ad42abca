"""Receiving a juror's vote for relaying: every check the court would make, made now, so what
the relayer sends lands. A commit is taken in the evidence period (once the juror is drawn) or
the commit period; a reveal only in the reveal period, so the API never holds a choice while
votes are still hidden."""

from __future__ import annotations

from api.court import CourtReader
from api.problems import ApiProblem
from api.votes.checks import commit_signer, valid_commit_hash
from api.votes.schemas import CommitIn, RevealIn
from api.votes.store import CommitItem, RevealItem, VoteConflict, VoteStore
from arbitration.court_client import CaseView, Period
from arbitration.votes import commit_hash


class VoteDesk:
    def __init__(self, court: CourtReader, store: VoteStore, commit_margin: int) -> None:
        self.court = court
        self.store = store
        self.commit_margin = commit_margin

    def _seated(self, case: CaseView, seat: int, juror: str) -> None:
        if seat not in self.court.seats_of_round(case.round):
            raise ApiProblem(
                403,
                "not-your-seat",
                "not your seat",
                f"seat {seat} is not a seat of round {case.round} of case {case.case_id}",
            )
        if self.court.juror_at(case.case_id, seat).lower() != juror.lower():
            raise ApiProblem(
                403,
                "not-your-seat",
                "not your seat",
                f"{juror} does not sit on seat {seat} of case {case.case_id}",
            )

    def receive_commit(self, juror: str, body: CommitIn) -> tuple[CommitItem, bool]:
        case = self.court.case(body.case_id)
        if case.period not in (Period.EVIDENCE, Period.COMMIT):
            raise ApiProblem(
                409,
                "wrong-period",
                "commits are closed",
                f"case {case.case_id} is in its {case.period.name.lower()} period",
            )
        self._seated(case, body.seat, juror)
        now = self.court.now()
        if body.deadline < now + self.commit_margin:
            raise ApiProblem(
                422,
                "signature-expired",
                "deadline too close",
                f"the deadline {body.deadline} must be at least {self.commit_margin} s after "
                f"the chain's time {now}",
                chain_time=now,
            )
        commit = bytes.fromhex(body.commit_hash[2:])
        if not valid_commit_hash(commit):
            raise ApiProblem(
                422,
                "invalid-commit",
                "not a commit",
                "the court never stores that value as a commit",
            )
        signer = commit_signer(
            chain_id=self.court.chain_id,
            court=self.court.address,
            case_id=case.case_id,
            round_no=case.round,
            seat=body.seat,
            commit=commit,
            deadline=body.deadline,
            signature=bytes.fromhex(body.signature[2:]),
        )
        if signer is None or signer.lower() != juror.lower():
            raise ApiProblem(
                422,
                "bad-signature",
                "bad signature",
                f"the signature is not the seat's juror's ({juror}) EIP-712 Commit for "
                f"case {case.case_id}, round {case.round}, seat {body.seat}",
            )
        committed, _, _ = self.court.vote_of(case.case_id, body.seat)
        if committed:
            raise ApiProblem(
                409,
                "already-committed",
                "already committed",
                f"seat {body.seat} has committed on chain",
            )
        try:
            return self.store.add_commit(
                case_id=case.case_id,
                round_no=case.round,
                seat=body.seat,
                juror=juror,
                commit_hash=body.commit_hash,
                deadline=body.deadline,
                signature=body.signature,
                chain_now=now,
            )
        except VoteConflict as exc:
            raise ApiProblem(409, "another-commit", "another commit is pending", str(exc)) from None

    def receive_reveal(self, juror: str, body: RevealIn) -> tuple[RevealItem, bool]:
        case = self.court.case(body.case_id)
        if case.period != Period.REVEAL:
            raise ApiProblem(
                409,
                "wrong-period",
                "not the reveal period",
                f"case {case.case_id} is in its {case.period.name.lower()} period: "
                "send reveals in the reveal period only",
            )
        self._seated(case, body.seat, juror)
        committed, revealed, _ = self.court.vote_of(case.case_id, body.seat)
        if revealed:
            raise ApiProblem(
                409, "already-revealed", "already revealed", f"seat {body.seat} has revealed"
            )
        if not committed:
            raise ApiProblem(
                409, "not-committed", "nothing to reveal", f"seat {body.seat} never committed"
            )
        salt = bytes.fromhex(body.salt[2:])
        expected = commit_hash(
            self.court.chain_id,
            self.court.address,
            case.case_id,
            case.round,
            juror,
            body.choice,
            salt,
        )
        if expected != self.court.commit_hash_on(case.case_id, body.seat):
            raise ApiProblem(
                422,
                "reveal-mismatch",
                "does not match the commit",
                f"choice and salt do not reproduce seat {body.seat}'s commit",
            )
        try:
            return self.store.add_reveal(
                case_id=case.case_id,
                round_no=case.round,
                seat=body.seat,
                juror=juror,
                choice=body.choice,
                salt=body.salt,
            )
        except VoteConflict as exc:
            raise ApiProblem(409, "another-reveal", "another reveal is pending", str(exc)) from None
