"""After-sales rate of a listing, and the alert when it jumps (the seeds' example: a game card's
after-sales rate rising from 2% to 15%).

After-sales rate, evaluated on a UTC day d: of the orders whose first key was delivered in the
7-day window ending on d (days d-6..d), the share disputed (at least one OrderDisputed) by the end
of d. The baseline is the same share over the 28 days before that window (days d-34..d-7), again
counting disputes up to the end of d. On the head's day, "the end of d" is the head.

The alert rule is the SDK's one definition of a dispute-rate jump (`fairkey.figures`, the same
rule as the merchant bot's alert), with its defaults: on day d, at least 20 orders in the 7-day
window and 20 in the baseline (so a handful of orders cannot raise or hide an alert), the window's
rate at least 10 % and at least 3 times the baseline rate. Comparisons are exact (cross-multiplied
integers). 2% -> 15% holds (15 >= 10, 15 >= 3 x 2); 2% -> 5% or a 15% rate over 19 orders does not.

Each run of consecutive days on which the rule holds is one `listing_alerts` row: `since_day` its
first day, `until_day` the first day it no longer held (NULL while it still holds on the head's
day), the figures of its first day and the peak rate during the run. Every day from the listing's
first delivery to the head's day is evaluated, so the rows are a pure function of the log and the
head's day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fairkey.figures import DisputeRateJump
from indexer.projections.scoring import bps
from indexer.projections.windows import as_date

ALERT_KIND = "after_sales_jump"
WINDOW_DAYS = 7
BASELINE_DAYS = 28
ALERT_RULE = DisputeRateJump()


@dataclass(frozen=True)
class AfterSales:
    """The figures of one day."""

    delivered: int
    disputed: int
    baseline_delivered: int
    baseline_disputed: int

    @property
    def fires(self) -> bool:
        return ALERT_RULE.holds(
            self.disputed, self.delivered, self.baseline_disputed, self.baseline_delivered
        )


def after_sales(
    cohorts: Iterable[tuple[int, int | None, int]], head_day: int
) -> tuple[AfterSales, list[dict]]:
    """`cohorts`: (UTC day of the first delivery, UTC day of the first dispute or None, number of
    orders) of a listing's delivered orders. Returns the head day's figures and the alert episodes
    (rows without listing_id)."""
    spans = [(a, s, count) for a, s, count in cohorts if count]
    if not spans:
        return AfterSales(0, 0, 0, 0), []
    first = min(a for a, _, _ in spans)
    last = min(head_day, max(a for a, _, _ in spans) + WINDOW_DAYS + BASELINE_DAYS - 1)
    size = max(last - first + 2, 1)
    n, x, nb, xb = ([0] * size for _ in range(4))

    def add(counts: list[int], lo: int, hi: int, count: int) -> None:
        # +count on days lo..hi (a difference array; days outside first..last are dropped)
        lo, hi = max(lo, first), min(hi, last)
        if lo <= hi:
            counts[lo - first] += count
            counts[hi - first + 1] -= count

    for a, s, count in spans:
        window_end = a + WINDOW_DAYS - 1
        baseline_end = a + WINDOW_DAYS + BASELINE_DAYS - 1
        add(n, a, window_end, count)
        add(nb, a + WINDOW_DAYS, baseline_end, count)
        if s is not None:
            add(x, max(a, s), window_end, count)
            add(xb, max(a + WINDOW_DAYS, s), baseline_end, count)

    episodes: list[dict] = []
    running = [0, 0, 0, 0]
    today = AfterSales(0, 0, 0, 0)
    episode: dict | None = None
    for day in range(first, last + 1):
        i = day - first
        for k, counts in enumerate((n, x, nb, xb)):
            running[k] += counts[i]
        figures = AfterSales(*running)
        if day == head_day:
            today = figures
        rate = bps(figures.disputed, figures.delivered) or 0
        if figures.fires:
            if episode is None:
                episode = {
                    "kind": ALERT_KIND,
                    "since_day": as_date(day),
                    "until_day": None,
                    "delivered": figures.delivered,
                    "disputed": figures.disputed,
                    "rate_bps": rate,
                    "baseline_delivered": figures.baseline_delivered,
                    "baseline_disputed": figures.baseline_disputed,
                    "baseline_bps": bps(figures.baseline_disputed, figures.baseline_delivered),
                    "peak_rate_bps": rate,
                }
                episodes.append(episode)
            episode["peak_rate_bps"] = max(episode["peak_rate_bps"], rate)
        elif episode is not None:
            episode["until_day"] = as_date(day)
            episode = None
    if episode is not None and last < head_day:
        episode["until_day"] = as_date(last + 1)  # the window emptied before the head's day
    return today, episodes
