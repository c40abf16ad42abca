"""`GET /platform`: the dashboard's figures, from the index."""

from __future__ import annotations

from fastapi import APIRouter

from api.dashboard.schemas import AlertOut, PlatformOut, TierOut
from api.deps import State
from api.problems import problem_responses
from indexer import queries

router = APIRouter(tags=["platform"])

ALERTS = 50


@router.get(
    "/platform",
    response_model=PlatformOut,
    responses=problem_responses(503),
    summary="Platform dashboard: resolution by tier, handling time, faults, alerts",
)
def platform(state: State) -> PlatformOut:
    stats, tiers, alerts, head = state.index.read(
        lambda conn: (
            queries.platform_stats(conn),
            queries.tier_handling(conn),
            queries.alerts(conn, ALERTS),
            queries.projection_state(conn),
        )
    )

    def count(name: str) -> int:
        return int(stats.get(name) or 0)

    return PlatformOut(
        orders=count("orders"),
        open=count("open"),
        settled=count("settled"),
        completed=count("completed"),
        refunded=count("refunded"),
        split=count("split"),
        cases=count("cases"),
        tiers=[
            TierOut(
                tier=f"L{t.tier}",
                cases=t.cases,
                share_bps=stats.get(f"share_l{t.tier}_bps"),
                median_s=t.median_s,
                p95_s=t.p95_s,
                avg_s=stats.get(f"handling_l{t.tier}_avg_s"),
            )
            for t in tiers
        ],
        faults_supplier=count("faults_supplier"),
        faults_merchant=count("faults_merchant"),
        supplier_fault_share_bps=stats.get("faults_supplier_bps"),
        alerts=[
            AlertOut(
                listing_id=a.listing_id,
                kind=a.kind,
                since=a.since_day.isoformat(),
                until=a.until_day.isoformat() if a.until_day else None,
                active=a.until_day is None,
                rate_bps=a.rate_bps,
                baseline_bps=a.baseline_bps,
                peak_rate_bps=a.peak_rate_bps,
                delivered=a.delivered,
                disputed=a.disputed,
            )
            for a in alerts
        ],
        head_block=head.get("head_block"),
        head_time=head.get("head_time"),
    )
