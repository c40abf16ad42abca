"""The API's vote store (`api.votes.store.VoteStore`, same database) as the relayer's queue.

A vote the court refused (or that can never land) leaves the queue in the store's *refused*
state, with the court's reason and the transaction that carried it, if any: the court's answer
is final, sending it again would fail again. The juror sees it in `GET /votes/mine`.

The store is taken as it is (duck-typed: `pending_commits`, `pending_reveals`, `mark_submitted`,
`mark_refused`, `refused`), so this package imports nothing from the API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class StoreQueue:
    def __init__(self, store: Any) -> None:
        self.store = store

    def pending_commits(
        self, *, now: int | None = None, limit: int = 100, after: int = 0
    ) -> list[Any]:
        return self.store.pending_commits(now=now, limit=limit, after=after)

    def pending_reveals(self, *, limit: int = 100, after: int = 0) -> list[Any]:
        return self.store.pending_reveals(limit=limit, after=after)

    def mark_submitted(self, items: Iterable[Any], tx_hash: str | None) -> int:
        return self.store.mark_submitted(list(items), tx_hash)

    def mark_refused(self, refused: Sequence[tuple[Any, str]], tx_hash: str | None) -> int:
        """Takes the items out of the queue, each with why the court refused it."""
        return self.store.mark_refused(list(refused), tx_hash)

    def refusals(self, case_id: int | None = None) -> list[Any]:
        """The store's refused votes, for `fairkey relayer refusals` (each has `kind`, `case_id`,
        `round`, `seat`, `juror`, `reason`, `tx_hash`)."""
        return self.store.refused(case_id)
