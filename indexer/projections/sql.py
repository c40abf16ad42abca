"""Set-based writes shared by the projections: replace the rows of some keys in one go."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from indexer.projections.names import TERMINAL
from indexer.projections.raw import chunks


def key_filter(columns: Sequence[sa.ColumnElement], part: list[Any]) -> sa.ColumnElement[bool]:
    if len(columns) == 1:
        return columns[0].in_(part)
    return sa.tuple_(*columns).in_(part)


def delete_keys(
    conn: sa.Connection, table: sa.Table, columns: Sequence[sa.ColumnElement], keys: set | None
) -> None:
    """Deletes the rows whose `columns` value is in `keys` (None: every row)."""
    if keys is None:
        conn.execute(table.delete())
        return
    for part in chunks(keys):
        conn.execute(table.delete().where(key_filter(columns, part)))


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = list(rows)
    if rows:
        conn.execute(table.insert(), rows)


def replace_rows(
    conn: sa.Connection,
    table: sa.Table,
    columns: Sequence[sa.ColumnElement],
    keys: set | None,
    rows: Iterable[Mapping[str, Any]],
) -> None:
    """The rows of `keys` become exactly `rows` (keys without a row lose theirs)."""
    delete_keys(conn, table, columns, keys)
    insert_rows(conn, table, rows)


def select_where_in(
    conn: sa.Connection,
    columns: Sequence[sa.ColumnElement],
    key_columns: Sequence[sa.ColumnElement],
    keys: set | None,
    *conditions: Any,
    group_by: Sequence[sa.ColumnElement] = (),
) -> list[sa.Row]:
    """`SELECT columns WHERE key_columns IN keys AND conditions [GROUP BY]`, chunked by keys
    (None: no key filter). Grouping must include the key columns, so chunks never split a group."""
    query = sa.select(*columns).where(*conditions)
    if group_by:
        query = query.group_by(*group_by)
    if keys is None:
        return list(conn.execute(query))
    found: list[sa.Row] = []
    for part in chunks(keys):
        found.extend(conn.execute(query.where(key_filter(key_columns, part))))
    return found


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END): a portable conditional count."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def outcome_names(*, settled: bool = True) -> tuple[str, ...]:
    """The columns of `outcome_counts`, in order."""
    return ("open", *(("settled",) if settled else ()), *(s.lower() for s in TERMINAL))


def outcome_counts(o: Any, *, settled: bool = True) -> list[sa.ColumnElement[int]]:
    """How a group of orders (`o`: the orders table's columns) ended, one definition for every
    summary: `open` (not yet in a terminal status), `settled` (in one), and one count per terminal
    status (`completed`, `refunded`, `split`)."""
    terminal = o.status.in_(TERMINAL)
    conditions = {"open": ~terminal, "settled": terminal}
    conditions |= {status.lower(): o.status == status for status in TERMINAL}
    return [count_if(conditions[name]).label(name) for name in outcome_names(settled=settled)]


def ranked_value(
    conn: sa.Connection, column: sa.ColumnElement, rank: int | None, *conditions: Any
) -> Any:
    """The `rank`-th (1-based) smallest `column` value among rows matching `conditions`, sorted
    by the database (no rows are fetched); None for no rank."""
    if rank is None:
        return None
    query = sa.select(column).where(*conditions).order_by(column).limit(1).offset(rank - 1)
    return conn.execute(query).scalar_one()
