"""What `metadata.create_all` cannot do for a store an older release created: it adds missing
tables, never a column to an existing one. Run by `Database.open` after it, in one transaction,
idempotent:

- every nullable column added to an existing table since is added (a new column must be
  nullable, so that old rows stay valid; a NOT NULL one needs a real migration: refused here);
- the relayer's former `relayer_refusals` table (arbitration/relay_queue.py kept the reasons
  there before the vote store had a refused state) is folded into the vote rows, then dropped.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection, MetaData

OLD_REFUSALS = "relayer_refusals"
_VOTE_TABLES = {"commit": "api_commits", "reveal": "api_reveals"}


def upgrade(conn: Connection, metadata: MetaData) -> None:
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                _add_column(conn, table.name, column)
    if inspector.has_table(OLD_REFUSALS):
        _fold_old_refusals(conn)


def _add_column(conn: Connection, table: str, column: sa.Column) -> None:
    if not column.nullable or column.primary_key:
        raise RuntimeError(
            f"{table}.{column.name} is missing and NOT NULL: this store needs a migration"
        )
    preparer = conn.dialect.identifier_preparer
    kind = column.type.compile(dialect=conn.dialect)
    # PostgreSQL: another API process may add it at the same moment. SQLite's writer
    # transaction (BEGIN IMMEDIATE, indexer/db.py) already serialises them.
    guard = "IF NOT EXISTS " if conn.dialect.name == "postgresql" else ""
    conn.exec_driver_sql(
        f"ALTER TABLE {preparer.quote(table)} ADD COLUMN {guard}"
        f"{preparer.quote(column.name)} {kind}"
    )


def _fold_old_refusals(conn: Connection) -> None:
    """Each refused item's latest reason goes to its row; the rows were marked submitted by the
    old relayer already (submitted_at and tx_hash are right)."""
    old = sa.table(
        OLD_REFUSALS, sa.column("id"), sa.column("kind"), sa.column("item_id"), sa.column("reason")
    )
    for kind, name in _VOTE_TABLES.items():
        votes = sa.table(name, sa.column("id"), sa.column("refused_reason"))
        mine = sa.and_(old.c.kind == kind, old.c.item_id == votes.c.id)
        latest = (
            sa.select(sa.func.substr(old.c.reason, 1, 500))
            .where(mine)
            .order_by(old.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        conn.execute(
            sa.update(votes)
            .where(votes.c.refused_reason.is_(None), sa.exists().where(mine))
            .values(refused_reason=latest)
        )
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {OLD_REFUSALS}"))
