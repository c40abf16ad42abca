"""The votes the API holds for relaying, and the relayer's side of it.

Its interface for the relayer (a later service, `arbitration/`): `pending_commits()` and
`pending_reveals()` give what is still to send, each item with the tuple the court takes
(`SignedCommit` for `commitSigned`, `Reveal` for `reveal`); after sending a batch, the relayer
calls `mark_submitted(items, tx_hash)`. Items come back in the order they were received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from api.db import Database
from api.votes.models import PendingCommit, PendingReveal


class VoteConflict(Exception):
    """The seat already has a different vote of this kind here."""


@dataclass(frozen=True)
class CommitItem:
    id: int
    case_id: int
    round: int
    seat: int
    juror: str
    commit_hash: str
    deadline: int
    signature: str
    received_at: int
    submitted_at: int | None
    tx_hash: str | None

    def as_signed_commit(self) -> tuple[int, int, bytes, int, bytes]:
        """The court's `SignedCommit` (caseId, seat, commitHash, deadline, signature)."""
        return (
            self.case_id,
            self.seat,
            bytes.fromhex(self.commit_hash[2:]),
            self.deadline,
            bytes.fromhex(self.signature[2:]),
        )


@dataclass(frozen=True)
class RevealItem:
    id: int
    case_id: int
    round: int
    seat: int
    juror: str
    choice: int
    salt: str
    received_at: int
    submitted_at: int | None
    tx_hash: str | None

    def as_reveal(self) -> tuple[int, int, int, bytes]:
        """The court's `Reveal` (caseId, seat, choice, salt)."""
        return (self.case_id, self.seat, self.choice, bytes.fromhex(self.salt[2:]))


def _commit(row: PendingCommit) -> CommitItem:
    return CommitItem(
        row.id,
        row.case_id,
        row.round,
        row.seat,
        row.juror,
        row.commit_hash,
        row.deadline,
        row.signature,
        row.received_at,
        row.submitted_at,
        row.tx_hash,
    )


def _reveal(row: PendingReveal) -> RevealItem:
    return RevealItem(
        row.id,
        row.case_id,
        row.round,
        row.seat,
        row.juror,
        row.choice,
        row.salt,
        row.received_at,
        row.submitted_at,
        row.tx_hash,
    )


class VoteStore:
    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock

    # ------------------------------------------------------------------ receiving

    def add_commit(
        self,
        *,
        case_id: int,
        round_no: int,
        seat: int,
        juror: str,
        commit_hash: str,
        deadline: int,
        signature: str,
        chain_now: int,
    ) -> tuple[CommitItem, bool]:
        """(the stored commit, True if new). The same commit again is accepted as is; another
        one for the seat is a VoteConflict, unless the stored one was never sent and its deadline
        passed (`chain_now`): then the new signature replaces it."""
        commit_hash, signature = commit_hash.lower(), signature.lower()
        for _ in range(2):  # a concurrent insert of the same seat: read it the second time
            with self.db.transaction() as tx:
                row = tx.scalar(
                    select(PendingCommit).where(
                        PendingCommit.case_id == case_id,
                        PendingCommit.round == round_no,
                        PendingCommit.seat == seat,
                    )
                )
                if row is not None:
                    same = (row.commit_hash, row.deadline, row.signature) == (
                        commit_hash,
                        deadline,
                        signature,
                    )
                    if same:
                        return _commit(row), False
                    if row.submitted_at is not None or row.deadline >= chain_now:
                        raise VoteConflict(
                            f"seat {seat} of case {case_id} already has another commit here"
                        )
                    row.commit_hash, row.deadline, row.signature = commit_hash, deadline, signature
                    row.received_at = int(self.clock())
                    tx.flush()
                    return _commit(row), True
            try:
                with self.db.transaction() as tx:
                    row = PendingCommit(
                        case_id=case_id,
                        round=round_no,
                        seat=seat,
                        juror=juror,
                        commit_hash=commit_hash,
                        deadline=deadline,
                        signature=signature,
                        received_at=int(self.clock()),
                    )
                    tx.add(row)
                    tx.flush()
                    return _commit(row), True
            except IntegrityError:
                continue
        raise VoteConflict(f"seat {seat} of case {case_id} is being written concurrently")

    def add_reveal(
        self, *, case_id: int, round_no: int, seat: int, juror: str, choice: int, salt: str
    ) -> tuple[RevealItem, bool]:
        salt = salt.lower()
        for _ in range(2):
            with self.db.transaction() as tx:
                row = tx.scalar(
                    select(PendingReveal).where(
                        PendingReveal.case_id == case_id,
                        PendingReveal.round == round_no,
                        PendingReveal.seat == seat,
                    )
                )
                if row is not None:
                    if (row.choice, row.salt) == (choice, salt):
                        return _reveal(row), False
                    raise VoteConflict(
                        f"seat {seat} of case {case_id} already has another reveal here"
                    )
            try:
                with self.db.transaction() as tx:
                    row = PendingReveal(
                        case_id=case_id,
                        round=round_no,
                        seat=seat,
                        juror=juror,
                        choice=choice,
                        salt=salt,
                        received_at=int(self.clock()),
                    )
                    tx.add(row)
                    tx.flush()
                    return _reveal(row), True
            except IntegrityError:
                continue
        raise VoteConflict(f"seat {seat} of case {case_id} is being written concurrently")

    def commit_of(self, case_id: int, round_no: int, seat: int) -> CommitItem | None:
        with self.db.transaction() as tx:
            row = tx.scalar(
                select(PendingCommit).where(
                    PendingCommit.case_id == case_id,
                    PendingCommit.round == round_no,
                    PendingCommit.seat == seat,
                )
            )
            return _commit(row) if row else None

    def votes_of(self, juror: str) -> tuple[list[CommitItem], list[RevealItem]]:
        with self.db.transaction() as tx:
            commits = tx.scalars(
                select(PendingCommit).where(PendingCommit.juror == juror).order_by(PendingCommit.id)
            )
            reveals = tx.scalars(
                select(PendingReveal).where(PendingReveal.juror == juror).order_by(PendingReveal.id)
            )
            return [_commit(r) for r in commits], [_reveal(r) for r in reveals]

    # ------------------------------------------------------------------ the relayer's side

    def pending_commits(self, *, now: int | None = None, limit: int = 100) -> list[CommitItem]:
        """Commits not yet sent, oldest first; with `now` (the chain's time), only those whose
        deadline has not passed (the court refuses `block.timestamp > deadline`)."""
        query = select(PendingCommit).where(PendingCommit.submitted_at.is_(None))
        if now is not None:
            query = query.where(PendingCommit.deadline >= now)
        with self.db.transaction() as tx:
            return [_commit(r) for r in tx.scalars(query.order_by(PendingCommit.id).limit(limit))]

    def pending_reveals(self, *, limit: int = 100) -> list[RevealItem]:
        query = select(PendingReveal).where(PendingReveal.submitted_at.is_(None))
        with self.db.transaction() as tx:
            return [_reveal(r) for r in tx.scalars(query.order_by(PendingReveal.id).limit(limit))]

    def mark_submitted(self, items: Iterable[CommitItem | RevealItem], tx_hash: str) -> int:
        """Marks these items as sent in `tx_hash`; returns how many were marked. An item that was
        replaced meanwhile (another signature for the seat) is not marked: it is still pending."""
        at = int(self.clock())
        marked = 0
        with self.db.transaction() as tx:
            for item in items:
                if isinstance(item, CommitItem):
                    query = update(PendingCommit).where(
                        PendingCommit.id == item.id,
                        PendingCommit.signature == item.signature,
                        PendingCommit.submitted_at.is_(None),
                    )
                else:
                    query = update(PendingReveal).where(
                        PendingReveal.id == item.id, PendingReveal.submitted_at.is_(None)
                    )
                marked += tx.execute(query.values(submitted_at=at, tx_hash=tx_hash)).rowcount
        return marked
