"""Helpers for the notification tests: an SSE client reading a real HTTP stream in a thread, and
the API as a real `python -m api` process (several of them share one PostgreSQL index)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from fairkey.chain.anvil import free_port
from fairkey.chain.artifacts import PROJECT_ROOT


@dataclass
class Sse:
    """One server-sent event; `data` decoded from JSON; `at` its arrival (time.monotonic)."""

    event: str
    id: str | None
    data: dict
    at: float


class SseReader:
    """Reads `GET url` as an event stream in a thread; the test takes the events from a queue."""

    def __init__(self, url: str, headers: dict | None = None, cookies: dict | None = None):
        self.events: queue.Queue[Sse | BaseException] = queue.Queue()
        self.status: int | None = None
        self.body: str = ""
        self._opened = threading.Event()
        self._response: httpx.Response | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(60, read=None), cookies=cookies)
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()
        if not self._opened.wait(30):
            raise TimeoutError(f"no answer from {url}")

    def _read(self, url: str, headers: dict | None) -> None:
        try:
            with self._client.stream("GET", url, headers=headers or {}) as response:
                self._response = response
                self.status = response.status_code
                if response.status_code != 200:
                    self.body = response.read().decode()
                    self._opened.set()
                    return
                self._opened.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if line == "":
                        if "data" in fields:
                            self.events.put(
                                Sse(
                                    fields.get("event", "message"),
                                    fields.get("id"),
                                    json.loads(fields["data"]),
                                    time.monotonic(),
                                )
                            )
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
                self.events.put(Sse("end", None, {}, time.monotonic()))  # the server closed it
        except Exception as exc:  # noqa: BLE001 - handed to the test (closing ends it too)
            self._opened.set()
            self.events.put(exc)

    def next(self, timeout: float = 20.0) -> Sse:
        item = self.events.get(timeout=timeout)
        if isinstance(item, BaseException):
            raise item
        return item

    def ready(self) -> Sse:
        first = self.next()
        assert first.event == "ready", first
        return first

    def until(self, predicate, timeout: float = 20.0) -> list[Sse]:
        """Events up to and including the first that satisfies `predicate`."""
        seen: list[Sse] = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching event; got {[(e.event, e.data) for e in seen]}")
            seen.append(self.next(left))
            if predicate(seen[-1]):
                return seen

    def quiet(self, seconds: float) -> list[Sse]:
        """What arrives within `seconds` (expected: nothing)."""
        got = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(self.next(left))
            except queue.Empty:
                break
        return got

    def close(self) -> None:
        # The reading thread blocks in recv until the server's next ping (15 s): closing the
        # client does not wake it, shutting its socket down does.
        stream = self._response.extensions.get("network_stream") if self._response else None
        sock = stream.get_extra_info("socket") if stream else None
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed by the server
                sock.shutdown(socket.SHUT_RDWR)
        self._client.close()
        self._thread.join(timeout=5)


@contextmanager
def sse(url: str, headers: dict | None = None, cookies: dict | None = None) -> Iterator[SseReader]:
    reader = SseReader(url, headers, cookies)
    try:
        yield reader
    finally:
        reader.close()


def bearer_of(client: httpx.Client) -> dict:
    return {"Authorization": client.headers["authorization"]}


@dataclass
class ApiProcess:
    url: str
    process: subprocess.Popen
    log: Path
    clients: list[httpx.Client] = field(default_factory=list)


@contextmanager
def api_process(env: dict[str, str], log: Path, timeout: float = 60.0) -> Iterator[ApiProcess]:
    """`python -m api` on a free port with `env` (FAIRKEY_API_* settings); stopped on exit."""
    port = free_port()
    full = {**os.environ, **env, "FAIRKEY_API_HOST": "127.0.0.1", "FAIRKEY_API_PORT": str(port)}
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "api"], cwd=PROJECT_ROOT, env=full, stdout=out, stderr=out
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the API exited ({process.returncode}):\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the API did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield ApiProcess(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        out.close()
