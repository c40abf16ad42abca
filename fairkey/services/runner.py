"""Run a service's `step()` again and again until SIGTERM or SIGINT, then return cleanly.

A step that raises is logged (one line) and the loop goes on: the next step retries whatever
failed, so a node restart or a lost transaction never stops a service. A step that did work
(its result has a true `worked`) is followed at once by the next one instead of the pause: a
burst of orders that arrived while the bot was busy is served without waiting a poll interval.
A signal only sets a flag, so the step in progress finishes (no half-sent transaction) before
the loop returns.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run_loop(
    step: Callable[[], Any],
    *,
    interval: float = 1.0,
    once: bool = False,
    log: logging.Logger | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Call `step()` every `interval` seconds until SIGTERM/SIGINT (or `stop` is set).

    `once`: a single step, whose failure is returned as exit code 1. Otherwise returns 0 after a
    clean stop. Signal handlers are installed only in the main thread and restored on return.
    """
    log = log or logging.getLogger("fairkey.services")
    stop = stop or threading.Event()
    previous: dict[int, Any] = {}

    def _on_signal(signum: int, _frame: object) -> None:
        log.info("%s received: stopping after the current step", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            previous[sig] = signal.signal(sig, _on_signal)
    try:
        while not stop.is_set():
            worked = False
            try:
                worked = bool(getattr(step(), "worked", False))
            except Exception as exc:  # noqa: BLE001 - logged; the next step retries
                log.error("step failed: %s: %s", type(exc).__name__, exc)
                log.debug("step failure details", exc_info=True)
                if once:
                    return 1
            if once:
                return 0
            if not worked:
                stop.wait(interval)
        log.info("stopped")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
