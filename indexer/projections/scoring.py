"""Exact integer statistics for the derived tables.

Everything is integer arithmetic (no floats), so anyone re-indexing the chain on any machine gets
the same numbers bit for bit. Rates are basis points rounded down; percentiles use the
nearest-rank method (a value that occurred, never an interpolation).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import isqrt

BPS = 10_000
# z for a two-sided 95% interval, as a fraction Z_NUM / Z_DEN = 1.96.
Z_NUM = 196
Z_DEN = 100
_SQRT_SCALE = 10**18  # fixed-point scale of the square root (ample for counts below 2**63)


def bps(part: int, whole: int) -> int | None:
    """part / whole in basis points, rounded down; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return part * BPS // whole


def wilson_lower_bps(successes: int, trials: int) -> int:
    """Lower bound of the 95% Wilson score interval of successes / trials, in basis points
    (rounded down; 0 for no trials). Small samples score low until they earn it: 1 of 1 is
    2065, 8 of 10 is 4901, 80 of 100 is 7111.

    With z = Z_NUM / Z_DEN, n trials, k successes, the bound
        (k + z²/2 - z·sqrt(k(n-k)/n + z²/4)) / (n + z²)
    multiplied through by 2·Z_DEN² is
        (2k·Z_DEN² + Z_NUM² - Z_NUM·sqrt((Z_NUM²·n + 4k(n-k)·Z_DEN²) / n)) / (2(n·Z_DEN² + Z_NUM²)).
    The square root is taken in fixed point and rounded up, so the bound is never overstated.
    """
    if trials <= 0:
        return 0
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} not within 0..{trials}")
    n, k = trials, successes
    zn2, zd2 = Z_NUM * Z_NUM, Z_DEN * Z_DEN
    radicand_num = (zn2 * n + 4 * k * (n - k) * zd2) * _SQRT_SCALE * _SQRT_SCALE
    scaled = -(-radicand_num // n)  # ceil
    root = isqrt(scaled)
    if root * root < scaled:
        root += 1  # ceil of the square root: the bound errs low, never high
    numerator = (2 * k * zd2 + zn2) * _SQRT_SCALE - Z_NUM * root
    denominator = 2 * (n * zd2 + zn2) * _SQRT_SCALE
    return max(0, numerator * BPS // denominator)


def nearest_rank(count: int, pct: int) -> int | None:
    """The 1-based rank of the nearest-rank `pct`-th percentile among `count` sorted values:
    ceil(pct * count / 100), at least 1 (None when there are no values)."""
    if count <= 0:
        return None
    return max(-(-pct * count // 100), 1)


def percentile(sorted_values: Sequence[int], pct: int) -> int | None:
    """The nearest-rank `pct`-th percentile of already sorted values (None when empty): the
    smallest value with at least pct% of the values at or below it."""
    rank = nearest_rank(len(sorted_values), pct)
    return None if rank is None else sorted_values[rank - 1]
