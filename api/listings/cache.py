"""Pages of `GET /listings` as the JSON bytes answered, remembered (api/answer_cache.py) for the
version of the data they were built from.

A page is built from two databases, and its version names both:
- the index at its head (the indexer's cursor: block, time, reorg count, final block; the cursor
  and the derived tables are committed in one transaction, so the cursor names what the index
  holds), as the process's index watch last saw it (api/notifications/wakeup.py): no query per
  request. It lags the index as the notification streams do: until the indexer's NOTIFY arrives
  (PostgreSQL), else at most `notify_poll_s`;
- the description documents (the API's store, where any API process may publish one at any
  moment): their number, since documents are only ever added (`DocumentCount`). It is read at
  most every `notify_poll_s` (so a document another process published shows within that), and
  again at once after this process stored one (its publisher sees it on the next page). A count
  rather than a NOTIFY on publish: the store may be SQLite, and a LISTEN on the store would be a
  second connection per process to learn what one small read every poll interval tells.
Token symbols come from the chain, read once (a failed read is tried again): a page with a token
that could not be read is not remembered. Title searches (`q`) are never remembered.

Both parts of the version are read before the page is built, so a page built while the data
moves on is filed under the older version, which is dropped once the newer one is seen: a page
never shows data older than its version. Listing pages are public: nothing of a caller's is in
them or in the key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from starlette.concurrency import run_in_threadpool

from api.answer_cache import AnswerCache
from api.notifications.wakeup import IndexWatch

SIZE = 256  # distinct queries (filters, sort, cursor, page size) kept


class DocumentCount:
    """How many documents the store holds, read again once `every` seconds have passed since the
    last read (one request then reads it; the others meanwhile use the value they had)."""

    def __init__(
        self, read: Callable[[], int], every: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.read = read
        self.every = every
        self.clock = clock
        self.reads = 0  # tests, metrics
        self._value: int | None = None
        self._due = 0.0

    async def current(self) -> int:
        now = self.clock()
        if self._value is None or now >= self._due:
            self._due = now + self.every  # claimed: concurrent requests keep the last value
            try:
                self._value = await run_in_threadpool(self.read)
            except BaseException:
                self._due = 0.0  # the next request tries again
                raise
            self.reads += 1
        return self._value

    def stored(self) -> None:
        """This process stored a document: the next page reads the count again."""
        self._due = 0.0


class ListingPages(AnswerCache):
    def __init__(self, count: Callable[[], int], poll_s: float, size: int = SIZE) -> None:
        super().__init__(size)
        self.documents = DocumentCount(count, poll_s)

    async def version(self, watch: IndexWatch) -> Hashable | None:
        """(index head, document count); None while the head is unknown (nothing remembered)."""
        head = await watch.current()
        if head is None:
            return None
        return head, await self.documents.current()
