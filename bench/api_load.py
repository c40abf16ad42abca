"""The API benchmark's load generator, a separate process: `python -m bench.api_load <spec.json>`
prints one JSON line of results.

`connections` keep-alive HTTP/1.1 connections each send a request, read the whole answer, and
send the next (a closed loop, as wrk does), cycling through `paths`, for `warmup_s` unmeasured
seconds and then `duration_s` measured ones. Requests are written and answers parsed by hand on
asyncio streams: a general client (httpx) costs several times the CPU per request, which on a
2-core machine would be taken from the server being measured.

Latency is from writing the request to reading the last byte of its answer; `rps` counts the
answers completed in the measured window, every status included (`statuses` tells them apart,
`errors` counts broken connections). `all_requests` includes the warm-up;
`client_cpu_ms_per_request` is this process's CPU time per request (on a loaded machine, it
shows where the cores went).
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile: an observed value."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """One answer's status and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, keep = 0, False, True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and value.strip().lower() == "close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep


async def _connection(
    host: str, port: int, requests: list[bytes], offset: int, window: dict[str, float], out: dict
) -> None:
    reader = writer = None
    i = offset
    while time.monotonic() < window["end"]:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            request = requests[i % len(requests)]
            i += 1
            started = time.monotonic()
            writer.write(request)
            status, keep = await _read_answer(reader)
            done = time.monotonic()
            out["all"] += 1
            if window["start"] <= started and done <= window["end"]:
                out["latencies"].append(done - started)
                out["statuses"][status] += 1
            if not keep:
                writer.close()
                reader = writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            out["errors"] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    url = urlsplit(spec["base_url"])
    host, port = url.hostname or "127.0.0.1", url.port or 80
    headers = "".join(f"{k}: {v}\r\n" for k, v in spec.get("headers", {}).items())
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\n{headers}\r\n".encode()
        for path in spec["paths"]
    ]
    now = time.monotonic()
    window = {"start": now + spec["warmup_s"], "end": now + spec["warmup_s"] + spec["duration_s"]}
    out: dict[str, Any] = {"latencies": [], "statuses": Counter(), "errors": 0, "all": 0}
    connections = spec["connections"]
    step = max(1, len(requests) // connections)
    await asyncio.gather(
        *(_connection(host, port, requests, c * step, window, out) for c in range(connections))
    )
    latencies = out["latencies"]
    seconds = spec["duration_s"]
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(pct(latencies, 0.50) * 1000, 2) if latencies else None,
        "p90_ms": round(pct(latencies, 0.90) * 1000, 2) if latencies else None,
        "p99_ms": round(pct(latencies, 0.99) * 1000, 2) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 2) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(out["statuses"].items())},
        "errors": out["errors"],
        "all_requests": out["all"],
        "client_cpu_ms_per_request": round(time.process_time() / max(1, out["all"]) * 1000, 3),
        "connections": connections,
        "paths": len(requests),
    }


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    print(json.dumps(asyncio.run(run(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
