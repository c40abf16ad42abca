"""`fairkey index run|backfill|reindex|status`: the escrow's events into SQL (SQLite in the data
folder by default, PostgreSQL by URL) and the reputation tables derived from them.

Registered in fairkey/cli/main.py as `app.add_typer(index_cmd.app, name="index", ...)`.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fairkey.chain.deploy import Deployment
from fairkey.chain.rpc_errors import NodeUnavailable, RpcError
from fairkey.cli import reputation_cmd
from fairkey.cli.context import state
from fairkey.cli.db_urls import first_line_of, without_password
from fairkey.cli.errors import CliError
from fairkey.cli.keeper_cmd import setup_logging
from fairkey.cli.output import fields, ok, say

if TYPE_CHECKING:
    from indexer.config import IndexerConfig
    from indexer.ingest import Indexer

# The indexer (SQLAlchemy, alembic, prometheus_client) is imported by the commands that open an
# index, so that `fairkey --help` and `fairkey index --help` load none of it.

app = typer.Typer(
    name="index",
    help="Indexer: escrow events into SQL, reorg-safe and resumable, with reputation tables.",
    no_args_is_help=True,
)

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL, e.g. postgresql://user@host/db (env FAIRKEY_INDEX_DB_URL; default "
        "sqlite:///<home>/index.sqlite3).",
        show_default=False,
    ),
]
MaxRange = Annotated[
    int, typer.Option("--max-range", min=1, help="Widest eth_getLogs block range (it adapts).")
]
FinalityDepth = Annotated[
    int | None,
    typer.Option(
        "--finality-depth",
        min=1,
        help="Blocks below the head taken as final (default: the node's 'finalized' tag).",
        show_default=False,
    ),
]


def _config(
    ctx: typer.Context,
    db: str | None,
    *,
    max_range: int = 2000,
    finality_depth: int | None = None,
    check_chain: bool = True,
) -> IndexerConfig:
    """The indexer settings for this data folder's deployment. `check_chain`: verify the escrow
    is on the node first (status skips it, so that it works with the node down)."""
    from indexer.config import IndexerConfig

    app_state = state(ctx)
    if check_chain:
        deployment = app_state.deployment
    else:
        path = app_state.settings.deployment_file
        if not path.exists():
            raise CliError(f"no deployment at {path}: run `make up`, or point --home at it")
        deployment = Deployment.load(path)
    return IndexerConfig(
        rpc_url=app_state.settings.rpc_url,
        db_url=app_state.settings.index_db(db),
        escrow=deployment.escrow,
        start_block=deployment.block,
        finality_depth=finality_depth,
        max_range=max_range,
    )


@contextmanager
def _indexer(config: IndexerConfig) -> Iterator[Indexer]:
    """An open Indexer; its failures become one-line messages."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from indexer.ingest import Indexer
    from indexer.reorg import ReorgBeyondFinality

    shown = without_password(config.db_url)
    try:
        indexer = Indexer(config)
    except ArgumentError as exc:
        raise CliError(f"not a database URL: {shown} ({exc})") from None
    except SQLAlchemyError as exc:
        raise CliError(f"cannot open the index database {shown}: {first_line_of(exc)}") from None
    try:
        yield indexer
    except ReorgBeyondFinality as exc:
        raise CliError(f"the indexer halted: {exc}") from None
    except NodeUnavailable:
        raise CliError(
            f"the chain node is not reachable at {config.rpc_url} — is `make up` running?"
        ) from None
    except RpcError as exc:
        raise CliError(f"the node refused a request: {exc}") from None
    except SQLAlchemyError as exc:
        raise CliError(f"database error on {shown}: {first_line_of(exc)}") from None
    finally:
        indexer.close()


@app.command("run")
def run(
    ctx: typer.Context,
    db: Db = None,
    interval: Annotated[
        float, typer.Option("--interval", min=0.01, help="Seconds between head checks.")
    ] = 0.2,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=0,
            max=65535,
            help="Serve Prometheus metrics on this port (0: any free port; make up passes "
            "FAIRKEY_METRICS_PORT, default 9108).",
            show_default=False,
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option("--metrics-host", help="Interface of the metrics server.")
    ] = "127.0.0.1",
    max_range: MaxRange = 2000,
    finality_depth: FinalityDepth = None,
) -> None:
    """Follow the chain: catch up, then ingest every new block, until SIGTERM or Ctrl-C."""
    config = _config(ctx, db, max_range=max_range, finality_depth=finality_depth)
    setup_logging("indexer")
    log = logging.getLogger("indexer")
    stop = threading.Event()
    previous = {}

    def _on_signal(signum: int, _frame: object) -> None:
        log.info("%s received: stopping after the current chunk", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        previous[sig] = signal.signal(sig, _on_signal)
    try:
        with _indexer(config) as indexer:
            if metrics_port is not None:
                port = _serve_metrics(indexer, metrics_port, metrics_host)
                log.info("metrics on http://%s:%d/metrics", metrics_host, port)
            log.info(
                "indexing escrow %s from block %d into %s (every %.2fs)",
                config.escrow,
                indexer.cursor.number + 1,
                without_password(config.db_url),
                interval,
            )
            indexer.run(stop, interval=interval)
            log.info("stopped at block %d", indexer.cursor.number)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve_metrics(indexer: Indexer, port: int, host: str) -> int:
    from indexer.metrics import MetricsServerError

    try:
        return indexer.metrics.serve(port, host)
    except MetricsServerError as exc:
        if exc.in_use:
            raise CliError(
                f"the metrics port {port} on {host} is already in use (another indexer, or a "
                f"second `make up`?): choose a free one with --metrics-port N (0: any free "
                f"port); `make up` takes it from FAIRKEY_METRICS_PORT"
            ) from None
        raise CliError(
            f"{exc.strerror}: check --metrics-host {host} (an address of this machine, e.g. "
            f"127.0.0.1 or 0.0.0.0) and --metrics-port {port}"
        ) from None


@app.command("backfill")
def backfill(
    ctx: typer.Context,
    db: Db = None,
    to_block: Annotated[
        int | None,
        typer.Option(
            "--to-block", min=0, help="Last block (default: the head).", show_default=False
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
    max_range: MaxRange = 2000,
    finality_depth: FinalityDepth = None,
) -> None:
    """Ingest every block up to the head (or --to-block), then exit. Resumes where it stopped."""
    from indexer.ingest import TargetBeyondHead

    config = _config(ctx, db, max_range=max_range, finality_depth=finality_depth)
    with _indexer(config) as indexer:
        try:
            stats = indexer.backfill(to_block=to_block, progress=progress)
        except TargetBeyondHead as exc:
            raise CliError(str(exc)) from None
        ok(
            f"indexed {stats.events:,} events in {stats.blocks:,} blocks in {stats.seconds:.1f}s "
            f"({stats.events_per_s:,.0f} events/s); now at block {indexer.cursor.number}"
        )


@app.command("reindex")
def reindex(ctx: typer.Context, db: Db = None) -> None:
    """Rebuild every derived table from the stored raw logs (no node needed)."""
    config = _config(ctx, db, check_chain=False)
    with _indexer(config) as indexer:
        started = time.monotonic()
        try:
            indexer.reindex()
        except LookupError as exc:
            raise CliError(str(exc)) from None
        ok(f"derived tables rebuilt from raw logs in {time.monotonic() - started:.1f}s")


@app.command("status")
def status(
    ctx: typer.Context,
    db: Db = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Where indexing stands: indexed block, chain head, lag, events, reorgs, halt."""
    config = _config(ctx, db, check_chain=False)
    with _indexer(config) as indexer:
        report = indexer.status()
    if as_json:
        say(json.dumps(report, indent=2))
    else:
        fields("index", [(name, _shown(name, value)) for name, value in report.items()])
    if report.get("halted"):
        raise typer.Exit(2)


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in ("indexed_time", "updated_at", "at") and isinstance(value, int):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, dict):
        return ", ".join(f"{k} {_shown(k, v)}" for k, v in value.items())
    if isinstance(value, int) and name == "events":
        return f"{value:,}"
    return str(value)


# The read side: reputation tables and order timelines (fairkey/cli/reputation_cmd.py).
app.command("show")(reputation_cmd.show)
app.command("order")(reputation_cmd.order)
