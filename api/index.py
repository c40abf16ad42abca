"""The index (`fairkey index run`'s database, indexer/) as the API reads it: read-only, through
indexer/queries.py, never migrated here (the indexer owns its schema). Data flows chain ->
indexer -> database -> API: what the index has not ingested yet, the API does not show yet.

An index that is unreachable or was never built answers 503 (`index-unavailable`); a read whose
connection the server ended under it runs once more first (`IndexReader.read`).

Each process has one watch on the index head (`watch`, api/notifications/wakeup.py): it wakes
the notification streams and names the version answers are remembered under. On PostgreSQL the
reader's statements run without BEGIN/ROLLBACK and without a ping (indexer/db.py,
`autocommit_reads`): a read is one round trip."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from api.notifications.wakeup import IndexWatch
from api.problems import ApiProblem
from indexer import queries
from indexer.db import create_db_engine

T = TypeVar("T")


def _unavailable(detail: str) -> ApiProblem:
    return ApiProblem(503, "index-unavailable", "index unavailable", detail)


class IndexReader:
    def __init__(self, engine: Engine, watch: IndexWatch) -> None:
        self.engine = engine
        self.watch = watch  # the process's one look at the head (started on first use)
        self._built = False  # once built, an index stays built: checked until it is, then never

    @classmethod
    def open(
        cls, url: str, escrow: str | None = None, *, poll_s: float = 0.25, pg_poll_s: float = 30.0
    ) -> IndexReader:
        """A reader of the index at `url` (of `escrow`'s cursor); the watch looks at the head
        every `poll_s`, or every `pg_poll_s` while a PostgreSQL LISTEN is up."""
        engine = create_db_engine(url, writer=False, autocommit_reads=True)
        return cls(engine, IndexWatch(engine, escrow, poll_s=poll_s, pg_poll_s=pg_poll_s))

    def read(self, query: Callable[[Connection], T]) -> T:
        """`query(conn)` on a built index. A read changes nothing, so when the server ended the
        connection between the checkout's look and the query (a restart, pg_terminate_backend:
        the backend's farewell can come a moment after), SQLAlchemy has invalidated the pool
        and the read runs once more, on a connection made anew, instead of answering 503."""
        try:
            try:
                return self._read(query)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                return self._read(query)
        except (OperationalError, ProgrammingError) as exc:  # down, or an older schema
            raise _unavailable(f"the index cannot be read: {type(exc.orig).__name__}") from None

    def _read(self, query: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn:
            if not self._built and not queries.is_indexed(conn):
                raise _unavailable("the index is not built yet: run `fairkey index run`")
            self._built = True
            return query(conn)

    def close(self) -> None:
        self.engine.dispose()
