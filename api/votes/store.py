"""The votes the API holds for relaying, and the relayer's side of it.

A vote is *pending* until the relayer takes it out of the queue, then *submitted* (it landed, or
the chain already held it) or *refused* (the court refused it, or it can never land: the reason
is kept). Both are final for the relayer; a juror may replace a refused vote by posting another.

Its interface for the relayer (arbitration/relay_queue.py): `pending_commits()` and
`pending_reveals()` give what is still to send, a page at a time in the order received (by id:
pass the last item's id as `after` for the next page, so a walk from 0 sees every pending item
however long the queue), each item with the tuple the court takes (`SignedCommit` for
`commitSigned`, `Reveal` for `reveal`); after sending a batch, the relayer calls
`mark_submitted(items, tx_hash)` and `mark_refused([(item, reason)], tx_hash)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from api.db import Database
from api.votes.models import REASON_LENGTH, PendingCommit, PendingReveal

VoteStatus = Literal["pending", "submitted", "refused"]
_Row = TypeVar("_Row", PendingCommit, PendingReveal)
_Item = TypeVar("_Item", "CommitItem", "RevealItem")


class VoteConflict(Exception):
    """The seat already has a different vote of this kind here."""


class _Held:
    """What commits and reveals share: where they stand in the queue."""

    kind: str
    submitted_at: int | None
    reason: str | None

    @property
    def status(self) -> VoteStatus:
        if self.reason is not None:
            return "refused"
        return "pending" if self.submitted_at is None else "submitted"


@dataclass(frozen=True)
class CommitItem(_Held):
    id: int
    case_id: int
    round: int
    seat: int
    juror: str
    commit_hash: str
    deadline: int
    signature: str
    received_at: int
    submitted_at: int | None  # when it left the queue (submitted or refused)
    tx_hash: str | None  # the batch that carried it; None: not sent (already on chain, or dropped)
    reason: str | None  # why the court refused it; None unless refused
    kind = "commit"

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
class RevealItem(_Held):
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
    reason: str | None
    kind = "reveal"

    def as_reveal(self, proof: Sequence[bytes] = ()) -> tuple:
        """The court's `Reveal` (caseId, seat, juror, choice, salt, proof); `proof` places the
        seat's commit under its root (arbitration/court_logs.py finds it)."""
        return (self.case_id, self.seat, self.juror, self.choice, bytes.fromhex(self.salt[2:]),
                list(proof))  # fmt: skip


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
        row.refused_reason,
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
        row.refused_reason,
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
        one for the seat is a VoteConflict, unless the stored one can no longer land (never sent
        and its deadline passed at `chain_now`, or refused): then the new one replaces it."""
        return self._put_seat(
            PendingCommit,
            _commit,
            case_id=case_id,
            round_no=round_no,
            seat=seat,
            juror=juror,
            vote={
                "commit_hash": commit_hash.lower(),
                "deadline": deadline,
                "signature": signature.lower(),
            },
            replaceable=lambda row: (
                (row.submitted_at is None and row.deadline < chain_now)
                or row.refused_reason is not None
            ),
            conflict=f"seat {seat} of case {case_id} already has another commit here",
        )

    def add_reveal(
        self, *, case_id: int, round_no: int, seat: int, juror: str, choice: int, salt: str
    ) -> tuple[RevealItem, bool]:
        """(the stored reveal, True if new). The same reveal again is accepted as is; another one
        for the seat is a VoteConflict, unless the stored one was refused: then it is replaced."""
        return self._put_seat(
            PendingReveal,
            _reveal,
            case_id=case_id,
            round_no=round_no,
            seat=seat,
            juror=juror,
            vote={"choice": choice, "salt": salt.lower()},
            replaceable=lambda row: row.refused_reason is not None,
            conflict=f"seat {seat} of case {case_id} already has another reveal here",
        )

    def _put_seat(
        self,
        model: type[_Row],
        item: Callable[[_Row], _Item],
        *,
        case_id: int,
        round_no: int,
        seat: int,
        juror: str,
        vote: dict[str, object],
        replaceable: Callable[[_Row], bool],
        conflict: str,
    ) -> tuple[_Item, bool]:
        """(the stored item, True if new) for the seat's vote with these `vote` columns. The same
        values again leave the stored row as is; a stored row that is `replaceable` takes them
        and is pending again; any other stored row is VoteConflict(`conflict`).

        Two steps, each its own transaction: look the seat up, and insert only if it is empty.
        An insert of the same seat by a concurrent request in between makes ours lose on the
        unique key (case, round, seat); we then go round once more and treat the winner's row
        as the stored one."""
        for _ in range(2):
            with self.db.transaction() as tx:
                row = tx.scalar(
                    select(model).where(
                        model.case_id == case_id, model.round == round_no, model.seat == seat
                    )
                )
                if row is not None:
                    if all(getattr(row, name) == value for name, value in vote.items()):
                        return item(row), False
                    if not replaceable(row):
                        raise VoteConflict(conflict)
                    for name, value in vote.items():
                        setattr(row, name, value)
                    _requeue(row, int(self.clock()))
                    tx.flush()
                    return item(row), True
            try:
                with self.db.transaction() as tx:
                    row = model(
                        case_id=case_id,
                        round=round_no,
                        seat=seat,
                        juror=juror,
                        **vote,
                        received_at=int(self.clock()),
                    )
                    tx.add(row)
                    tx.flush()
                    return item(row), True
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

    def refused(self, case_id: int | None = None) -> list[CommitItem | RevealItem]:
        """The refused votes (of one case), in the order they were refused."""
        found: list[CommitItem | RevealItem] = []
        with self.db.transaction() as tx:
            for model, item in ((PendingCommit, _commit), (PendingReveal, _reveal)):
                query = select(model).where(model.refused_reason.is_not(None))
                if case_id is not None:
                    query = query.where(model.case_id == case_id)
                found.extend(item(r) for r in tx.scalars(query))
        return sorted(found, key=lambda i: (i.submitted_at or 0, i.kind, i.id))

    # ------------------------------------------------------------------ the relayer's side

    def pending_commits(
        self, *, now: int | None = None, limit: int = 100, after: int = 0
    ) -> list[CommitItem]:
        """Up to `limit` commits not yet sent, oldest first, with ids above `after`; with `now`
        (the chain's time), only those whose deadline has not passed (the court refuses
        `block.timestamp > deadline`)."""
        query = select(PendingCommit).where(
            PendingCommit.submitted_at.is_(None), PendingCommit.id > after
        )
        if now is not None:
            query = query.where(PendingCommit.deadline >= now)
        with self.db.transaction() as tx:
            return [_commit(r) for r in tx.scalars(query.order_by(PendingCommit.id).limit(limit))]

    def pending_reveals(self, *, limit: int = 100, after: int = 0) -> list[RevealItem]:
        """Up to `limit` reveals not yet sent, oldest first, with ids above `after`."""
        query = select(PendingReveal).where(
            PendingReveal.submitted_at.is_(None), PendingReveal.id > after
        )
        with self.db.transaction() as tx:
            return [_reveal(r) for r in tx.scalars(query.order_by(PendingReveal.id).limit(limit))]

    def mark_submitted(self, items: Iterable[CommitItem | RevealItem], tx_hash: str | None) -> int:
        """Marks these items as sent in `tx_hash` (None: nothing was sent, the chain already
        holds them); returns how many were marked."""
        return self._take([(item, None) for item in items], tx_hash)

    def mark_refused(
        self, refused: Sequence[tuple[CommitItem | RevealItem, str]], tx_hash: str | None
    ) -> int:
        """Marks these items refused, each with the court's reason, in `tx_hash` (None: never
        sent, it could not land); returns how many were marked."""
        return self._take([(item, reason or "refused") for item, reason in refused], tx_hash)

    def _take(
        self, items: Sequence[tuple[CommitItem | RevealItem, str | None]], tx_hash: str | None
    ) -> int:
        """Takes pending items out of the queue. An item that was replaced meanwhile (another
        signature for the seat) or already taken is not marked: its replacement stays pending."""
        at = int(self.clock())
        marked = 0
        with self.db.transaction() as tx:
            for item, reason in items:
                if isinstance(item, CommitItem):
                    query = update(PendingCommit).where(
                        PendingCommit.id == item.id,
                        PendingCommit.signature == item.signature,
                        PendingCommit.submitted_at.is_(None),
                    )
                else:
                    query = update(PendingReveal).where(
                        PendingReveal.id == item.id,
                        PendingReveal.choice == item.choice,
                        PendingReveal.salt == item.salt,
                        PendingReveal.submitted_at.is_(None),
                    )
                values = {"submitted_at": at, "tx_hash": tx_hash, "refused_reason": None}
                if reason is not None:
                    values["refused_reason"] = reason[:REASON_LENGTH]
                marked += tx.execute(query.values(**values)).rowcount
        return marked


def _requeue(row: PendingCommit | PendingReveal, received_at: int) -> None:
    """A replaced vote is pending again, as if just received."""
    row.received_at = received_at
    row.submitted_at = row.tx_hash = row.refused_reason = None
