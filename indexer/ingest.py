"""The indexer: the logs of the escrow and of its courts (sources.py) from the node into
`raw_logs`, reorg-safe and resumable, with the derived tables refreshed in the same transaction.

One step: ask the node for its head, its finalized block and the hash of our cursor block (one
batched round trip). If the cursor block is no longer canonical, walk the stored hashes back to
the common ancestor. Then read chunks of logs (ranges that adapt to the node) and commit each
chunk in one transaction: removed rows above the ancestor, new rows, block hashes, the cursor,
and `projections.refresh` of every key the change touched. A kill at any instant leaves either
the chunk before or the chunk after, never half of one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

from fairkey.chain.jsonrpc import JsonRpc
from fairkey.chain.rpc_errors import RpcError
from indexer import projections
from indexer.base import Base
from indexer.config import DEFAULT_FINALITY_DEPTH, IndexerConfig
from indexer.db import open_database
from indexer.decode import SourceDecoder
from indexer.fetch import ChainMoved, ChainReader, ChainTip, Header
from indexer.metrics import IndexerMetrics
from indexer.notify import notify_committed
from indexer.progress import BackfillProgress
from indexer.reorg import ReorgBeyondFinality, beyond_finality_message, common_ancestor
from indexer.sources import LogSources, courts_named
from indexer.store import (
    Cursor,
    any_cursor,
    count_logs,
    forget_blocks,
    insert_logs,
    load_cursor,
    save_blocks,
    save_cursor,
    stored_blocks,
)

log = logging.getLogger("indexer")

FULL_CHECK_EVERY = 2.0  # seconds: the live tail re-checks the cursor hash even without a new head


class TargetBeyondHead(ValueError):
    """backfill(to_block=...) names a block the chain does not have yet."""


@dataclass
class BackfillStats:
    events: int = 0
    blocks: int = 0
    seconds: float = 0.0
    first_block: int = 0
    last_block: int = 0

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Chunk:
    rows: list[dict[str, Any]]
    headers: list[Header]  # stored for reorg detection; the last one is the new cursor block
    last: Header = field(init=False)

    def __post_init__(self) -> None:
        self.last = self.headers[-1]


class Indexer:
    """See the module docstring. Not thread-safe: one thread drives one Indexer."""

    def __init__(self, config: IndexerConfig, *, metrics: IndexerMetrics | None = None) -> None:
        self.config = config
        self.address = config.escrow
        self.engine: Engine = open_database(config.db_url)
        self.rpc = JsonRpc(config.rpc_url, timeout=config.request_timeout)
        self.reader = ChainReader(self.rpc, self.address, config.max_range, config.max_attempts)
        self.decoder = SourceDecoder(self.address)
        self.sources = LogSources(self.engine, self.reader, self.decoder.for_escrow, self.address)
        self.metrics = metrics or IndexerMetrics()
        self.head: int | None = None  # the node's head, last seen
        self._finalized = -1  # the node's finalized block, last seen
        self._chain_id: int | None = None
        self._cursor: Cursor | None = None
        self._on_chunk: Callable[[int, int], None] | None = None  # backfill progress

    # ------------------------------------------------------------------ public API

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.reader.chain_id()
        return self._chain_id

    @property
    def cursor(self) -> Cursor:
        """Where indexing stands (loaded from the database, created on first use)."""
        if self._cursor is None:
            self._cursor = self._load_or_create_cursor()
        return self._cursor

    def step(self) -> int:
        """One live-tail iteration: handle a reorg if there was one, ingest every new block.
        Returns the number of events stored."""
        return self._sync(limit=None)

    def backfill(self, to_block: int | None = None, progress: bool = False) -> BackfillStats:
        """Ingest up to `to_block` (default: the head when called), chunk by chunk."""
        started = time.monotonic()
        first = self.cursor.number + 1
        head = self.reader.head()
        if to_block is not None and to_block > head:
            raise TargetBeyondHead(f"block {to_block} is beyond the chain head ({head})")
        target = head if to_block is None else to_block
        stats = BackfillStats(first_block=first, last_block=max(target, self.cursor.number))
        with BackfillProgress(first, target, enabled=progress) as bar:

            def on_chunk(to: int, events: int) -> None:
                stats.events += events
                bar.advance(to, events)

            self._on_chunk = on_chunk
            try:
                while True:  # at least once: a reorg at the same height must be seen too
                    self._sync(limit=target)
                    if self.head is not None and self.head < target:  # a reorg shortened it
                        target = self.head
                    if self.cursor.number >= target:
                        break
            finally:
                self._on_chunk = None
        stats.blocks = max(0, self.cursor.number - first + 1)
        stats.seconds = time.monotonic() - started
        return stats

    def run(self, stop: threading.Event, interval: float = 0.2) -> None:
        """Live tail until `stop` is set: a cheap eth_blockNumber every `interval`, a step when
        the head moved (and every FULL_CHECK_EVERY seconds, for a same-height reorg). Node and
        database failures are logged and retried; ReorgBeyondFinality is raised."""
        last_head: int | None = None
        last_step = 0.0
        failures = 0
        while not stop.is_set():
            try:
                head = self.reader.head()
                self.metrics.saw_head(head)
                due = time.monotonic() - last_step >= FULL_CHECK_EVERY
                if head != last_head or due or self.cursor.number < head:
                    events = self.step()
                    last_head, last_step = head, time.monotonic()
                    if events:
                        log.info("block %d: +%d events", self.cursor.number, events)
                failures = 0
            except ReorgBeyondFinality:
                raise
            except Exception as exc:  # noqa: BLE001 - logged; the next iteration retries
                failures += 1
                log.error("indexer step failed: %s: %s", type(exc).__name__, exc)
                log.debug("step failure details", exc_info=True)
                stop.wait(min(5.0, interval * 2**failures))
                continue
            stop.wait(interval)

    def reindex(self) -> None:
        """Rebuild every derived table from raw_logs, in one transaction."""
        derived = {t.name for t in projections.DERIVED_TABLES}
        with self.engine.begin() as conn:
            cursor = self._stored_cursor(conn)
            if cursor is None:
                raise LookupError(f"nothing indexed yet for {self.address}: backfill first")
            for table in reversed(Base.metadata.sorted_tables):
                if table.name in derived:
                    conn.execute(table.delete())
            projections.rebuild(conn, _head_of(cursor))

    def status(self) -> dict[str, Any]:
        """Where indexing stands, JSON-able (works with the node down: chain_head is None)."""
        head = None
        with contextlib.suppress(RpcError):
            head = int(self.rpc.call("eth_blockNumber"), 16)
        if self._chain_id is None and head is not None:
            self._chain_id = self.reader.chain_id()
        with self.engine.connect() as conn:
            cursor = self._stored_cursor(conn)
            courts = courts_named(conn, cursor.chain_id, self.address) if cursor else {}
            events = count_logs(conn, cursor.chain_id, [self.address, *courts]) if cursor else 0
        indexed = cursor.number if cursor else None
        return {
            "escrow": self.address,
            "courts": sorted(courts),
            "chain_id": cursor.chain_id if cursor else self._chain_id,
            "database": make_url(self.config.db_url).render_as_string(hide_password=True),
            "start_block": cursor.start_block if cursor else self.config.start_block,
            "indexed_block": indexed,
            "indexed_hash": cursor.hash if cursor else None,
            "indexed_time": cursor.time if cursor else None,
            "finalized_block": cursor.finalized if cursor else None,
            "chain_head": head,
            "lag_blocks": None if head is None or indexed is None else max(0, head - indexed),
            "events": events,
            "reorgs": cursor.reorgs if cursor else 0,
            "last_reorg": (
                {
                    "ancestor": cursor.last_reorg_ancestor,
                    "depth": cursor.last_reorg_depth,
                    "at": cursor.last_reorg_at,
                }
                if cursor and cursor.last_reorg_ancestor is not None
                else None
            ),
            "halted": cursor.halted if cursor else None,
            "updated_at": cursor.updated_at if cursor else None,
        }

    def close(self) -> None:
        self.metrics.close()
        self.rpc.close()
        self.engine.dispose()

    def __enter__(self) -> Indexer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ cursor

    def _stored_cursor(self, conn: Connection) -> Cursor | None:
        """The cursor as stored, without asking the node (the chain id when known)."""
        if self._chain_id is not None:
            return load_cursor(conn, self._chain_id, self.address)
        return any_cursor(conn, self.address)

    def _load_or_create_cursor(self) -> Cursor:
        chain_id = self.chain_id
        with self.engine.connect() as conn:
            cursor = load_cursor(conn, chain_id, self.address)
        if cursor is not None:
            if cursor.start_block != self.config.start_block:
                log.warning(
                    "the index of %s started at block %d (configured: %d); continuing it",
                    self.address,
                    cursor.start_block,
                    self.config.start_block,
                )
            return cursor
        base = self.config.start_block - 1  # "indexed up to the block before the first"
        header = self.reader.headers([base])[base] if base >= 0 else None
        cursor = Cursor(
            chain_id=chain_id,
            address=self.address,
            start_block=self.config.start_block,
            number=base,
            hash=header.hash if header else None,
            time=header.timestamp if header else None,
            finalized=base,
            updated_at=int(time.time()),
        )
        with self.engine.begin() as conn:
            save_cursor(conn, cursor, new=True)
            if header:
                save_blocks(conn, chain_id, [header])
        return cursor

    # ------------------------------------------------------------------ one sync

    def _sync(self, limit: int | None) -> int:
        """Check for a reorg, then ingest up to min(head, limit). Returns events stored."""
        cursor = self.cursor
        if cursor.halted:
            raise ReorgBeyondFinality(cursor.halted)
        tip = self.reader.tip(cursor.number if cursor.hash is not None else None)
        self._saw(tip)
        rollback: Header | None = None
        if cursor.hash is not None and (tip.block is None or tip.block.hash != cursor.hash):
            rollback = self._ancestor(cursor)
            log.warning(
                "reorg: block %d is no longer canonical; rolling back to block %d (depth %d)",
                cursor.number,
                rollback.number,
                cursor.number - rollback.number,
            )
        target = tip.head if limit is None else min(tip.head, limit)
        events = 0
        try:
            while True:
                base = rollback or self.cursor
                base_number = base.number
                base_hash = base.hash
                if base_number >= target:
                    if rollback is not None:  # the chain got shorter: only remove
                        self._commit(None, rollback)
                    break
                chunk = self._read(base_number + 1, target, base_hash)
                events += self._commit(chunk, rollback)
                rollback = None
        except ChainMoved as exc:
            log.info("the chain moved while reading (%s): checking again", exc)
        return events

    def _saw(self, tip: ChainTip) -> None:
        self.head = tip.head
        depth = self.config.finality_depth
        if depth is None and tip.finalized is not None:
            finalized = tip.finalized
        else:
            finalized = tip.head - (depth or DEFAULT_FINALITY_DEPTH)
        self._finalized = max(self._finalized, finalized)
        self.metrics.saw_head(tip.head)

    def _ancestor(self, cursor: Cursor) -> Header:
        with self.engine.connect() as conn:
            stored = stored_blocks(conn, cursor.chain_id, cursor.number)
        ancestor = common_ancestor(stored, self.reader.headers)
        if ancestor is None or ancestor.number < cursor.finalized:
            self._halt(beyond_finality_message(cursor.chain_id, cursor.number, cursor.finalized))
        assert ancestor is not None
        return ancestor

    def _halt(self, message: str) -> None:
        log.error("INDEXER HALTED: %s", message)
        halted = replace(self.cursor, halted=message, updated_at=int(time.time()))
        with self.engine.begin() as conn:
            save_cursor(conn, halted)
        self._cursor = halted
        self.metrics.halted.set(1)
        raise ReorgBeyondFinality(message)

    # ------------------------------------------------------------------ read and commit

    def _read(self, first: int, target: int, base_hash: str | None) -> _Chunk:
        """Logs of the escrow and its courts (sources.py) in first..to (to <= target, as wide
        as the node allows) with the headers that will be stored, checked to be one consistent
        chain continuing `base_hash`; older logs of a court first named here as well."""
        chain_id = self.chain_id
        to, logs = self.sources.read(chain_id, first, target, self.cursor.start_block)
        low = max(first, min(self._finalized, to))  # hashes kept from the final block up
        wanted = set(range(low, to + 1))
        untimed = {int(x["blockNumber"], 16) for x in logs if x.get("blockTimestamp") is None}
        headers = self.reader.headers(wanted | untimed)
        if any(h is None for h in headers.values()):
            raise ChainMoved(f"blocks up to {to} are gone")
        for n in range(low + 1, to + 1):
            if headers[n].parent_hash != headers[n - 1].hash:  # type: ignore[union-attr]
                raise ChainMoved(f"block {n} does not follow block {n - 1}")
        if low == first and base_hash is not None and headers[first].parent_hash != base_hash:
            raise ChainMoved(f"block {first} does not follow the indexed block {first - 1}")
        rows = []
        for entry in logs:
            number = int(entry["blockNumber"], 16)
            header = headers.get(number)
            if header is not None and header.hash != entry["blockHash"].lower():
                raise ChainMoved(f"a log of block {number} belongs to another block")
            rows.append(self.decoder.row(entry, chain_id, header.timestamp if header else None))
        rows.sort(key=lambda r: (r["block_number"], r["log_index"]))  # one canonical order
        return _Chunk(rows, [headers[n] for n in range(low, to + 1)])  # type: ignore[misc]

    def _commit(self, chunk: _Chunk | None, rollback: Header | None) -> int:
        """One transaction: remove orphaned rows, add the chunk, move the cursor, refresh."""
        cursor = self.cursor
        chain_id = cursor.chain_id
        removed: list[dict[str, Any]] = []
        with self.engine.begin() as conn:
            if rollback is not None:
                removed = self.sources.remove_above(conn, chain_id, rollback.number)
                forget_blocks(conn, chain_id, above=rollback.number)
                cursor = cursor.rolled_back(rollback, cursor.number - rollback.number)
            rows: list[dict[str, Any]] = []
            if chunk is not None:
                rows = chunk.rows
                insert_logs(conn, rows)
                save_blocks(conn, chain_id, chunk.headers)
                cursor = cursor.moved(chunk.last, self._finalized)
                forget_blocks(conn, chain_id, below=cursor.finalized)
            save_cursor(conn, cursor)
            touched = projections.touched_by([*rows, *removed])
            projections.refresh(conn, touched, _head_of(cursor))
            notify_committed(conn, chain_id, cursor.address, cursor.number, cursor.reorgs)
        self._cursor = cursor
        if rollback is not None:
            self.metrics.reorgs.inc()
        self.metrics.indexed(cursor.number, len(rows))
        if self._on_chunk is not None:
            self._on_chunk(cursor.number, len(rows))
        return len(rows)


def _head_of(cursor: Cursor) -> projections.Head:
    return projections.Head(number=cursor.number, time=cursor.time or 0)
