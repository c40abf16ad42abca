"""The API's vote store (`api.votes.store.VoteStore`, same database) as the relayer's queue, plus
what that store cannot hold yet: why a vote was refused.

The store knows two states, pending and submitted. A vote the court refused (or that can never
land) leaves the queue as *submitted* — the court's answer is final, sending it again would fail
again — with the transaction that carried it, if any; the reason is written beside it, in this
module's own table `relayer_refusals` of the same database. (Once the store has a refused state
of its own, `mark_refused` becomes one call to it and this table goes.)

The store is taken as it is (duck-typed: `pending_commits`, `pending_reveals`, `mark_submitted`
and its `db.engine`), so this package imports nothing from the API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert, select

_metadata = MetaData()
refusals = Table(
    "relayer_refusals",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(6), nullable=False),  # commit | reveal
    Column("item_id", BigInteger, nullable=False),  # the store's row id
    Column("case_id", BigInteger, nullable=False),
    Column("round", Integer, nullable=False),
    Column("seat", Integer, nullable=False),
    Column("juror", String(42), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("tx_hash", String(66), nullable=True),  # the batch that carried it; None: never sent
    Column("refused_at", BigInteger, nullable=False),
)


@dataclass(frozen=True)
class Refusal:
    kind: str
    item_id: int
    case_id: int
    round: int
    seat: int
    juror: str
    reason: str
    tx_hash: str | None
    refused_at: int


class StoreQueue:
    def __init__(self, store: Any, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.engine = store.db.engine
        self.clock = clock
        _metadata.create_all(self.engine)

    def pending_commits(self, *, now: int | None = None, limit: int = 100) -> list[Any]:
        return self.store.pending_commits(now=now, limit=limit)

    def pending_reveals(self, *, limit: int = 100) -> list[Any]:
        return self.store.pending_reveals(limit=limit)

    def mark_submitted(self, items: Iterable[Any], tx_hash: str | None) -> int:
        return self.store.mark_submitted(list(items), tx_hash)

    def mark_refused(self, refused: Sequence[tuple[Any, str]], tx_hash: str | None) -> int:
        """Takes the items out of the queue and records why the court refused each."""
        if not refused:
            return 0
        marked = self.store.mark_submitted([item for item, _ in refused], tx_hash)
        at = int(self.clock())
        rows = [
            {
                "kind": "reveal" if hasattr(item, "choice") else "commit",
                "item_id": item.id,
                "case_id": item.case_id,
                "round": item.round,
                "seat": item.seat,
                "juror": item.juror,
                "reason": reason[:500],
                "tx_hash": tx_hash,
                "refused_at": at,
            }
            for item, reason in refused
        ]
        with self.engine.begin() as conn:
            conn.execute(insert(refusals), rows)
        return marked

    def refusals(self, case_id: int | None = None) -> list[Refusal]:
        query = select(refusals).order_by(refusals.c.id)
        if case_id is not None:
            query = query.where(refusals.c.case_id == case_id)
        with self.engine.connect() as conn:
            return [Refusal(**{k: v for k, v in row._mapping.items() if k != "id"})
                    for row in conn.execute(query)]  # fmt: skip
