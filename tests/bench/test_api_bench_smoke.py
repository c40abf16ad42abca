"""The API benchmark passes through CI: `python -m bench.api --small`, the benchmark's own code
path end to end (a generated chain, the real indexer's backfill into SQLite and PostgreSQL, the
API in uvicorn workers, the load generator in its own process, the SSE latency run), on a chain
of a few hundred orders with short windows. It checks that every figure is there and every
answer was a 2xx, never the targets: a loaded CI machine says nothing about throughput."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fairkey.chain.artifacts import PROJECT_ROOT

ROUTES = ("listings", "order_timeline")
BACKENDS = ("sqlite", "postgresql")
ROUTE_FIGURES = (
    "rps",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "max_ms",
    "server_cpu_ms_per_request",
    "client_cpu_ms_per_request",
    "cpu_bound_rps",
    "vs_baseline_rps",
)
SSE_FIGURES = ("samples", "p50_ms", "p95_ms", "max_ms")
# Split at the index cursor, as the lag sampler saw it: in a 2-second window it may have sampled
# no block both before and after it was indexed, so these may be null (never missing).
SSE_SPLIT = ("indexed_p50_ms", "indexed_p95_ms", "api_p50_ms", "api_p95_ms")


def _only_2xx(figures: dict) -> None:
    statuses = figures["statuses"]
    assert statuses and all(code.startswith("2") for code in statuses), statuses
    assert figures["errors"] == 0
    assert figures["requests"] > 0 and figures["rps"] > 0


def test_the_api_benchmark_runs_end_to_end_in_its_small_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BENCH_SAVE"}  # never the committed file
    run = subprocess.run(
        [sys.executable, "-m", "bench.api", "--small", "--out", str(tmp_path)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((tmp_path / "api.json").read_text())

    assert report["mode"] == "small"
    assert 100 <= report["index"]["orders"] <= 1_000
    _only_2xx(report["baseline"])
    for route in ROUTES:
        assert set(report["routes"][route]) == set(BACKENDS)
        for backend in BACKENDS:
            figures = report["routes"][route][backend]
            assert all(isinstance(figures[name], int | float) for name in ROUTE_FIGURES), figures
            _only_2xx(figures)
    for backend in BACKENDS:
        sse = report["sse"][backend]
        assert all(sse[name] is not None for name in SSE_FIGURES), sse
        assert all(name in sse for name in SSE_SPLIT), sse
        assert sse["samples"] > 0
    assert report["sse"]["postgresql"]["wakeup"] == "listen"
    assert report["sse"]["sqlite"]["wakeup"] == "poll"
    assert isinstance(report["targets_missed"], list)  # computed, not enforced
