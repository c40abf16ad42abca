"""Writes and reads of the core tables, inside the caller's transaction (the ingester decides
where a transaction begins and ends: one per chunk, cursor included)."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from indexer.fetch import Header
from indexer.models import Block, IndexCursor, RawLog

LOGS = RawLog.__table__
BLOCKS = Block.__table__
CURSORS = IndexCursor.__table__

# The columns touched_by() reads from a removed row.
_TOUCH_COLUMNS = (
    LOGS.c.address,
    LOGS.c.name,
    LOGS.c.order_id,
    LOGS.c.listing_id,
    LOGS.c.case_id,
    LOGS.c.juror,
    LOGS.c.args,
    LOGS.c.block_number,
    LOGS.c.log_index,
)


@dataclass(frozen=True)
class Cursor:
    chain_id: int
    address: str
    start_block: int
    number: int  # last indexed block; start_block - 1 before the first chunk
    hash: str | None
    time: int | None
    finalized: int  # highest indexed block taken as final: a reorg below it is refused
    reorgs: int = 0
    last_reorg_ancestor: int | None = None
    last_reorg_depth: int | None = None
    last_reorg_at: int | None = None
    halted: str | None = None
    updated_at: int | None = None

    def moved(self, header: Header, finalized: int) -> Cursor:
        return replace(
            self,
            number=header.number,
            hash=header.hash,
            time=header.timestamp,
            finalized=max(self.finalized, min(finalized, header.number)),
            updated_at=int(time.time()),
        )

    def rolled_back(self, ancestor: Header, depth: int) -> Cursor:
        return replace(
            self,
            number=ancestor.number,
            hash=ancestor.hash,
            time=ancestor.timestamp,
            reorgs=self.reorgs + 1,
            last_reorg_ancestor=ancestor.number,
            last_reorg_depth=depth,
            last_reorg_at=int(time.time()),
        )


_CURSOR_FIELDS = {
    "number": "block_number",
    "hash": "block_hash",
    "time": "block_time",
    "finalized": "finalized_block",
}


def load_cursor(conn: Connection, chain_id: int, address: str) -> Cursor | None:
    row = (
        conn.execute(
            select(CURSORS).where(CURSORS.c.chain_id == chain_id, CURSORS.c.address == address)
        )
        .mappings()
        .first()
    )
    return _cursor_of(row) if row else None


def any_cursor(conn: Connection, address: str) -> Cursor | None:
    """The cursor of `address` on whichever chain (status without a node)."""
    row = conn.execute(select(CURSORS).where(CURSORS.c.address == address)).mappings().first()
    return _cursor_of(row) if row else None


def _cursor_of(row: Any) -> Cursor:
    values = {f: row[_CURSOR_FIELDS.get(f, f)] for f in Cursor.__dataclass_fields__}
    return Cursor(**values)


def save_cursor(conn: Connection, cursor: Cursor, *, new: bool = False) -> None:
    values = {_CURSOR_FIELDS.get(f, f): getattr(cursor, f) for f in Cursor.__dataclass_fields__}
    if new:
        conn.execute(insert(CURSORS).values(**values))
        return
    conn.execute(
        update(CURSORS)
        .where(CURSORS.c.chain_id == cursor.chain_id, CURSORS.c.address == cursor.address)
        .values(**values)
    )


def insert_logs(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Adds rows; one already stored (same chain, block hash, log index) is left as it is."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(LOGS).on_conflict_do_nothing(constraint="uq_raw_logs_block_log")
    elif conn.dialect.name == "sqlite":
        stmt = sqlite.insert(LOGS).on_conflict_do_nothing(
            index_elements=["chain_id", "block_hash", "log_index"]
        )
    else:  # pragma: no cover - the two supported databases are above
        raise NotImplementedError(f"database {conn.dialect.name!r} is not supported")
    conn.execute(stmt, list(rows))


def remove_logs_above(
    conn: Connection, chain_id: int, addresses: Collection[str], number: int
) -> list[dict[str, Any]]:
    """Deletes the rows of `addresses` in blocks above `number`; returns what touched_by needs
    of them."""
    return _remove(conn, chain_id, addresses, LOGS.c.block_number > number)


def remove_logs_of(
    conn: Connection, chain_id: int, addresses: Collection[str]
) -> list[dict[str, Any]]:
    """Deletes every row of `addresses` (courts the canonical escrow no longer names)."""
    return _remove(conn, chain_id, addresses)


def _remove(
    conn: Connection, chain_id: int, addresses: Collection[str], *conditions: Any
) -> list[dict[str, Any]]:
    if not addresses:
        return []
    where = (LOGS.c.chain_id == chain_id, LOGS.c.address.in_(sorted(addresses)), *conditions)
    removed = [dict(r) for r in conn.execute(select(*_TOUCH_COLUMNS).where(*where)).mappings()]
    if removed:
        conn.execute(delete(LOGS).where(*where))
    return removed


def save_blocks(conn: Connection, chain_id: int, headers: Iterable[Header]) -> None:
    """Stores block hashes (replacing a stored one at the same height)."""
    rows = [
        {
            "chain_id": chain_id,
            "number": h.number,
            "hash": h.hash,
            "parent_hash": h.parent_hash,
            "timestamp": h.timestamp,
        }
        for h in headers
    ]
    if not rows:
        return
    numbers = [r["number"] for r in rows]
    conn.execute(delete(BLOCKS).where(BLOCKS.c.chain_id == chain_id, BLOCKS.c.number.in_(numbers)))
    conn.execute(insert(BLOCKS), rows)


def forget_blocks(
    conn: Connection, chain_id: int, *, above: int | None = None, below: int | None = None
) -> None:
    """Drops stored hashes above a reorg's ancestor, or below the finalized block."""
    stmt = delete(BLOCKS).where(BLOCKS.c.chain_id == chain_id)
    if above is not None:
        stmt = stmt.where(BLOCKS.c.number > above)
    if below is not None:
        stmt = stmt.where(BLOCKS.c.number < below)
    conn.execute(stmt)


def stored_blocks(conn: Connection, chain_id: int, at_most: int) -> list[Header]:
    """Stored hashes at or below `at_most`, highest first."""
    rows = conn.execute(
        select(BLOCKS)
        .where(BLOCKS.c.chain_id == chain_id, BLOCKS.c.number <= at_most)
        .order_by(BLOCKS.c.number.desc())
    ).mappings()
    return [Header(r["number"], r["hash"], r["parent_hash"], r["timestamp"]) for r in rows]


def count_logs(conn: Connection, chain_id: int, address: str | Collection[str]) -> int:
    """Stored logs of one address, or of several (the escrow and its courts)."""
    addresses = [address] if isinstance(address, str) else sorted(address)
    return conn.execute(
        select(func.count())
        .select_from(LOGS)
        .where(LOGS.c.chain_id == chain_id, LOGS.c.address.in_(addresses))
    ).scalar_one()
