"""The exact integer statistics behind the reputation figures, and the alert rule's edges."""

from __future__ import annotations

import math

import pytest

from indexer.projections.alerts import after_sales
from indexer.projections.scoring import bps, percentile, wilson_lower_bps
from indexer.projections.tiers import tier_of
from indexer.projections.windows import as_date


def _wilson_float(k: int, n: int, z: float = 1.96) -> float:
    p = k / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 20, 99, 100, 1000, 123_457])
def test_the_wilson_bound_is_the_textbook_formula_rounded_down_to_basis_points(n):
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        if 0 <= k <= n:
            expected = math.floor(_wilson_float(k, n) * 10_000 + 1e-9)
            assert abs(wilson_lower_bps(k, n) - expected) <= 1, (k, n)
            assert wilson_lower_bps(k, n) <= max(0, expected)


def test_the_wilson_bound_rewards_volume_not_luck():
    assert wilson_lower_bps(0, 0) == 0
    assert wilson_lower_bps(1, 1) == 2065
    assert wilson_lower_bps(8, 10) == 4901
    assert wilson_lower_bps(80, 100) == 7111
    assert wilson_lower_bps(800, 1000) > wilson_lower_bps(80, 100) > wilson_lower_bps(1, 1)
    with pytest.raises(ValueError):
        wilson_lower_bps(3, 2)


def test_percentiles_are_nearest_rank_values_that_occurred():
    values = [30, 60, 90, 120, 180, 240, 600, 1200]
    assert [percentile(values, p) for p in (1, 50, 95, 100)] == [30, 120, 1200, 1200]
    assert percentile([], 50) is None
    assert bps(1, 3) == 3333 and bps(0, 0) is None


def test_tiers_follow_the_rule_that_settled_the_order():
    assert tier_of("Refunded", "NotDelivered", disputed=False) == 1
    assert tier_of("Refunded", "MerchantRefunded", disputed=False) is None  # a cancellation
    assert tier_of("Refunded", "MerchantRefunded", disputed=True) == 2
    assert tier_of("Refunded", "MerchantRefunded", disputed=True, after_verdict=True) == 1
    assert tier_of("Completed", "ConfirmWindowPassed", disputed=False) is None  # happy path
    assert tier_of("Completed", "ConfirmWindowPassed", disputed=True) == 2  # replacement kept
    assert tier_of("Completed", "Ruling", disputed=True) == 3
    assert tier_of("Split", "ArbitrationTimeout", disputed=True) == 3
    assert tier_of("Refunded", "Misdelivery", disputed=True) == 1  # a proof outranks the court


def _history(baseline: tuple[int, int], now: tuple[int, int]) -> list[tuple[int, int | None, int]]:
    """Cohorts of (delivery day, dispute day, orders): `baseline` = (delivered, disputed) on day
    100, `now` the same on day 110, disputes opened the day of the delivery."""
    (nb, xb), (n, x) = baseline, now
    return [(100, 100, xb), (100, None, nb - xb), (110, 110, x), (110, None, n - x)]


@pytest.mark.parametrize(
    ("baseline", "now", "fires"),
    [
        ((50, 1), (20, 3), True),  # 2% -> 15%: the seeds' example
        ((50, 1), (19, 3), False),  # 15.8% on 19 orders: below the sample minimum
        ((19, 0), (20, 3), False),  # baseline below the sample minimum
        ((50, 1), (20, 1), False),  # 5%: below the 10% floor
        ((20, 1), (20, 3), True),  # 5% -> 15%: exactly three times
        ((50, 3), (20, 3), False),  # 6% -> 15%: less than three times
        ((40, 0), (30, 3), True),  # 0% -> 10%: the floor, exactly
    ],
)
def test_the_after_sales_alert_rule(baseline, now, fires):
    today, episodes = after_sales(_history(baseline, now), head_day=110)
    assert (today.delivered, today.disputed) == now
    assert (today.baseline_delivered, today.baseline_disputed) == baseline
    assert bool(episodes) == fires
    if fires:
        assert episodes[0]["since_day"] == as_date(110) and episodes[0]["until_day"] is None


def test_a_dispute_counts_from_the_day_it_was_opened_until_its_delivery_leaves_the_window():
    cohorts = [(100, None, 20), (110, 112, 3), (110, None, 17)]
    _, episodes = after_sales(cohorts, head_day=120)
    assert [(e["since_day"], e["until_day"]) for e in episodes] == [(as_date(112), as_date(117))]
