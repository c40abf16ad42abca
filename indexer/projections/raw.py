"""Reading the canonical event log (`raw_logs`, owned by the ingester) for the projections.

A lightweight table clause names only the columns the projections read, so this package does not
depend on how the core models are declared. Events come back as `Log`s with parsed args, in
canonical order (block_number, log_index).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

raw_logs = sa.table(
    "raw_logs",
    sa.column("block_number", sa.BigInteger),
    sa.column("block_time", sa.BigInteger),
    sa.column("tx_hash", sa.String),
    sa.column("log_index", sa.Integer),
    sa.column("name", sa.String),
    sa.column("order_id", sa.String),
    sa.column("listing_id", sa.BigInteger),
    sa.column("args", sa.Text),
    sa.column("address", sa.String),
    sa.column("case_id", sa.BigInteger),
    sa.column("juror", sa.String),
)

LOG_COLUMNS = (
    raw_logs.c.block_number,
    raw_logs.c.block_time,
    raw_logs.c.tx_hash,
    raw_logs.c.log_index,
    raw_logs.c.name,
    raw_logs.c.order_id,
    raw_logs.c.listing_id,
    raw_logs.c.args,
    raw_logs.c.address,
    raw_logs.c.case_id,
    raw_logs.c.juror,
)

# Bound parameters per IN list: far below SQLite's 32766 and PostgreSQL's 65535.
IN_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Log:
    block_number: int
    block_time: int
    tx_hash: str
    log_index: int
    name: str
    order_id: str | None
    listing_id: int | None
    args: dict[str, Any]
    address: str  # the contract that emitted it: the escrow or one of its courts
    case_id: int | None
    juror: str | None

    @property
    def position(self) -> tuple[int, int]:
        return (self.block_number, self.log_index)


def parse_args(value: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """The decoded-args JSON of a raw_logs row (text from SQL, or already a dict)."""
    if value is None:
        return {}
    if isinstance(value, str):
        return json.loads(value)
    return dict(value)


def chunks(keys: Iterable[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """Sorted slices of `keys` (sorted so that statements and lock order are deterministic)."""
    ordered = sorted(keys)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def to_logs(rows: Iterable[Sequence[Any]]) -> list[Log]:
    return [
        Log(r[0], r[1], r[2], r[3], r[4], r[5], r[6], parse_args(r[7]), r[8], r[9], r[10])
        for r in rows
        if r[4] is not None
    ]


def logs_where(conn: sa.Connection, *conditions: Any) -> list[Log]:
    """Known events matching `conditions`, in canonical order."""
    query = sa.select(*LOG_COLUMNS).where(raw_logs.c.name.is_not(None), *conditions)
    logs = to_logs(conn.execute(query))
    logs.sort(key=lambda log: (log.block_number, log.log_index))
    return logs


def logs_of(
    conn: sa.Connection, column: sa.ColumnClause, keys: set[Any] | None, *conditions: Any
) -> list[Log]:
    """Known events whose `column` is one of `keys` (None: every key), in canonical order."""
    if keys is None:
        return logs_where(conn, column.is_not(None), *conditions)
    found: list[Log] = []
    for part in chunks(keys):
        found.extend(logs_where(conn, column.in_(part), *conditions))
    found.sort(key=lambda log: (log.block_number, log.log_index))
    return found
