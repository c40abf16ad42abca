"""The reputation tables `fairkey index show VIEW` prints, one function per view, from
indexer/queries.py. Imported when a table is shown (fairkey/cli/reputation_cmd.py), so that
`fairkey --help` and the commands that never open the index load no SQLAlchemy."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from fairkey.cli.output import fields, table
from fairkey.cli.reputation_cmd import View, duration, pct, score, short, tag, when
from indexer import queries


def _merchants(conn: Connection, limit: int) -> None:
    rows = queries.merchants(conn, limit)
    table(
        "merchants (score: 95% Wilson lower bound of completed / settled escrow orders)",
        ["merchant", "score", "settled", "completed", "disputed", "proven faults", "L1/L2/L3"],
        [
            [
                r.merchant,
                score(r),
                str(r.settled),
                pct(r.completion_bps),
                pct(r.dispute_bps),
                f"{r.faults_proven} (misdelivery {r.faults_misdelivery}, late "
                f"{r.faults_late}, silent {r.faults_silent})",
                f"{r.l1_cases}/{r.l2_cases}/{r.l3_cases}",
            ]
            for r in rows
        ],
    )


def _listings(conn: Connection, limit: int) -> None:
    rows = queries.listings(conn, limit)
    table(
        "listings",
        [
            "id",
            "merchant",
            "sales",
            "stock",
            "7d success",
            "30d success",
            "delivery p50/p95",
            "after-sales 7d (baseline)",
        ],  # fmt: skip
        [
            [
                str(r.listing_id),
                short(r.merchant),
                f"{r.sales} ({r.sales_7d} in 7d)",
                str(r.stock_available),
                pct(r.success_7d_bps),
                pct(r.success_30d_bps),
                f"{duration(r.latency_p50_s)} / {duration(r.latency_p95_s)}",
                f"{pct(r.after_sales_7d_bps)} ({pct(r.baseline_after_sales_bps)})",
            ]
            for r in rows
        ],
    )


def _alerts(conn: Connection, limit: int) -> None:
    rows = queries.alerts(conn, limit)
    table(
        "after-sales alerts (7-day rate ≥ 10% and ≥ 3× its 28-day baseline, ≥ 20 orders each)",
        ["listing", "since", "until", "rate", "baseline", "peak"],
        [
            [
                str(r.listing_id),
                str(r.since_day),
                str(r.until_day) if r.until_day else "ongoing",
                f"{pct(r.rate_bps)} ({r.disputed}/{r.delivered})",
                f"{pct(r.baseline_bps)} ({r.baseline_disputed}/{r.baseline_delivered})",
                pct(r.peak_rate_bps),
            ]
            for r in rows
        ],
    )


def _suppliers(conn: Connection, limit: int) -> None:
    rows = queries.suppliers(conn, limit)
    table(
        "suppliers (from the tag of each stock batch)",
        [
            "merchant",
            "supplier",
            "units",
            "delivered",
            "disputes",
            "bad keys (verifier)",
            "misdeliveries",
        ],  # fmt: skip
        [
            [
                short(r.merchant),
                tag(r.supplier),
                f"{r.units_committed} ({r.units_revoked} revoked)",
                str(r.units_delivered),
                str(r.disputes),
                str(r.bad_keys),
                str(r.misdeliveries),
            ]
            for r in rows
        ],
    )


def _buyers(conn: Connection, limit: int) -> None:
    rows = queries.buyers(conn, limit)
    table(
        "buyers (disputes lost: withdrawn, or ruled for the merchant)",
        ["buyer", "orders", "disputed", "lost", "refunds won", "misdeliveries proven"],
        [
            [
                r.buyer,
                str(r.orders),
                str(r.disputed_orders),
                str(r.disputes_lost),
                str(r.refunds_won),
                str(r.misdeliveries_proven),
            ]
            for r in rows
        ],
    )


def _arbitrators(conn: Connection, limit: int) -> None:
    rows = queries.arbitrators(conn, limit)
    table(
        "arbitrators",
        [
            "arbitrator",
            "cases",
            "open",
            "ruled (refund/pay/split)",
            "timed out",
            "ended by proof",
            "time to ruling (median)",
        ],  # fmt: skip
        [
            [
                r.arbitrator,
                str(r.cases),
                str(r.open),
                f"{r.ruled} ({r.refund_rulings}/{r.pay_rulings}/{r.split_rulings})",
                str(r.timed_out),
                str(r.ended_by_proof),
                duration(r.ruling_median_s),
            ]
            for r in rows
        ],
    )


def _platform(conn: Connection, _limit: int) -> None:
    stats = queries.platform_stats(conn)
    head = queries.projection_state(conn)
    rows: list[tuple[str, str]] = []
    if "head_block" in head:
        rows.append(("as of block", f"{head['head_block']} ({when(head['head_time'])} UTC)"))
    rows.append(
        (
            "orders",
            f"{stats.get('orders', 0)} ({stats.get('open', 0)} open, "
            f"{stats.get('completed', 0)} completed, {stats.get('refunded', 0)} "
            f"refunded, {stats.get('split', 0)} split)",
        )  # fmt: skip
    )
    rows.append(("after-sales cases", str(stats.get("cases", 0))))
    for tier, what in (("l1", "rule, no human"), ("l2", "merchant"), ("l3", "court")):
        rows.append(
            (
                f"  {tier.upper()} ({what})",
                f"{stats.get(f'cases_{tier}', 0)} = {pct(stats.get(f'share_{tier}_bps'))}, "
                f"handled in {duration(stats.get(f'handling_{tier}_median_s'))} median, "
                f"{duration(stats.get(f'handling_{tier}_avg_s'))} mean",
            )
        )
    rows.append(
        (
            "faults",
            f"supplier {stats.get('faults_supplier', 0)}, merchant "
            f"{stats.get('faults_merchant', 0)} (supplier share "
            f"{pct(stats.get('faults_supplier_bps'))})",
        )
    )
    fields("platform", rows)


VIEWS: dict[View, Callable[[Connection, int], None]] = {
    View.merchants: _merchants,
    View.listings: _listings,
    View.alerts: _alerts,
    View.suppliers: _suppliers,
    View.buyers: _buyers,
    View.arbitrators: _arbitrators,
    View.platform: _platform,
}
