"""Time windows of the derived figures, and the state that keeps them exact.

A "7-day" window is the indexed head's UTC day and the six days before it: it starts at
00:00 UTC six days before the head's day and ends at the head (no event is later than the head).
Likewise 30 days. Day-aligned windows only move when the head enters a new UTC day, so between
two refreshes on the same day a listing without new events keeps exactly the same figures; when
the day changes, every listing's windows are recomputed. `projection_state` remembers the day
(and the head) the figures refer to, and is itself identical after a rebuild at the same head.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from indexer.projections.models import ProjectionState

DAY = 86_400
EPOCH = date(1970, 1, 1)

state = ProjectionState.__table__


def day_of(timestamp: int) -> int:
    """The UTC day number (days since 1970-01-01) of a unix timestamp."""
    return timestamp // DAY


def as_date(day: int) -> date:
    return EPOCH + timedelta(days=day)


def window_start(head_time: int, days: int) -> int:
    """First second of a `days`-day window ending at the head (see the module docstring)."""
    return (day_of(head_time) - days + 1) * DAY


def stored_day(conn: sa.Connection) -> int | None:
    """The UTC day the stored windows end on (None: nothing computed yet)."""
    return conn.execute(sa.select(state.c.value).where(state.c.name == "window_day")).scalar()


def save_head(conn: sa.Connection, head_number: int, head_time: int) -> None:
    conn.execute(state.delete())
    conn.execute(
        state.insert(),
        [
            {"name": "head_block", "value": head_number},
            {"name": "head_time", "value": head_time},
            {"name": "window_day", "value": day_of(head_time)},
        ],
    )
