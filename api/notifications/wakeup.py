"""How an API process learns that the index moved: one `IndexWatch` per process (the index
reader's, api/index.py) wakes every open stream of that process, which then reads its own rows
from the index (feed.py), and names the version the process's answer caches key on (`current`).

- PostgreSQL: the indexer sends `NOTIFY fairkey_index` in the transaction of every chunk it
  commits (indexer/notify.py). The watch holds one extra connection that LISTENs on it, watched
  by the event loop (`add_reader`): a commit wakes the streams within a round trip. It also looks
  at the head every `pg_poll_s` (a NOTIFY is lost if it is sent while the listener reconnects),
  and every `poll_s` while the listener is down.
- SQLite (or a PostgreSQL driver other than psycopg2): the head (`index_cursor`, one row) is read
  every `poll_s`. SQLite has no channel between processes, and the index is on one machine.

Either way the message carries nothing the streams rely on: the watch reads the head itself,
and each stream reads what follows its own cursor, so a lost, doubled or late wake-up costs at
most a poll interval, never an event.

The same look names the version of the remembered answers (api/listings/cache.py,
api/orders/router.py): the whole cursor row, so a request reads no head of its own. They lag the
index as the streams do: until the NOTIFY arrives and the head is read (PostgreSQL, LISTEN up),
else at most `poll_s`. A look that fails leaves no version (answers are then read afresh, and
answer 503 while the index is down), so nothing is served from memory for an index nobody can
see.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from sqlalchemy import Engine, Row

from api.notifications.positions import Head
from indexer import queries
from indexer.notify import CHANNEL

log = logging.getLogger("fairkey.api.notifications")

RECONNECT_MAX_S = 10.0


class IndexWatch:
    """The index head as this process last saw it, and a broadcast when it changes. Started on
    first use in the serving event loop; one task per process."""

    def __init__(
        self,
        engine: Engine,
        escrow: str | None,
        *,
        poll_s: float,
        pg_poll_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.escrow = escrow
        self.poll_s = poll_s
        self.pg_poll_s = pg_poll_s
        self.clock = clock
        self.head: Head | None = None
        self.version: tuple | None = None  # the cursor row at the last look; None: unknown
        self.listening = False  # a LISTEN connection is up
        self.wakeups = 0  # NOTIFY messages received (tests, metrics)
        self._changed = asyncio.Event()
        self._kick = asyncio.Event()
        self._looked = asyncio.Event()  # the first look is done (LISTEN tried, head read)
        self._task: asyncio.Task | None = None
        self._listener = None  # the raw psycopg2 connection LISTENing
        self._can_listen = engine.dialect.name == "postgresql" and engine.dialect.driver in (
            "psycopg2",
        )

    @property
    def mode(self) -> str:
        """How the streams are woken now: "listen" (a NOTIFY), else "poll"."""
        return "listen" if self.listening else "poll"

    # ------------------------------------------------------------------ for the streams

    def read_head(self) -> Row | None:
        """The cursor row (indexer.queries.index_head), read now from the index (blocking: call
        it in a worker thread); None before the first indexed block."""
        with self.engine.connect() as conn:
            return queries.index_head(conn, self.escrow)

    async def current(self) -> tuple | None:
        """The version answers are remembered under: the cursor row at the last look (awaiting
        the first look if there has been none); None when it is unknown (no indexed block yet,
        or the last look failed)."""
        if self._task is None or self._task.done():
            self._start()
        if not self._looked.is_set():
            await self.started()
        return self.version

    async def started(self, timeout: float = 5.0) -> None:
        """Starts the watch if need be and waits (bounded) for its first look: a stream that
        says it is ready has a listener behind it, when there is one to have."""
        self._start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._looked.wait(), timeout)

    async def changed(self, seen: Head | None, timeout: float) -> Head | None:
        """The head once it differs from `seen` (at once if it already does), or after
        `timeout` seconds whatever it is."""
        self._start()
        if self.head != seen:
            return self.head
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)
        return self.head

    # ------------------------------------------------------------------ the watch

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="index-watch")

    def _broadcast(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _run(self) -> None:
        retry_at = 0.0
        failures = 0
        try:
            while True:
                if self._can_listen and self._listener is None and self.clock() >= retry_at:
                    try:
                        self._watch_listener(await asyncio.to_thread(self._listen))
                        failures = 0
                    except Exception as exc:  # noqa: BLE001 - polled meanwhile, retried later
                        failures += 1
                        retry_at = self.clock() + min(RECONNECT_MAX_S, 0.5 * 2**failures)
                        log.warning("LISTEN %s failed (%s); polling meanwhile", CHANNEL, exc)
                # The read covers all committed so far, a LISTEN just made included: only a
                # wakeup from now on calls for another.
                self._kick.clear()
                try:
                    row = await asyncio.to_thread(self.read_head)
                except Exception as exc:  # noqa: BLE001 - the index may be down for a while
                    self.version = None
                    log.warning("reading the index head failed: %s", exc)
                else:
                    self.version = None if row is None else tuple(row)
                    head = None if row is None else _head(row)
                    if head != self.head:
                        self.head = head
                        self._broadcast()
                self._looked.set()
                interval = self.pg_poll_s if self._listener is not None else self.poll_s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._kick.wait(), interval)
        finally:
            self._unlisten()

    def _listen(self):
        """A new connection LISTENing on the channel (blocking: a worker thread's call)."""
        raw = self.engine.raw_connection()
        raw.detach()  # ours alone, never back in the pool
        conn = raw.dbapi_connection
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")
        return conn

    def _watch_listener(self, conn) -> None:
        """The event loop reads the connection whenever the server sends it something."""
        self._listener = conn
        self._loop.add_reader(conn.fileno(), self._on_readable, conn)
        self.listening = True  # what was committed while nobody listened: the next read has it

    def _on_readable(self, conn) -> None:
        try:
            conn.poll()
        except Exception as exc:  # noqa: BLE001 - the server went away: reconnect, poll meanwhile
            log.warning("LISTEN connection lost (%s); reconnecting", exc)
            self._unlisten()
            self._kick.set()
            return
        if conn.notifies:
            self.wakeups += len(conn.notifies)
            conn.notifies.clear()
            self._kick.set()

    def _unlisten(self) -> None:
        conn, self._listener = self._listener, None
        self.listening = False
        if conn is None:
            return
        with contextlib.suppress(Exception):
            self._loop.remove_reader(conn.fileno())
        with contextlib.suppress(Exception):
            conn.close()

    @property
    def _loop(self) -> asyncio.AbstractEventLoop:
        assert self._task is not None
        return self._task.get_loop()


def _head(row: Row) -> Head:
    return Head(row.block_number, row.reorgs or 0, row.last_reorg_ancestor)
