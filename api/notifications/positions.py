"""Where a stream stands, as its events' ids say it: `<block>-<log>-<reorgs>`.

(block, log index) is the chain's own total order of logs, shared by the escrow's and the courts'
events, so one cursor covers every feed: a stream sends the events after its position in that
order, and an event's id is its position. `*` for the log means "the whole block" (the id of the
`ready` event: the index head when the stream opened). `reorgs` is the index's reorg counter
(index_cursor.reorgs) when the id was given: a reorg can replace events at or below a position
already sent, so a stream that learns of a reorg it has not seen goes back to the reorg's common
ancestor and sends what follows again, announced by a `reorg` event (the client drops what it
showed above the ancestor). Pure: no database, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.config import DEFAULT_FINALITY_DEPTH

WHOLE_BLOCK = 2**31 - 1  # above any log index
_ID = re.compile(r"^(\d{1,18})-(\d{1,10}|\*)-(\d{1,9})$")


class BadEventId(ValueError):
    """Not an id this API gave (`<block>-<log>-<reorgs>`)."""


@dataclass(frozen=True)
class Position:
    block: int
    log: int
    reorgs: int = 0  # the index's reorg count this position was taken under

    @property
    def key(self) -> tuple[int, int]:
        return (self.block, self.log)

    @property
    def event_id(self) -> str:
        log = "*" if self.log == WHOLE_BLOCK else str(self.log)
        return f"{self.block}-{log}-{self.reorgs}"

    @classmethod
    def parse(cls, value: str) -> Position:
        match = _ID.match(value.strip())
        if match is None:
            raise BadEventId(f"{value[:80]!r} is not an event id (<block>-<log>-<reorgs>)")
        block, log, reorgs = match.groups()
        return cls(int(block), WHOLE_BLOCK if log == "*" else int(log), int(reorgs))

    @classmethod
    def through(cls, block: int, reorgs: int) -> Position:
        """Everything up to and including `block`."""
        return cls(block, WHOLE_BLOCK, reorgs)


@dataclass(frozen=True)
class Head:
    """Where the index stands (indexer.queries.index_head)."""

    block: int
    reorgs: int
    ancestor: int | None  # the last reorg's common ancestor


def after_reorgs(position: Position, head: Head) -> Position | None:
    """Where a stream at `position` must go on from, given the index's `head`: None when no reorg
    happened since the position was taken (or none that reached it), else a position at or
    before the last reorg's ancestor, under the head's reorg count. One unseen reorg: its
    ancestor. Several (a client resuming after a long absence): the index keeps only the last
    one's ancestor, so the stream goes a further finality depth back (deeper reorgs halt the
    indexer), and resends what it finds there."""
    if head.reorgs == position.reorgs:
        return None
    ancestor = position.block if head.ancestor is None else min(position.block, head.ancestor)
    if head.reorgs - position.reorgs > 1 or head.reorgs < position.reorgs:
        ancestor = max(-1, ancestor - DEFAULT_FINALITY_DEPTH)
    if ancestor >= position.block:
        return Position(position.block, position.log, head.reorgs)  # the reorg was above it
    return Position.through(ancestor, head.reorgs)
