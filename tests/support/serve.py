"""Serve an HTTP app (FastAPI) in-process on a free loopback port, for tests and benchmarks.

Test-only: the product's services run under `uvicorn` from their own commands. The benchmarks
import it from here too (`bench/delivery.py`); neither tests/ nor bench/ is packaged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from fairkey.chain.anvil import free_port


@contextmanager
def serve_in_thread(
    app: Any, start_timeout: float = 10.0, port: int | None = None
) -> Iterator[str]:
    """Runs `app` with uvicorn on 127.0.0.1 (on `port`, else a free one) in a background thread;
    yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="off",
        # At the end nothing is in flight but open event streams, which never end by themselves:
        # wait a moment for them, not seconds, before uvicorn cancels them.
        timeout_graceful_shutdown=0.25,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
