"""Helpers for the tests of remembered answers (api/answer_cache.py): waiting until the API has
seen the index move (a poll interval, or a NOTIFY, later), and counting the statements an
engine runs meanwhile."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine, event

T = TypeVar("T")
SEEN_WITHIN_S = 10.0  # a poll interval is 0.25 s; generous for loaded CI machines


def once(get: Callable[[], T], seen: Callable[[T], bool], timeout: float = SEEN_WITHIN_S) -> T:
    """`get()`'s answer once `seen` holds of it; the last answer after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = get()
        if seen(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


@dataclass
class Statements:
    texts: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.texts)

    @property
    def listing_reads(self) -> int:
        return sum("FROM listings" in t for t in self.texts)

    @property
    def head_reads(self) -> int:
        return sum("index_cursor" in t for t in self.texts)

    def reads_of(self, table: str) -> int:
        return sum(f"FROM {table}" in t for t in self.texts)


@contextmanager
def count_statements(engine: Engine) -> Iterator[Statements]:
    """Every statement `engine` runs inside the block (the API's threads included)."""
    seen = Statements()

    def _record(_conn, _cursor, statement, *_args) -> None:
        seen.texts.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _record)
