"""Notifications: the signed-in address's order and court events as a server-sent-events stream
(`GET /notifications/stream`), the same as pages (`GET /notifications`), and stream tickets for
clients that cannot send the session (`POST /notifications/ticket`). See api/notifications/."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, status
from sse_starlette import EventSourceResponse

from api.deps import State, session_token
from api.notifications.hub import NotificationHub, hub_of
from api.notifications.positions import BadEventId, Head, Position, after_reorgs
from api.notifications.schemas import (
    Notification,
    NotificationPage,
    ReadyEvent,
    ReorgEvent,
    TicketOut,
)
from api.notifications.stream import notification_events
from api.notifications.tickets import Grant
from api.problems import ApiProblem, problem_responses
from api.state import ApiState
from indexer import queries

router = APIRouter(prefix="/notifications", tags=["notifications"])

Hub = Annotated[NotificationHub, Depends(hub_of)]
EVENT_ID = r"^\d{1,18}-(\d{1,10}|\*)-\d{1,9}$"
_EVENT_TYPES = ["ready", "order", "case", "reorg"]


def _not_signed_in(detail: str) -> ApiProblem:
    return ApiProblem(
        401,
        "not-signed-in",
        "not signed in",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="fairkey"'},
    )


def _session_grant(request: Request, hub: NotificationHub) -> Grant:
    token = session_token(request)
    grant = hub.tickets.grant_of_session(token) if token and len(token) <= 200 else None
    if grant is None:
        raise _not_signed_in(
            "sign in with Ethereum first (POST /auth/nonce, then POST /auth/verify); an "
            "EventSource sends the session cookie, or a ticket (POST /notifications/ticket)"
        )
    return grant


def _head(state: ApiState) -> Head | None:
    # 503 when the index is not built or unreadable
    row = state.index.read(lambda conn: queries.index_head(conn, state.settings.escrow()))
    return None if row is None else Head(row.block_number, row.reorgs or 0, row.last_reorg_ancestor)


def _start(value: str | None, head: Head | None) -> Position:
    """Where to read on from: after the given id, else after the head (only what comes next)."""
    if value:
        try:
            return Position.parse(value)
        except BadEventId as exc:
            raise ApiProblem(422, "invalid-event-id", "not an event id", str(exc)) from None
    return Position.through(head.block, head.reorgs) if head else Position.through(-1, 0)


@router.post(
    "/ticket",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketOut,
    responses=problem_responses(401),
    summary="A short-lived ticket that opens your notification stream",
    description="For an EventSource that cannot send your session: a page on another origin, or "
    "a client holding a bearer token. The ticket opens streams until `expires_at` (reconnects "
    "included), never past your session.",
)
def new_ticket(request: Request, hub: Hub) -> TicketOut:
    grant = _session_grant(request, hub)
    ticket, expires = hub.tickets.issue(grant)
    return TicketOut(
        ticket=ticket, expires_at=expires, stream=f"{router.prefix}/stream?ticket={ticket}"
    )


@router.get(
    "",
    response_model=NotificationPage,
    responses=problem_responses(401, 422, 503),
    summary="Your notifications after an event id, as a page",
    description="The stream's events as JSON, for clients that poll: pass the last `next` as "
    "`after`. Without `after`: nothing yet, and `next` is the index head.",
)
def notification_page(
    request: Request,
    state: State,
    hub: Hub,
    after: Annotated[str | None, Query(pattern=EVENT_ID, description="An event id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> NotificationPage:
    grant = _session_grant(request, hub)
    head = _head(state)
    position = _start(after, head)
    moved = after_reorgs(position, head) if head else None
    ancestor = moved.block if moved is not None and moved.key != position.key else None
    position = moved or position
    page = hub.read(grant.address, position, limit)
    last = page[-1].id if page else position.event_id
    return NotificationPage(
        notifications=page,
        next=last,
        head_block=head.block if head else -1,
        reorg_ancestor=ancestor,
    )


def _sse_schema() -> dict:
    """Each event of the stream (OpenAPI before 3.2: `schema` describes one event)."""
    payloads = [Notification, ReadyEvent, ReorgEvent]
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "enum": _EVENT_TYPES},
            "id": {"type": "string", "pattern": EVENT_ID},
            "retry": {"type": "integer"},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"anyOf": [m.model_json_schema() for m in payloads]},
            },
        },
    }


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "The event stream: `ready` (data: ReadyEvent), then `order` and "
            "`case` (data: Notification) as they are indexed, `reorg` (data: ReorgEvent) when "
            "the chain reorganised below what was sent; comment pings keep it alive.",
            "content": {"text/event-stream": {"schema": _sse_schema()}},
        },
        **problem_responses(401, 422, 503),
    },
    summary="Your notifications, live (server-sent events)",
    description="Events about your orders (as buyer or merchant: paid, delivered, disputed, "
    "refunded, ruled, …) and your court cases (drawn as juror, period changes, rulings, …). "
    "Who you are: the session cookie (what an EventSource on the API's own pages sends), an "
    "`Authorization: Bearer` header, or `ticket` (POST /notifications/ticket). Every event "
    "has an id: a reconnecting EventSource sends the last one as `Last-Event-ID` and loses "
    "nothing; a new EventSource may pass it as `last_event_id` (the header wins). Open the "
    "stream, wait for `ready`, then load what you show: nothing after `ready` is missed.",
)
def notification_stream(
    request: Request,
    state: State,
    hub: Hub,
    ticket: Annotated[str | None, Query(max_length=200, description="A stream ticket")] = None,
    last_event_id: Annotated[
        str | None, Query(pattern=EVENT_ID, description="Resume after this event id")
    ] = None,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=64, include_in_schema=False)
    ] = None,
) -> EventSourceResponse:
    if ticket:
        grant = hub.tickets.redeem(ticket)
        if grant is None:
            raise _not_signed_in("the ticket is unknown, expired, or its session ended")
    else:
        grant = _session_grant(request, hub)
    head = _head(state)
    start = _start(last_event_id_header or last_event_id, head)
    return EventSourceResponse(
        notification_events(hub, grant, start, head),
        ping=hub.settings.notify_ping_s,
        headers={"Cache-Control": "no-store"},
    )
