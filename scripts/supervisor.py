"""Child processes for `make up`: start each service with its own log, notice if one dies,
stop them all cleanly (SIGTERM, then SIGKILL after a grace period)."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None


@dataclass
class Supervisor:
    log_dir: Path
    services: list[Service] = field(default_factory=list)

    def start(self, service: Service) -> Service:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{service.name}.log", "ab")  # noqa: SIM115 - owned by the child
        service.process = subprocess.Popen(
            service.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, **service.env),
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
        )
        self.services.append(service)
        return service

    def dead(self) -> list[Service]:
        """Services that exited on their own."""
        return [s for s in self.services if s.process and s.process.poll() is not None]

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
