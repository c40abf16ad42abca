"""The one dispute-rate-jump rule (fairkey/figures.py) behind the bot's and the index's alerts."""

from __future__ import annotations

from fractions import Fraction

import pytest

from fairkey.figures import DisputeRateJump
from fairkey.merchant.policy import AlertPolicy
from fairkey.services.alerts import DisputeRate, dispute_rate_jumped


@pytest.mark.parametrize(
    ("recent", "baseline", "holds"),
    [
        ((3, 20), (1, 50), True),  # 15 % after 2 %
        ((3, 20), (1, 20), True),  # 15 % after 5 %: exactly three times (floats said no)
        ((2, 20), (0, 20), True),  # 10 % after none: the floor, exactly
        ((1, 20), (0, 20), False),  # 5 %: below the floor, however low the baseline
        ((6, 40), (2, 40), True),  # 15 % after 5 % again, on larger samples
        ((3, 20), (1, 19), False),  # a baseline of 19 orders is too small to compare with
    ],
)
def test_the_rule(recent, baseline, holds):
    assert DisputeRateJump().holds(*recent, *baseline) is holds


def test_thresholds_as_written_in_a_policy_are_exact():
    rule = DisputeRateJump.of(20, 0.1, 3.0)
    assert rule == DisputeRateJump() and rule.min_rate == Fraction(1, 10)
    assert DisputeRateJump.of(20, "0.15", 2).holds(3, 20, 0, 20)  # 15 % is at least 15 %


def _rate(older: tuple[int, int], recent: tuple[int, int]) -> DisputeRate:
    (nb, xb), (n, x) = older, recent
    return DisputeRate(orders=list(range(nb + n)), disputed={*range(xb), *range(nb, nb + x)})


def test_the_bot_and_the_index_agree_on_the_boundaries():
    policy = AlertPolicy()  # 20 orders, 10 %, three times: the index's thresholds
    for older, recent in [((20, 1), (20, 3)), ((40, 0), (20, 2)), ((50, 3), (20, 3))]:
        expected = DisputeRateJump().holds(recent[1], recent[0], older[1], older[0])
        assert (dispute_rate_jumped(_rate(older, recent), policy) is not None) is expected
