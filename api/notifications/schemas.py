"""What the notification routes answer, and the stream's events."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Notification(BaseModel):
    """One chain event about the signed-in address's orders or court cases, as indexed."""

    id: str = Field(description="Its position `<block>-<log>-<reorgs>`: resume after it")
    kind: Literal["order", "case"]
    what: str = Field(
        description="What happened: paid, delivered, disputed, refunded, ruled, completed, split, "
        "… for an order; drawn, period-changed, round-ruled, case-executed, … for a case"
    )
    event: str = Field(description="The contract event's name (OrderPaid, JurorDrawn, …)")
    roles: list[Literal["buyer", "merchant", "juror"]] = Field(
        description="Who you are in it (a juror only sees its own seat's events and the case's)"
    )
    block_number: int
    log_index: int
    block_time: int = Field(description="Unix seconds of the block")
    tx_hash: str
    order_id: str | None = Field(None, description="The order (also a case's, when it has one)")
    listing_id: int | None = None
    status: str | None = Field(None, description="An order's status right after the event")
    deadline: int | None = Field(None, description="The phase deadline the event set (Unix s)")
    detail: str | None = Field(
        None, description="Reason, cause, verdict, ruling, period, … as in the timelines"
    )
    court: str | None = None
    case_id: int | None = None
    round: int | None = None
    seat: int | None = None


class NotificationPage(BaseModel):
    notifications: list[Notification]
    next: str = Field(description="Pass it as `after` to read on (also an event id)")
    head_block: int = Field(description="The last block the index has ingested")
    reorg_ancestor: int | None = Field(
        None,
        description="Set when the chain reorganised below `after`: drop what you showed after "
        "this block; the page starts after it",
    )


class TicketOut(BaseModel):
    ticket: str = Field(description="Opens streams for your address until expires_at")
    expires_at: int = Field(description="Unix seconds")
    stream: str = Field(description="The stream's path with the ticket, for `new EventSource()`")


class ReadyEvent(BaseModel):
    """The stream's first event: it listens from `id` on."""

    id: str
    address: str
    head_block: int
    wakeup: Literal["listen", "poll"] = Field(
        description="listen: PostgreSQL NOTIFY from the indexer; poll: the index is polled"
    )


class ReorgEvent(BaseModel):
    """The chain reorganised below what was sent: drop what you showed after block `ancestor`;
    the events after it follow again."""

    id: str
    ancestor: int
