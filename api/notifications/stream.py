"""One subscriber's event stream: `ready`, then every notification after its position as the
index gets it (`order` and `case` events, each with its id), a `reorg` event when the chain
reorganised below what was sent; keep-alive pings come from sse-starlette. It ends when the
session ends (sign-out or expiry, checked every `session_check_s`), or when the client leaves."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from sse_starlette import ServerSentEvent

from api.notifications.hub import NotificationHub
from api.notifications.positions import Head, Position, after_reorgs
from api.notifications.schemas import Notification, ReadyEvent, ReorgEvent
from api.notifications.tickets import Grant

log = logging.getLogger("fairkey.api.notifications")

RETRY_MS = 2000  # the browser's reconnect delay after a dropped stream
INDEX_RETRY_S = 2.0  # after an index read failed


def _event(kind: str, payload: ReadyEvent | ReorgEvent | Notification) -> ServerSentEvent:
    return ServerSentEvent(data=payload.model_dump_json(), event=kind, id=payload.id)


async def notification_events(
    hub: NotificationHub, grant: Grant, start: Position, head: Head | None
) -> AsyncIterator[ServerSentEvent]:
    """The stream of `grant.address` from `start` (the index head was `head` when it opened)."""
    settings, watch = hub.settings, hub.watch
    await watch.started()
    position = start
    ready = ReadyEvent(
        id=position.event_id,
        address=grant.address,
        head_block=head.block if head else -1,
        wakeup=watch.mode,
    )
    first = _event("ready", ready)
    first.retry = RETRY_MS
    yield first
    check_at = time.monotonic() + settings.notify_session_check_s
    seen = head
    while True:
        if seen is not None and (moved := after_reorgs(position, seen)) is not None:
            if moved.key != position.key:
                yield _event("reorg", ReorgEvent(id=moved.event_id, ancestor=moved.block))
            position = moved
        try:
            page = await asyncio.to_thread(hub.read, grant.address, position, settings.notify_page)
        except Exception as exc:  # noqa: BLE001 - the index may be down for a while: wait
            log.warning("reading notifications failed: %s", exc)
            await asyncio.sleep(INDEX_RETRY_S)
            continue
        for notification in page:
            yield _event(notification.kind, notification)
        if page:
            last = page[-1]
            position = Position(last.block_number, last.log_index, position.reorgs)
        if len(page) < settings.notify_page:
            wait = max(0.0, check_at - time.monotonic())
            seen = await watch.changed(seen, wait)
        if time.monotonic() >= check_at:
            if not await asyncio.to_thread(hub.tickets.still_valid, grant):
                return
            check_at = time.monotonic() + settings.notify_session_check_s
