"""The indexer's wake-up call to its readers: on PostgreSQL, every committed chunk sends
`NOTIFY fairkey_index` with where the index now stands, so API processes listening on the same
database (api/notifications/) read the new rows at once instead of polling.

It is sent inside the chunk's own transaction: PostgreSQL delivers a NOTIFY only when that
transaction commits (and drops it on a rollback), so a listener never hears of rows it cannot
read yet. The rows stay the truth; the message only says "look again". SQLite has no such
channel: its readers poll (a single API process, see api/notifications/wakeup.py).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

CHANNEL = "fairkey_index"


def notify_committed(conn: Connection, chain_id: int, escrow: str, block: int, reorgs: int) -> None:
    """Queue the NOTIFY for the transaction `conn` is in (no-op on anything but PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return
    payload = json.dumps({"chain_id": chain_id, "escrow": escrow, "block": block, "reorgs": reorgs})
    conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": payload})
