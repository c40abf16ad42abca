"""The service loop: a step that did work is followed at once; an idle step waits the interval."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from fairkey.services.runner import run_loop


def test_a_step_that_worked_is_followed_at_once_and_an_idle_one_waits_the_interval():
    stop = threading.Event()
    calls: list[float] = []

    def step():
        calls.append(time.monotonic())
        if len(calls) == 4:  # three busy steps, then one idle step: the loop must pause here
            threading.Timer(0.3, stop.set).start()
        return SimpleNamespace(worked=len(calls) <= 3)

    started = time.monotonic()
    assert run_loop(step, interval=30.0, stop=stop) == 0
    # Busy steps back to back (not 30 s apart); the idle fourth step waits until the stop.
    assert len(calls) == 4
    assert calls[3] - started < 5.0
    assert time.monotonic() - calls[3] >= 0.25
