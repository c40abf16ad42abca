"""Rules on order figures, one definition each, for every place that shows or acts on them: the
merchant bot's alert (fairkey/services/alerts.py), the index's alert episodes
(indexer/projections/alerts.py) and, next, the API. Pure functions of counts: no chain, no
database, exact integer arithmetic (no float rounding decides a boundary).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


def _exact(value: float | int | str | Fraction) -> Fraction:
    """A threshold as written (0.1 is 1/10, not the binary float just above it)."""
    return value if isinstance(value, Fraction) else Fraction(str(value))


@dataclass(frozen=True)
class DisputeRateJump:
    """When a dispute rate has jumped (the seeds' example: a game card's after-sales rate rising
    from 2 % to 15 %). It holds when all of these hold:

    - at least `min_orders` orders in the recent sample and as many in the baseline (a handful of
      orders can neither raise nor hide it);
    - the recent rate is at least `min_rate`;
    - the recent rate is at least `factor` times the baseline rate.

    With the defaults (20 orders, 10 %, 3 times): 2 % -> 15 % holds (15 >= 10, 15 >= 3 x 2), and
    so does 5 % -> 15 % (exactly three times); 2 % -> 5 %, or 15 % over 19 orders, does not.
    What "recent" and "baseline" are is the caller's: the bot's last N orders against the ones
    before, the index's 7-day window against the 28 days before it."""

    min_orders: int = 20
    min_rate: Fraction = Fraction(1, 10)
    factor: Fraction = Fraction(3)

    @classmethod
    def of(
        cls, min_orders: int, min_rate: float | str | Fraction, factor: float | str | Fraction
    ) -> DisputeRateJump:
        """The rule with thresholds as a person writes them (a policy file: 0.10, 3.0)."""
        return cls(min_orders, _exact(min_rate), _exact(factor))

    def holds(
        self, disputed: int, orders: int, baseline_disputed: int, baseline_orders: int
    ) -> bool:
        """Whether `disputed` of `orders` recent orders is a jump from `baseline_disputed` of
        `baseline_orders` (cross-multiplied: exact)."""
        rate, factor = self.min_rate, self.factor
        return (
            orders >= self.min_orders
            and baseline_orders >= self.min_orders
            and disputed * rate.denominator >= rate.numerator * orders
            and disputed * baseline_orders * factor.denominator
            >= factor.numerator * baseline_disputed * orders
        )
