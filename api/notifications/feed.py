"""An address's notifications after a position: its orders' events and its court cases' events
(indexer/queries.py reads them), merged in chain order and turned into `Notification`s. The
index is the truth: what it has not ingested is not sent yet, what it holds is sent in order."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection

from api.notifications.positions import Position
from api.notifications.schemas import Notification
from indexer import queries

ORDER_WHAT = {
    "OrderPaid": "paid",
    "KeyDelivered": "delivered",
    "OrderDisputed": "disputed",
    "DisputeWithdrawn": "dispute-withdrawn",
    "VerifierAttested": "verifier-attested",
    "MisdeliveryProven": "misdelivery-proven",
    "ArbitrationRequested": "arbitration-requested",
    "Ruling": "ruled",
    "OrderCompleted": "completed",
    "OrderRefunded": "refunded",
    "OrderSplit": "split",
}
CASE_WHAT = {
    "CaseOpened": "case-opened",
    "RoundOpened": "round-opened",
    "JurorDrawn": "drawn",
    "PeriodChanged": "period-changed",
    "VoteCommitted": "vote-committed",
    "VoteRevealed": "vote-revealed",
    "RoundRuled": "round-ruled",
    "AppealFunded": "appeal-funded",
    "CaseExecuted": "case-executed",
    "SeatSettled": "seat-settled",
    "JurorLeftPool": "left-pool",
}


def what_of(event: str, names: dict[str, str]) -> str:
    """The short name of a contract event (kebab-case of its name when it has none here)."""
    return names.get(event) or re.sub(r"(?<!^)(?=[A-Z])", "-", event).lower()


def _roles(row: Any, address: str, seated: bool = False) -> list[str]:
    roles = [r for r in ("buyer", "merchant") if getattr(row, r) == address]
    return [*roles, "juror"] if seated else roles


def _order(row: Any, address: str, reorgs: int) -> Notification:
    return Notification(
        id=Position(row.block_number, row.log_index, reorgs).event_id,
        kind="order",
        what=what_of(row.event, ORDER_WHAT),
        event=row.event,
        roles=_roles(row, address),
        block_number=row.block_number,
        log_index=row.log_index,
        block_time=row.block_time,
        tx_hash=row.tx_hash,
        order_id=row.order_id,
        listing_id=row.listing_id,
        status=row.status,
        deadline=row.deadline,
        detail=row.detail,
    )


def _case(row: Any, address: str, reorgs: int) -> Notification:
    return Notification(
        id=Position(row.block_number, row.log_index, reorgs).event_id,
        kind="case",
        what=what_of(row.event, CASE_WHAT),
        event=row.event,
        roles=_roles(row, address, bool(row.seated)),
        block_number=row.block_number,
        log_index=row.log_index,
        block_time=row.block_time,
        tx_hash=row.tx_hash,
        order_id=row.order_id,
        detail=row.detail,
        court=row.court,
        case_id=row.case_id,
        round=row.round,
        seat=row.seat,
    )


def read_after(
    conn: Connection, address: str, position: Position, limit: int
) -> list[Notification]:
    """At most `limit` notifications of `address` after `position`, in chain order, their ids
    under the position's reorg count. Fewer than `limit`: nothing more is indexed yet."""
    address = address.lower()
    after = position.key
    found = [
        *(
            (r.block_number, r.log_index, _order, r)
            for r in queries.order_notifications(conn, address, after, limit)
        ),
        *(
            (r.block_number, r.log_index, _case, r)
            for r in queries.case_notifications(conn, address, after, limit)
        ),
    ]
    # Each feed is in chain order and cut at `limit`: the first `limit` of their merge are
    # exactly the first `limit` of the whole.
    found.sort(key=lambda item: (item[0], item[1]))
    return [make(row, address, position.reorgs) for _, _, make, row in found[:limit]]
