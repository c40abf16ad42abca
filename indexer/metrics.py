"""Prometheus metrics of one indexer: how far behind the chain it is and how fast it goes.

Each Indexer has its own registry (tests and embedding programs run several in one process);
`serve(port)` exposes it on a real HTTP port for a Prometheus scraper.
"""

from __future__ import annotations

import errno
import time
from collections import deque
from http.server import ThreadingHTTPServer
from threading import Lock, Thread

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

RATE_WINDOW = 10.0  # seconds of history behind the events-per-second gauge


class MetricsServerError(OSError):
    """The metrics server could not listen on `addr:port` (`in_use`: another process has it)."""

    def __init__(self, addr: str, port: int, cause: OSError) -> None:
        self.addr, self.port, self.cause = addr, port, cause
        self.in_use = cause.errno == errno.EADDRINUSE
        reason = "already in use" if self.in_use else (cause.strerror or str(cause))
        super().__init__(cause.errno, f"cannot serve metrics on {addr}:{port}: {reason}")


class IndexerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.head_lag = Gauge(
            "fairkey_indexer_head_lag_blocks", "Chain head minus the indexed block.", registry=r
        )
        self.indexed_block = Gauge(
            "fairkey_indexer_indexed_block", "Last block whose logs are stored.", registry=r
        )
        self.chain_head = Gauge(
            "fairkey_indexer_chain_head_block", "Latest block the node reported.", registry=r
        )
        self.events = Counter(
            "fairkey_indexer_events",
            "Escrow events stored (re-ingested ones count again).",
            registry=r,
        )
        self.reorgs = Counter("fairkey_indexer_reorgs", "Reorgs rolled back.", registry=r)
        self.events_per_second = Gauge(
            "fairkey_indexer_events_per_second",
            f"Events stored per second over the last {RATE_WINDOW:.0f} s.",
            registry=r,
        )
        self.halted = Gauge(
            "fairkey_indexer_halted", "1 when a reorg beyond finality stopped it.", registry=r
        )
        self._recent: deque[tuple[float, int]] = deque()
        self._lock = Lock()
        self._server: tuple[ThreadingHTTPServer, Thread] | None = None
        self._head = 0
        self._indexed = 0

    def saw_head(self, head: int) -> None:
        self._head = head
        self.chain_head.set(head)
        self.head_lag.set(max(0, head - self._indexed))
        self._count(0)  # an idle indexer's rate decays to 0

    def indexed(self, block: int, events: int) -> None:
        self._indexed = block
        self.indexed_block.set(block)
        self.head_lag.set(max(0, self._head - block))
        self.events.inc(events)
        self._count(events)

    def _count(self, events: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent.append((now, events))
            while self._recent[0][0] < now - RATE_WINDOW:
                self._recent.popleft()
            span = max(now - self._recent[0][0], 1.0)
            self.events_per_second.set(sum(n for _, n in self._recent) / span)

    def serve(self, port: int, addr: str = "127.0.0.1") -> int:
        """Serves /metrics on `addr:port` (port 0: a free one) in a daemon thread; the port.
        Raises MetricsServerError when the port is taken or the address is not this host's."""
        try:
            server, thread = start_http_server(port, addr=addr, registry=self.registry)
        except OSError as exc:
            raise MetricsServerError(addr, port, exc) from exc
        self._server = (server, thread)
        return server.server_address[1]

    def close(self) -> None:
        if self._server is not None:
            server, thread = self._server
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self._server = None
