"""Child processes for `make up`: start each service with its own log, restart one that dies
(every service is safe to restart at any moment), give up on one that keeps dying, and stop
them all cleanly (SIGTERM, then SIGKILL after a grace period)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fairkey.chain.anvil import parent_death_signal

MAX_RESTARTS = 5  # within RESTART_WINDOW seconds; then the service is reported as failed
RESTART_WINDOW = 60.0


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)  # monotonic times of recent restarts
    failed: bool = False  # kept dying: no more restarts


@dataclass
class Supervisor:
    log_dir: Path
    services: list[Service] = field(default_factory=list)

    clock: Callable[[], float] = time.monotonic
    pass_fds: tuple[int, ...] = ()  # descriptors every child inherits (`make up`: its lock)
    die_with_parent: bool = False  # children get SIGTERM when this process dies (Linux)

    def start(self, service: Service) -> Service:
        self._spawn(service)
        self.services.append(service)
        return service

    def _spawn(self, service: Service) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{service.name}.log", "ab")  # noqa: SIM115 - owned by the child
        service.process = subprocess.Popen(
            service.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, **service.env),
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
            pass_fds=self.pass_fds,
            preexec_fn=parent_death_signal() if self.die_with_parent else None,
        )
        log.close()  # the child has its own copy of the descriptor

    def dead(self) -> list[Service]:
        """Services that exited on their own (and were not restarted yet)."""
        return [s for s in self.services if s.process and s.process.poll() is not None]

    def revive(self) -> list[tuple[Service, int]]:
        """Restart every service that exited, unless it already restarted MAX_RESTARTS times in
        the last RESTART_WINDOW seconds (then it is marked failed). Returns (service, exit code)
        for each restart made."""
        revived = []
        now = self.clock()
        for service in self.dead():
            if service.failed:
                continue
            service.restarts = [t for t in service.restarts if now - t < RESTART_WINDOW]
            if len(service.restarts) >= MAX_RESTARTS:
                service.failed = True
                continue
            code = service.process.returncode
            service.restarts.append(now)
            self._spawn(service)
            revived.append((service, code))
        return revived

    def failed(self) -> list[Service]:
        """Services that kept dying and are no longer restarted."""
        return [s for s in self.services if s.failed]

    def stop_all(self, grace: float = 10.0) -> None:
        for service in reversed(self.services):
            if service.process and service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        for service in reversed(self.services):
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()
