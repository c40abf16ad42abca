"""Everything the notification routes share in one API process, built on first use: the index
watch (wakeup.py: the index reader's, which the answer caches share), the ticket service
(tickets.py) and the settings (ApiSettings' notify_*)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import Request

from api.notifications.feed import read_after
from api.notifications.positions import Position
from api.notifications.schemas import Notification
from api.notifications.tickets import TicketService
from api.notifications.wakeup import IndexWatch
from api.settings import ApiSettings
from api.state import ApiState

_CREATE = threading.Lock()


@dataclass
class NotificationHub:
    settings: ApiSettings
    watch: IndexWatch
    tickets: TicketService

    @classmethod
    def create(cls, state: ApiState, settings: ApiSettings | None = None) -> NotificationHub:
        settings = settings or state.settings
        tickets = TicketService(state.db, state.clock, settings.notify_ticket_ttl)
        return cls(settings, state.index.watch, tickets)  # its polls are the app's settings'

    def read(self, address: str, position: Position, limit: int) -> list[Notification]:
        """`address`'s notifications after `position` (blocking: a worker thread's call)."""
        with self.watch.engine.connect() as conn:
            return read_after(conn, address, position, limit)


def hub_of(request: Request) -> NotificationHub:
    """The app's hub (app.state.notifications; a test may put its own there first)."""
    app_state = request.app.state
    hub = getattr(app_state, "notifications", None)
    if hub is None:
        with _CREATE:
            hub = getattr(app_state, "notifications", None)
            if hub is None:
                hub = app_state.notifications = NotificationHub.create(app_state.api)
    return hub
