"""Platform dashboard figures (`platform_stats`, name -> integer; NULL where undefined).

- `orders`, `open`, `settled`, `completed`, `refunded`, `split`;
- after-sales cases by tier (tiers.py documents which rule is which tier): `cases`,
  `cases_l1/l2/l3`, `share_l1/l2/l3_bps` (of all settled cases), `handling_l1/l2/l3_avg_s`
  (mean, rounded down) and `handling_l1/l2/l3_median_s` (nearest-rank lower median);
- faults: `faults_supplier` = verifier attestations that a delivered key is invalid or already
  redeemed at the issuer (the key the supplier provided was bad), `faults_merchant` = refunds for
  a proven merchant fault (Misdelivery, NotDelivered, MerchantSilent), `faults_supplier_bps` the
  suppliers' share of both.
"""

from __future__ import annotations

import sqlalchemy as sa

from indexer.projections.models import OrderRow, PlatformStat
from indexer.projections.scoring import bps, nearest_rank
from indexer.projections.sql import count_if, outcome_counts, ranked_value, replace_rows
from indexer.projections.tiers import TIERS

platform = PlatformStat.__table__
orders = OrderRow.__table__

MERCHANT_FAULTS = ("Misdelivery", "Duplicate", "NotDelivered", "MerchantSilent")


def refresh_platform(conn: sa.Connection) -> None:
    o = orders.c
    totals = conn.execute(
        sa.select(
            sa.func.count().label("orders"),
            *outcome_counts(o),
            sa.func.coalesce(sa.func.sum(o.attestations), 0).label("faults_supplier"),
            count_if((o.status == "Refunded") & o.cause.in_(MERCHANT_FAULTS)).label(
                "faults_merchant"
            ),
        )
    ).one()
    figures: dict[str, int | None] = {name: int(v) for name, v in totals._mapping.items()}
    by_tier = {
        tier: (int(count), int(total))
        for tier, count, total in conn.execute(
            sa.select(o.tier, sa.func.count(), sa.func.sum(o.handling_s))
            .where(o.tier.is_not(None))
            .group_by(o.tier)
        )
    }
    cases = sum(count for count, _ in by_tier.values())
    figures["cases"] = cases
    for tier in TIERS:
        count, total = by_tier.get(tier, (0, 0))
        figures[f"cases_l{tier}"] = count
        figures[f"share_l{tier}_bps"] = bps(count, cases)
        figures[f"handling_l{tier}_avg_s"] = total // count if count else None
        rank = nearest_rank(count, 50)
        figures[f"handling_l{tier}_median_s"] = ranked_value(
            conn, o.handling_s, rank, o.tier == tier
        )
    faults = figures["faults_supplier"] + figures["faults_merchant"]
    figures["faults_supplier_bps"] = bps(figures["faults_supplier"], faults)
    rows = [{"name": name, "value": figures[name]} for name in sorted(figures)]
    replace_rows(conn, platform, [platform.c.name], None, rows)
