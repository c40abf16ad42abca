"""The API under benchmark: `uvicorn --factory api.app:create_app` in its own process, configured
by environment (ApiSettings, FAIRKEY_API_*), with `workers` processes on one socket, no access
log (one log line per request would be measured too); and a do-nothing FastAPI app served the
same way, the baseline: what uvicorn and FastAPI alone allow on this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi import FastAPI

from api.db import Database
from bench.common import BenchError
from fairkey.chain.anvil import free_port
from fairkey.chain.artifacts import PROJECT_ROOT

PUBLIC_URL = "http://localhost:8800"  # the origin sign-in messages name
START_TIMEOUT = 90.0

baseline = FastAPI()


@baseline.get("/health")
def _baseline_health() -> dict:
    """The same kind of answer as a real route, with no work behind it."""
    return {"status": "ok"}


def api_env(
    *, rpc_url: str, court: str, escrow: str, index_url: str, store_url: str, work: Path
) -> dict[str, str]:
    """The settings of an API over `index_url` (and its store at `store_url`)."""
    return {
        "FAIRKEY_API_RPC_URL": rpc_url,
        "FAIRKEY_API_HOME": str(work / "home"),
        "FAIRKEY_API_COURT_ADDRESS": court,
        "FAIRKEY_API_COURT_FROM_BLOCK": "0",
        "FAIRKEY_API_ESCROW_ADDRESS": escrow,
        "FAIRKEY_API_INDEX_DB_URL": index_url,
        "FAIRKEY_API_DB_URL": store_url,
        "FAIRKEY_API_DATA_DIR": str(work / "api"),
        "FAIRKEY_API_PUBLIC_URL": PUBLIC_URL,
        "FAIRKEY_API_SIGNIN_BURST": "1000",
    }


class ServerProcess:
    """uvicorn serving `target` (an app factory unless `factory=False`) on a free port."""

    def __init__(
        self, target: str, env: dict[str, str], log: Path, workers: int, factory: bool = True
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--workers", str(workers), "--no-access-log"]
        args += ["--log-level", "warning", *(["--factory"] if factory else [])]
        store = env.get("FAIRKEY_API_DB_URL")
        if store:  # workers would race to create the store's tables: create them first
            Database.open(store).close()
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                args,
                cwd=PROJECT_ROOT,
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers are stopped with it
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"the server exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"the server did not start in {START_TIMEOUT:.0f} s:\n{self.tail()}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and its workers."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # field 5, the process group: ours
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
