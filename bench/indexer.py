"""Indexer throughput and live lag on a real Anvil, against ape's own event query.

Run: ``.venv/bin/python -m bench.indexer`` (also ``python bench/indexer.py``); ≈ 3 – 4 min the
first time (the chain is generated and cached), ≈ 2 min after. Prints a table and writes
bench/out/indexer.json; exits 1 if a target is missed. What each figure means: bench/README.md
("Indexer").

1. The chain: ≥ 100,000 real fairkey escrow events from marketplace activity over a month of
   chain time (bench/indexer_load.py), generated on a fresh Anvil or loaded from the cache
   (bench/indexer_cache.py). Its escrow logs are counted with eth_getLogs.
2. Ape's baseline: `Contract.<Event>.query("*")` for every event type of the escrow, over the
   same blocks, in a child process (bench/indexer_ape.py).
3. Backfill of the same blocks into a fresh SQLite file and a fresh PostgreSQL database with
   `Indexer.backfill`: fetching, decoding, storing raw_logs and the derived tables. The stored
   rows must equal the chain's logs.
4. Live lag: 1 s blocks, a steady stream of orders, the indexer's live tail in its own process
   on the backfilled SQLite database; chain head minus indexed block sampled every 20 ms
   (bench/indexer_live.py). Afterwards the stored rows must again equal the chain's logs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/indexer.py`: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.common import BenchError, console, finish, print_table, progress, require_build
from bench.indexer_cache import PreparedChain, prepared_chain
from bench.indexer_chain import LoadError, load_rpc
from bench.indexer_live import IndexerProcess, LagSampler, LiveTraffic
from bench.indexer_load import LoadParams
from fairkey.chain.artifacts import PROJECT_ROOT
from indexer.config import IndexerConfig
from indexer.db import create_db_engine
from indexer.ingest import Indexer
from indexer.projections import DERIVED_TABLES
from indexer.store import LOGS, count_logs

TARGETS = {"events_per_s": 5_000, "ratio_vs_ape_query": 1.0, "live_lag_blocks": 1}
TARGET_OPS = {"events_per_s": ">=", "ratio_vs_ape_query": ">=", "live_lag_blocks": "<="}
PG_ADMIN_URL = os.environ.get(
    "FAIRKEY_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
LIVE_SECONDS = 30
LIVE_ORDERS_PER_BLOCK = 25
GETLOGS_RANGE = 200  # blocks per eth_getLogs when counting the chain's logs
CATCH_UP_TIMEOUT = 120.0


# ---------------------------------------------------------------------------- the chain


def count_chain_logs(url: str, escrow: str, first: int, last: int) -> int:
    """The escrow's logs in [first, last], straight from the node."""
    rpc = load_rpc(url)
    try:
        total = 0
        for start in range(first, last + 1, GETLOGS_RANGE):
            stop = min(last, start + GETLOGS_RANGE - 1)
            logs = rpc.call(
                "eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(stop), "address": escrow}]
            )
            total += len(logs)
        return total
    finally:
        rpc.close()


def prepare(stack: ExitStack, params: LoadParams, fresh: bool) -> PreparedChain:
    """The chain (cached or generated, with a progress bar meanwhile), stopped with `stack`."""
    bar = progress()
    task = bar.add_task("chain: looking for the cache", total=params.target_events)

    def on_events(events: int) -> None:
        done = min(events, params.target_events)
        bar.update(task, completed=done, description="chain: generating")

    bar.start()
    try:
        return stack.enter_context(prepared_chain(params, reuse=not fresh, progress=on_events))
    finally:
        bar.stop()


# ---------------------------------------------------------------------------- ape


def ape_baseline(url: str, escrow: str, first: int, last: int) -> dict[str, Any]:
    """bench/indexer_ape.py in a child process; its JSON answer."""
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "bench.indexer_ape", url, escrow, str(first), str(last)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=dict(os.environ, APE_DATA_FOLDER=str(PROJECT_ROOT / ".ape")),
        timeout=900,
    )
    if out.returncode != 0:
        raise BenchError(f"ape's query failed (exit {out.returncode}):\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.monotonic() - started, 2)
    result["events_per_s"] = round(result["events"] / result["seconds"], 1)
    return result


# ---------------------------------------------------------------------------- our indexer


class PgDatabase:
    """A fresh PostgreSQL database for one backfill, dropped afterwards."""

    def __init__(self, admin_url: str = PG_ADMIN_URL) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.name = f"fairkey_bench_{uuid.uuid4().hex[:10]}"
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        except Exception as exc:
            self.admin.dispose()
            raise BenchError(
                f"cannot create a PostgreSQL database at {admin_url} ({exc}); start PostgreSQL, "
                "set FAIRKEY_BENCH_PG_URL, or pass --skip-postgres"
            ) from exc
        self.url = make_url(admin_url).set(database=self.name).render_as_string(False)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def derived_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in DERIVED_TABLES
        }


def backfill(backend: str, db_url: str, chain: PreparedChain, expected: int) -> dict[str, Any]:
    """`Indexer.backfill` of the load's blocks into `db_url`; timed around the call only (the
    schema migration at construction is not per-event work)."""
    load = chain.load
    config = IndexerConfig(
        rpc_url=chain.node.url,
        db_url=db_url,
        escrow=load.deployment.escrow,
        start_block=load.first_block,
        finality_depth=None,
        max_range=2000,
    )
    console.print(f"[bold]{backend}[/]: backfill of blocks {load.first_block}–{load.last_block}")
    with Indexer(config) as indexer:
        started = time.perf_counter()
        stats = indexer.backfill(to_block=load.last_block, progress=True)
        seconds = time.perf_counter() - started
        with indexer.engine.connect() as conn:
            stored = count_logs(conn, indexer.chain_id, config.escrow)
        tables = derived_rows(indexer.engine)
        status = indexer.status()
    if stored != expected:
        raise BenchError(f"{backend}: stored {stored:,} raw logs, the chain has {expected:,}")
    return {
        "events": stored,
        "blocks": stats.blocks,
        "seconds": round(seconds, 3),
        "events_per_s": round(stored / seconds, 1),
        "indexer_stats_seconds": round(stats.seconds, 3),
        "range_splits": status.get("range_splits"),
        "derived_rows": tables,
    }


# ---------------------------------------------------------------------------- live lag


def wait_for(
    condition: Callable[[], bool],
    what: str,
    timeout: float = CATCH_UP_TIMEOUT,
    check: Callable[[], None] | None = None,
) -> None:
    """Poll `condition` (bounded); `check` raises if what we wait for died."""
    deadline = time.monotonic() + timeout
    while not condition():
        if check is not None:
            check()
        if time.monotonic() > deadline:
            raise BenchError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.05)


def live_lag(chain: PreparedChain, db_url: str, work: Path, seconds: int, rate: int) -> dict:
    """The live tail on the backfilled database, under LiveTraffic at 1 s blocks."""
    load = chain.load
    url, escrow = chain.node.url, load.deployment.escrow
    traffic = LiveTraffic(url, escrow, rate)
    traffic.setup(units=rate * (seconds + 20))
    indexer = IndexerProcess(url, db_url, escrow, load.first_block, work / "live-indexer.log")
    sampler = LagSampler(url, db_url, load.deployment.chain_id, escrow)
    rpc = load_rpc(url)

    def head() -> int:
        return int(rpc.call("eth_blockNumber"), 16)

    def indexer_alive() -> None:
        if not indexer.alive():
            raise BenchError(f"the live indexer exited; its log ends with:\n{indexer.log_tail()}")

    def caught_up(target: int):
        return lambda: (sampler.indexed() or 0) >= target

    try:
        indexer.start()
        sampler.start()
        wait_for(caught_up(head()), "the live indexer catching up", check=indexer_alive)
        traffic.start()
        with progress() as bar:
            task = bar.add_task(f"live tail: {rate} orders per 1 s block", total=seconds)
            wait_for(lambda: traffic.stats.blocks >= 3, "the first traffic blocks", 30)
            sampler.record(True)  # steady state: payments, deliveries and confirms every block
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < seconds:
                indexer_alive()
                bar.update(task, completed=min(seconds, elapsed))
                time.sleep(0.1)
            bar.update(task, completed=seconds)
            sampler.record(False)
        traffic.stop()
        time.sleep(1.5)  # the last transactions sent are mined in the next block
        target = head()
        wait_for(caught_up(target), "the live indexer draining", check=indexer_alive)
        chain_logs = count_chain_logs(url, escrow, load.first_block, target)
        stored = stored_up_to(db_url, escrow, target)
        if stored != chain_logs:
            raise BenchError(
                f"live: stored {stored:,} raw logs up to block {target}, chain has {chain_logs:,}"
            )
        summary = sampler.summary()
    finally:
        traffic.stop()
        sampler.stop()
        exit_code = indexer.stop()
        rpc.close()
    stats = traffic.stats
    return {
        "block_time_s": 1,
        "seconds": seconds,
        "orders_per_block": rate,
        **summary,
        "traffic": {
            "orders_paid": stats.orders_paid,
            "deliveries": stats.deliveries,
            "confirms": stats.confirms,
            "reverted": stats.reverted,
            "blocks": stats.blocks,
            "events": stats.events,
            "events_per_block": round(stats.events / max(1, stats.blocks), 1),
        },
        "indexer_interval_s": 0.2,
        "indexer_exit_code": exit_code,
        "checked_block": target,
        "events_stored_after": stored,
    }


def stored_up_to(db_url: str, escrow: str, block: int) -> int:
    """The escrow's stored logs up to `block` (the index also holds its arbitrator's)."""
    engine = create_db_engine(db_url, writer=False)
    try:
        with engine.connect() as conn:
            where = (LOGS.c.address == escrow.lower(), LOGS.c.block_number <= block)
            query = select(func.count()).select_from(LOGS).where(*where)
            return conn.execute(query).scalar_one()
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- report


def build_report(
    chain: PreparedChain,
    anvil_version: str,
    chain_logs: int,
    ape: dict[str, Any],
    backends: dict[str, dict[str, Any]],
    live: dict[str, Any],
    elapsed: float,
) -> dict[str, Any]:
    load = chain.load
    ours = backends["sqlite"]["events_per_s"]
    figures = {
        "events_per_s": ours,
        "ratio_vs_ape_query": round(ours / ape["events_per_s"], 3),
        "live_lag_blocks": live["lag_p95_blocks"],
    }
    missed = [
        name
        for name, limit in TARGETS.items()
        if not (figures[name] >= limit if TARGET_OPS[name] == ">=" else figures[name] <= limit)
    ]
    return {
        "anvil_version": anvil_version,
        **figures,
        "targets": {name: f"{TARGET_OPS[name]} {limit}" for name, limit in TARGETS.items()},
        "targets_met": not missed,
        "targets_missed": missed,
        "chain": {
            "events": chain_logs,
            "first_block": load.first_block,
            "last_block": load.last_block,
            "blocks": load.last_block - load.first_block + 1,
            "transactions": load.transactions,
            "orders": load.orders,
            "rounds": load.rounds,
            "chain_days": load.chain_days,
            "events_by_name": load.events_by_name,
            "order_fates": load.fates,
        },
        "generation": {
            "cached": chain.cached,
            "seconds": load.seconds,
            "events_per_s": round(load.events_per_s, 1),
            "tx_per_s": round(load.transactions / load.seconds, 1),
            "prepare_seconds_this_run": round(chain.seconds, 2),
            "cache_bytes": chain.cache_bytes,
        },
        "backends": backends,
        "ape": ape,
        "live": live,
        "duration_s": round(elapsed, 1),
    }


def rpc_client_version(url: str) -> str:
    rpc = load_rpc(url)
    try:
        return rpc.call("web3_clientVersion")
    finally:
        rpc.close()


def print_report(report: dict[str, Any], out_path: Path) -> None:
    def verdict(name: str) -> str:
        limit = report["targets"][name].replace(">=", "≥").replace("<=", "≤")
        return f"{limit} [red]NO[/]" if name in report["targets_missed"] else f"{limit} [green]✓[/]"

    chain, gen, ape, live = report["chain"], report["generation"], report["ape"], report["live"]
    rows: list[list[str] | None] = []
    for backend, data in report["backends"].items():
        target = verdict("events_per_s") if backend == "sqlite" else ""
        rows.append(
            [
                f"backfill → {backend}",
                f"{data['events']:,}",
                f"{data['seconds']:.1f}",
                f"{data['events_per_s']:,.0f}",
                target,
            ]
        )
    rows.append(
        [
            f"ape {ape['event_types']} × Event.query",
            f"{ape['events']:,}",
            f"{ape['seconds']:.1f}",
            f"{ape['events_per_s']:,.0f}",
            "",
        ]
    )
    ratio = f"×{report['ratio_vs_ape_query']}"
    rows.append(["ratio_vs_ape_query (sqlite ÷ ape)", "", "", ratio, verdict("ratio_vs_ape_query")])
    rows.append(None)
    rows.append(
        [
            f"live lag, {live['orders_per_block']} orders / 1 s block",
            f"{live['samples']:,} samples",
            f"{live['seconds']}",
            f"p50 {live['lag_p50_blocks']} · p95 {live['lag_p95_blocks']} · max "
            f"{live['lag_max_blocks']} blocks",
            verdict("live_lag_blocks"),
        ]
    )
    rows.append(
        [
            "  block seen → indexed",
            f"{live['blocks']} blocks",
            "",
            f"p50 {live['reflected_p50_s']} · p95 {live['reflected_p95_s']} · max "
            f"{live['reflected_max_s']} s",
            "",
        ]
    )
    rows.append(None)
    state = "cached" if gen["cached"] else "generated now"
    rows.append(
        [
            f"chain generation ({state})",
            f"{chain['events']:,}",
            f"{gen['seconds']:.1f}",
            f"{gen['events_per_s']:,.0f}",
            "",
        ]
    )
    print_table(
        f"fairkey indexer ({report['anvil_version']})",
        ["what", ("events", "right"), ("s", "right"), ("events/s", "right"), "target"],
        rows,
        footnotes=[
            f"chain: {chain['events']:,} escrow events in {chain['blocks']:,} blocks "
            f"({chain['transactions']:,} transactions, {chain['orders']:,} orders, "
            f"{chain['chain_days']} days of chain time).",
            "backfill: Indexer.backfill (fetch, decode, raw_logs, derived tables), timed around "
            'the call; ape: every event type\'s query("*") over the same blocks, in a child '
            "process, after one warm-up query.",
            "live lag: chain head − indexed block every 20 ms, indexer in its own process "
            "(0.2 s polling); block seen → indexed: wall clock from a block's appearance at the "
            "node to its appearance in the index.",
            f"JSON: {out_path}",
        ],
    )


# ---------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.indexer", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events to generate")
    parser.add_argument("--fresh", action="store_true", help="regenerate the chain (no cache)")
    parser.add_argument("--live-seconds", type=int, default=LIVE_SECONDS)
    parser.add_argument("--orders-per-block", type=int, default=LIVE_ORDERS_PER_BLOCK)
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    require_build()
    params = LoadParams(target_events=args.events)
    work = Path(tempfile.mkdtemp(prefix="fairkey-bench-indexer-"))
    ok = False
    try:
        with ExitStack() as stack:
            chain = prepare(stack, params, args.fresh)
            load = chain.load
            escrow = load.deployment.escrow
            how = "loaded from the cache" if chain.cached else "generated"
            console.print(
                f"chain {how} in {chain.seconds:.1f} s: {load.events:,} events, blocks "
                f"{load.first_block}–{load.last_block}, escrow {escrow}"
            )
            chain_logs = count_chain_logs(chain.node.url, escrow, load.first_block, load.last_block)
            if chain_logs != load.events or chain_logs < args.events:
                raise BenchError(
                    f"the chain holds {chain_logs:,} escrow logs; the generator counted "
                    f"{load.events:,} (wanted ≥ {args.events:,})"
                )
            with console.status("ape: Contract.<Event>.query for every event type"):
                ape = ape_baseline(chain.node.url, escrow, load.first_block, load.last_block)
            if ape["events"] != chain_logs:
                raise BenchError(f"ape's queries returned {ape['events']:,} of {chain_logs:,}")
            sqlite_url = f"sqlite:///{work / 'index.sqlite3'}"
            backends = {"sqlite": backfill("sqlite", sqlite_url, chain, chain_logs)}
            if not args.skip_postgres:
                pg = PgDatabase()
                try:
                    backends["postgresql"] = backfill("postgresql", pg.url, chain, chain_logs)
                finally:
                    pg.drop()
            live = live_lag(chain, sqlite_url, work, args.live_seconds, args.orders_per_block)
            version = rpc_client_version(chain.node.url)
        report = build_report(
            chain, version, chain_logs, ape, backends, live, time.monotonic() - started
        )
        ok = True
        return report
    finally:
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            console.print(f"[red]kept the work folder (database, live indexer log): {work}[/]")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except (BenchError, LoadError) as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    return finish("indexer", report, print_report)


if __name__ == "__main__":
    sys.exit(main())
