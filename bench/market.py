"""The adversarial market simulation (issue 13): honest, sloppy and fraudulent merchants,
honest and fraudulent buyers, honest, lazy and colluding jurors, on the real contracts and
services on Anvil, with the chain clock moved instead of waited for (bench/market_sim/).

    .venv/bin/python -m bench.market               # 2,000 orders over 30 chain days
    .venv/bin/python -m bench.market --quick       # 60 orders over 3 days (a minute or two)

Writes bench/out/latest/market.json (bench/out/market.json with BENCH_SAVE=1) and the chart
bench/out/latest/market.svg (bench/out/market.svg). Exit code 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/market.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import LATEST_DIR, OUT_DIR, console, finish, print_table, progress, saving
from bench.market_sim.chart import render
from bench.market_sim.figures import TARGETS, compute, missed_targets
from bench.market_sim.loop import SimConfig, simulate
from bench.market_sim.merchants import GIVE_UP_AFTER


def run(config: SimConfig) -> dict:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fairkey-market-") as home, progress() as bar:
        task = bar.add_task(f"market, seed {config.seed}", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = simulate(config, Path(home), tick)
    figures = compute(result.ledger)
    figures["clique_curve"] = clique_curve()
    report = {
        "config": {
            "seed": config.seed,
            "orders": config.orders,
            "days": config.days,
            "clique_share": config.clique_share,
            "give_up_after": config.give_up_after,
            "tick_s": config.tick,
        },
        "figures": figures,
        "ticks": result.ticks,
        "chain_hours": (
            result.ledger.end_time
            - min((o.paid_at for o in result.ledger.orders.values()), default=0)
        )
        / 3600,
        "unresolved_orders": len(result.unresolved),
        "court_play": result.court_play,
        "messages": result.messages[:50],
        "duration_s": round(time.monotonic() - started, 1),
    }
    report["targets_missed"] = missed_targets(figures) + (
        ["unresolved_orders"] if result.unresolved else []
    )
    return report


def clique_curve() -> list[dict]:
    """The court study's flip share per clique share (bench/market_sim/court_study.py, which
    `make bench` runs just before): this run's output if there is one, else the committed one."""
    for folder in (LATEST_DIR, OUT_DIR):
        path = folder / "court_study.json"
        if path.exists():
            study = json.loads(path.read_text())
            keep = ("clique_share", "cases", "flip_share", "flip_share_upper95", "net_wei")
            return [
                {**{k: s[k] for k in keep}, "study": study["generated_at"]} for s in study["shares"]
            ]
    return []


def show(report: dict, path: Path) -> None:
    f = report["figures"]
    rows = []
    for name, (op, bound) in TARGETS.items():
        rows.append((name, f"{f[name]:.4f}", f"{op} {bound}"))
    rows.append(None)
    split = f["tiers"]["split"]
    rows.append(
        (
            "L1 / L2 / L3",
            " / ".join(f"{split[t]:.3f}" for t in ("L1", "L2", "L3")),
            "seeds 0.80 / 0.15 / 0.05",
        )
    )
    for tier, h in f["hours_to_resolution"].items():
        if h["median"] is not None:
            rows.append(
                (
                    f"{tier} hours (median, p95)",
                    f"{h['median']:.1f}, {h['p95']:.1f}",
                    f"{h['cases']} cases",
                )
            )
    for point in f["clique_curve"]:
        rows.append(
            (
                f"clique at {point['clique_share']:.0%} (court study)",
                f"{point['flip_share']:.3f} ≤{point['flip_share_upper95']:.3f}",
                f"{point['cases']} cases",
            )
        )
    rows.append(None)
    for population, wei in sorted(f["juror_net_wei"].items()):
        rows.append((f"jurors {population} net", f"{wei / 1e18:+.4f} ETH", ""))
    rows.append(
        (
            "orders / cases / rulings",
            f"{f['orders']} / {f['after_sales_cases']} / {f['court_rulings']}",
            "",
        )
    )
    print_table(
        f"market simulation → {path}",
        ["figure", ("value", "right"), "target"],
        rows,
        [
            f"seed {report['config']['seed']}, {report['ticks']} ticks, "
            f"{report['duration_s']} s, court play: {report['court_play']}"
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--clique", type=float, default=0.20, help="the clique's stake share")
    parser.add_argument("--quick", action="store_true", help="60 orders over 3 chain days")
    parser.add_argument(
        "--stubborn",
        action="store_true",
        help="fraudulent merchants contest every dispute and verdict forever (never learn)",
    )
    args = parser.parse_args(argv)
    orders, days = (60, 3.0) if args.quick else (args.orders, args.days)
    config = SimConfig(
        seed=args.seed,
        orders=orders,
        days=days,
        clique_share=args.clique,
        give_up_after=None if args.stubborn else GIVE_UP_AFTER,
    )
    report = run(config)
    out = OUT_DIR if saving() else LATEST_DIR
    out.mkdir(parents=True, exist_ok=True)
    (out / "market.svg").write_text(
        render(report["figures"], f"fairkey market, seed {args.seed}, {orders} orders")
    )
    console.print(f"chart: {out / 'market.svg'}")
    return finish("market", report, show)


if __name__ == "__main__":
    sys.exit(main())
