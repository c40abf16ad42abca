"""The backfill's progress bar (blocks done of the range, events stored, events per second)."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class BackfillProgress:
    """`with BackfillProgress(first, last) as bar: bar.advance(to_block, events)`; silent when
    `enabled` is false (library use, benchmarks)."""

    def __init__(self, first: int, last: int, enabled: bool = True) -> None:
        self.first = first
        self.events = 0
        self._started = time.monotonic()
        self._progress = (
            Progress(
                TextColumn("[bold]backfill"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("blocks"),
                TextColumn("{task.fields[events]:,} events"),
                TextColumn("{task.fields[rate]:,.0f} ev/s"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            if enabled
            else None
        )
        self._task = None
        self._total = max(0, last - first + 1)

    def __enter__(self) -> BackfillProgress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("backfill", total=self._total, events=0, rate=0.0)
        return self

    def advance(self, to_block: int, events: int) -> None:
        self.events += events
        if self._progress is not None and self._task is not None:
            rate = self.events / max(time.monotonic() - self._started, 1e-6)
            done = min(self._total, max(0, to_block - self.first + 1))
            self._progress.update(self._task, completed=done, events=self.events, rate=rate)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
