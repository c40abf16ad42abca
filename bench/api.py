"""API throughput and notification latency, on an index of the indexer benchmark's marketplace.

Run: ``.venv/bin/python -m bench.api`` (also ``python bench/api.py``); ≈ 6 min with the chain
cached (bench/indexer_cache.py: the same chain as ``bench.indexer``, generated once). Prints a
table and writes bench/out/api.json; exits 1 if a target is missed. Figures: below.

1. The index: the indexer benchmark's chain (≥ 100,000 events, 32,000 orders), backfilled with
   the real indexer into a fresh SQLite file and a fresh PostgreSQL database.
2. Throughput: for each database, the API (`uvicorn --factory api.app:create_app`, `WORKERS`
   processes) over it, and the load generator in its own process (bench/api_load.py:
   `CONNECTIONS` keep-alive connections in a closed loop) on `GET /listings` (a few sorts and
   filters) and on `GET /orders/{id}` (an order and its timeline, 2,000 orders of the index).
   The baseline, measured the same way in the same run: a FastAPI route that does nothing.
3. Notifications: 1-second blocks and a steady stream of one buyer's orders (paid, delivered,
   confirmed), the indexer's live tail on each database in turn, an SSE client of that buyer;
   from a block's first sight at the node to its events' arrival (bench/api_sse.py).

Figures (bench/out/api.json):
- `routes.<listings|order_timeline>.<sqlite|postgresql>`: `rps` (2xx answers per second in the
  measured window), `p50_ms` / `p90_ms` / `p99_ms` / `max_ms` (nearest rank), `statuses`,
  `server_cpu_ms_per_request` (the server's workers' CPU time over all its requests, warm-up
  included), `client_cpu_ms_per_request` (the load generator's), `cpu_bound_rps` (what this
  machine's cores allow at those costs: nproc × 1000 / (server + client ms), the figure to read
  when other processes take the cores), `vs_baseline_rps`.
- `baseline`: the same for a FastAPI route that does nothing (uvicorn with httptools and uvloop,
  `server.uvicorn` says what it picked).
- `sse.<backend>`: `p50_ms` / `p95_ms` / `max_ms` from a block's first sight at the node to the
  SSE client, split into `indexed_*` (the indexer: block → index cursor) and `api_*` (the API:
  index cursor → client), `wakeup` (listen: NOTIFY; poll), `samples`, `by_event`.
- `sse_p95_ms`: the worst backend's `p95_ms`. Targets: `rps` ≥ 1,000 and `p99_ms` ≤ 50 per
  route and database, `sse_p95_ms` ≤ 1,500 (`targets_missed` names what was missed).

`--small` (the test suite's smoke run, tests/bench/test_api_bench_smoke.py): the same steps on a
chain of a few hundred orders, with 1 s of load per route and a 2-second SSE window, written
to `--out` if given; its figures are reported but its targets are not enforced (exit 0 unless a
step fails): a loaded CI machine says nothing about them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/api.py`: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.api_server import ServerProcess, api_env
from bench.api_sse import SseRun, Traffic, measure
from bench.common import BenchError, console, finish, print_table, require_build, write_results
from bench.indexer import PgDatabase, backfill, prepare
from bench.indexer_load import LoadParams
from fairkey.chain.artifacts import PROJECT_ROOT
from indexer.db import create_db_engine
from indexer.projections.models import OrderRow

TARGETS = {"rps": 1_000, "p99_ms": 50, "sse_p95_ms": 1_500}
WORKERS = 2  # one per core of this 2-core machine
CONNECTIONS = 16


@dataclass(frozen=True)
class Mode:
    """How big a run is: the chain, the load per route, the SSE window."""

    chain: LoadParams = field(default_factory=LoadParams)
    warmup_s: float = 2.0
    duration_s: float = 10.0
    sse_seconds: float = 20.0
    order_sample: int = 2_000  # orders of the index `GET /orders/{id}` cycles through


FULL = Mode()
SMALL = Mode(  # a few hundred orders (≈ 1,200 events), generated in seconds, then cached
    chain=LoadParams(
        target_events=1_200,
        orders_per_round=150,
        merchants=2,
        buyers=40,
        fraudsters=2,
        batch_size=200,
        max_rounds=20,
    ),
    warmup_s=0.3,
    duration_s=1.0,
    sse_seconds=2.0,
    order_sample=200,
)
LISTING_PATHS = [
    "/listings",
    "/listings?sort=success",
    "/listings?sort=price&in_stock=true",
    "/listings?sort=score&limit=50",
]
ROUTES = ("listings", "order_timeline")


def order_paths(db_url: str, sample: int) -> list[str]:
    """`GET /orders/{id}` of `sample` orders spread over the index (every n-th by id)."""
    engine = create_db_engine(db_url, writer=False)
    try:
        with engine.connect() as conn:
            ids = list(conn.scalars(select(OrderRow.order_id).order_by(OrderRow.order_id)))
    finally:
        engine.dispose()
    step = max(1, len(ids) // sample)
    return [f"/orders/{oid}" for oid in ids[::step][:sample]]


def checkpoint(sqlite_url: str) -> None:
    """Folds the backfill's write-ahead log into the database file, as a live indexer's steady
    trickle of commits keeps it folded: the first live commits must not pay for a 100,000-event
    backfill's checkpoint (that would be measured as notification latency)."""
    conn = sqlite3.connect(make_url(sqlite_url).database or "")
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def load(
    server: ServerProcess, paths: list[str], work: Path, name: str, mode: Mode
) -> dict[str, Any]:
    """bench/api_load.py in its own process against `server`; with the server's CPU time per
    request (its workers included, warm-up included)."""
    spec = work / f"load-{name}.json"
    spec.write_text(
        json.dumps(
            {
                "base_url": server.url,
                "paths": paths,
                "connections": CONNECTIONS,
                "warmup_s": mode.warmup_s,
                "duration_s": mode.duration_s,
            }
        )
    )
    cpu_before = server.cpu_seconds()
    out = subprocess.run(
        [sys.executable, "-m", "bench.api_load", str(spec)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=mode.warmup_s + mode.duration_s + 120,
    )
    if out.returncode != 0:
        raise BenchError(f"the load generator failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    cpu = server.cpu_seconds() - cpu_before
    result["server_cpu_ms_per_request"] = round(cpu / max(1, result["all_requests"]) * 1000, 3)
    per_request = result["server_cpu_ms_per_request"] + result["client_cpu_ms_per_request"]
    result["cpu_bound_rps"] = round((os.cpu_count() or 1) * 1000 / per_request, 1)
    ok = sum(v for k, v in result["statuses"].items() if k.startswith("2"))
    if ok != result["requests"] or result["requests"] == 0:
        raise BenchError(f"{name}: not every answer was a 2xx: {result['statuses']}")
    return result


def missed_targets(report: dict[str, Any]) -> list[str]:
    missed = []
    for route in ROUTES:
        for backend, figures in report["routes"][route].items():
            if figures["rps"] < TARGETS["rps"]:
                missed.append(f"{route}.{backend}.rps")
            if figures["p99_ms"] > TARGETS["p99_ms"]:
                missed.append(f"{route}.{backend}.p99_ms")
    if report["sse_p95_ms"] is None or report["sse_p95_ms"] > TARGETS["sse_p95_ms"]:
        missed.append("sse_p95_ms")
    return missed


def show(report: dict[str, Any], out_path: Path) -> None:
    rows: list[Any] = []
    base = report["baseline"]
    rows.append(
        ["baseline (a route doing nothing)", "", f"{base['rps']:,.0f}", base["p99_ms"],
         base["server_cpu_ms_per_request"], ""]
    )  # fmt: skip
    for route in ROUTES:
        rows.append(None)
        for backend, f in report["routes"][route].items():
            rows.append(
                [route, backend, f"{f['rps']:,.0f}", f["p99_ms"], f["server_cpu_ms_per_request"],
                 f"×{f['vs_baseline_rps']:.2f}"]
            )  # fmt: skip
    rows.append(None)
    for backend, s in report["sse"].items():
        rows.append(["sse: block → client", backend, "", "", "", f"p95 {s['p95_ms']} ms"])
        rows.append(
            ["  of which block → indexed", backend, "", "", "", f"p95 {s['indexed_p95_ms']} ms"]
        )
        rows.append(
            ["  of which indexed → client", backend, "", "", "", f"p95 {s['api_p95_ms']} ms"]
        )
    print_table(
        f"API: {report['index']['orders']:,} orders, {report['server']['workers']} workers, "
        f"{CONNECTIONS} connections",
        [
            "route",
            "database",
            ("rps", "right"),
            ("p99 ms", "right"),
            ("server CPU ms/req", "right"),
            ("note", "right"),
        ],  # fmt: skip
        rows,
        [
            f"targets: rps ≥ {TARGETS['rps']:,}, p99 ≤ {TARGETS['p99_ms']} ms, "
            f"sse_p95_ms ≤ {TARGETS['sse_p95_ms']:,} (worst: {report['sse_p95_ms']})",
            f"written to {out_path}",
        ],
    )


def _throughput(
    report: dict[str, Any], stack: ExitStack, chain: Any, urls: dict[str, str], work: Path,
    workers: int, mode: Mode,
) -> dict[str, ServerProcess]:  # fmt: skip
    """The baseline, then each route on each database; returns the API servers (still up)."""
    console.print("[bold]baseline[/]: a FastAPI route doing nothing")
    base = ServerProcess(
        "bench.api_server:baseline", {}, work / "baseline.log", workers, factory=False
    )
    try:
        report["baseline"] = load(base, ["/health"], work, "baseline", mode)
    finally:
        base.stop()
    deployment = chain.load.deployment
    orders = order_paths(urls["sqlite"], mode.order_sample)
    servers: dict[str, ServerProcess] = {}
    report["routes"] = {route: {} for route in ROUTES}
    for backend, url in urls.items():
        store = url if backend == "postgresql" else f"sqlite:///{work / 'store.sqlite3'}"
        env = api_env(
            rpc_url=chain.node.url,
            court=deployment.arbitrator,
            escrow=deployment.escrow,
            index_url=url,
            store_url=store,
            work=work / backend,
        )
        server = ServerProcess("api.app:create_app", env, work / f"api-{backend}.log", workers)
        stack.callback(server.stop)
        servers[backend] = server
        for route, paths in (("listings", LISTING_PATHS), ("order_timeline", orders)):
            console.print(f"[bold]{backend}[/]: {route} under load")
            figures = load(server, paths, work, f"{route}-{backend}", mode)
            figures["vs_baseline_rps"] = round(figures["rps"] / report["baseline"]["rps"], 3)
            report["routes"][route][backend] = figures
    return servers


def _notifications(
    report: dict[str, Any], stack: ExitStack, chain: Any, urls: dict[str, str],
    servers: dict[str, ServerProcess], work: Path, seconds: float,
) -> None:  # fmt: skip
    console.print("[bold]notifications[/]: 1-second blocks, one buyer's orders")
    traffic = Traffic(chain.node.url, chain.load.deployment.escrow)
    try:
        for backend, url in urls.items():
            console.print(f"[bold]{backend}[/]: block → SSE client")
            report["sse"][backend] = measure(
                SseRun(backend, servers[backend].url, url),
                node_url=chain.node.url,
                escrow=chain.load.deployment.escrow,
                start_block=chain.load.first_block,
                chain_id=chain.node.chain_id,
                seconds=seconds,
                work=work,
            )
    finally:
        report["sse_traffic"] = traffic.stop()


def run(args: argparse.Namespace) -> dict[str, Any]:
    require_build()
    mode = SMALL if args.small else FULL
    sse_seconds = args.sse_seconds if args.sse_seconds is not None else mode.sse_seconds
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="fairkey-bench-api-"))
    report: dict[str, Any] = {"targets": dict(TARGETS), "sse": {}}
    try:
        with ExitStack() as stack:
            chain = prepare(stack, mode.chain, args.fresh)
            urls = {"sqlite": f"sqlite:///{work / 'index.sqlite3'}"}
            if not args.skip_postgres:
                pg = PgDatabase()
                stack.callback(pg.drop)
                urls["postgresql"] = pg.url
            index: dict[str, Any] = {"orders": chain.load.orders, "events": chain.load.events}
            for backend, url in urls.items():
                done = backfill(backend, url, chain, chain.load.events)
                done.pop("derived_rows", None)
                index[f"{backend}_backfill"] = done
            checkpoint(urls["sqlite"])
            report["index"] = index
            servers = _throughput(report, stack, chain, urls, work, args.workers, mode)
            if not args.skip_sse:
                _notifications(report, stack, chain, urls, servers, work, sse_seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    p95s = [s["p95_ms"] for s in report["sse"].values()]
    report["sse_p95_ms"] = max(p95s) if p95s else None
    report["server"] = {
        "workers": args.workers,
        "connections": CONNECTIONS,
        "warmup_s": mode.warmup_s,
        "duration_s": mode.duration_s,
        "uvicorn": _uvicorn_stack(),
    }
    report["mode"] = "small" if args.small else "full"
    report["targets_missed"] = missed_targets(report)
    report["targets_met"] = not report["targets_missed"]
    report["duration_s"] = round(time.monotonic() - started, 1)
    return report


def _uvicorn_stack() -> str:
    """What uvicorn's `auto` picks here: httptools and uvloop when installed."""
    found = {name: importlib.util.find_spec(name) is not None for name in ("httptools", "uvloop")}
    http = "httptools" if found["httptools"] else "h11"
    return f"{http}, {'uvloop' if found['uvloop'] else 'asyncio'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--fresh", action="store_true", help="regenerate the chain (no cache)")
    parser.add_argument("--workers", type=int, default=WORKERS, help="uvicorn worker processes")
    parser.add_argument("--sse-seconds", type=float, default=None, help="the SSE window")
    parser.add_argument("--skip-sse", action="store_true", help="throughput only (a quick look)")
    parser.add_argument(
        "--small", action="store_true", help="a smoke run: small chain, short load, no targets"
    )
    parser.add_argument("--out", type=Path, default=None, help="write api.json into this folder")
    args = parser.parse_args(argv)
    try:
        report = run(args)
    except BenchError as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    missed = [] if args.small else None  # a smoke run reports its figures, enforces nothing
    if args.out is None:
        return finish("api", report, show, missed)
    path = write_results("api", report, args.out)
    show(report, path)
    return 0 if args.small or report["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
