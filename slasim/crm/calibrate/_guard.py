"""Which calibrated values may replace the base scenario's: minimum samples, interval checks.

Every estimate stays in the calibration summary; these rules decide what reaches the overlay.
Below its minimum sample a value keeps the base scenario's (the overlay says so in a comment
line in its table, and ``slasim calibrate`` in a ``kept:`` line). The minimums:

========================================  =====  ============================================
value                                     needs  why
========================================  =====  ============================================
a rate (opportunity, win, anchoring)       30    rows in its denominator: below that a 95 %
                                                 interval near 0.5 is wider than +-0.17, and
                                                 0 or 1 is a likely result of chance alone
                                                 (2 closed deals, both lost: win rate 0)
a tier's ``base_contact``/``base_qualify``  30    observations of that tier in the decay fit
                                                 (the same reason)
a decay curve                              30    observations, with >= 10 successes and >= 10
                                                 failures (:mod:`slasim.crm.calibrate.decayfit`)
deal size, sales cycle (median, p90)       20    values: a p90 of fewer rests on one or two
handling time mean and CV                  30    values (a t-interval and a spread)
weekday profile                            70    leads of the tier, 10 per weekday on average
hour profile                              240    leads of the tier, 10 per hour on average
holiday factor                             10    leads expected on the period's holidays
========================================  =====  ============================================

A value that is written although its 95 % interval spans most of what it could be gets a
warning (in its overlay comment and a ``warning:`` line): a probability whose interval is
wider than half of [0, 1], or a positive quantity (volume, half-life, scale, exponent, deal
size, cycle, handling minutes, holiday factor) whose upper bound is more than 100 times its
lower bound (or whose lower bound is 0).
"""

from __future__ import annotations

from typing import Literal

from slasim.crm._stats import Row

__all__ = [
    "MIN_HANDLING",
    "MIN_HOLIDAY_EXPECTED",
    "MIN_HOUR_LEADS",
    "MIN_QUANTILE",
    "MIN_RATE",
    "MIN_WEEKDAY_LEADS",
    "WIDE_RATIO",
    "WIDE_SHARE",
    "Scale",
    "kept_comment",
    "weak_interval",
]

MIN_RATE = 30
MIN_QUANTILE = 20
MIN_HANDLING = 30
MIN_WEEKDAY_LEADS = 70
MIN_HOUR_LEADS = 240
MIN_HOLIDAY_EXPECTED = 10.0
#: A probability's interval wider than this share of [0, 1] is weak.
WIDE_SHARE = 0.5
#: A positive quantity whose interval's bounds differ by more than this factor is weak.
WIDE_RATIO = 100.0

#: ``"probability"``: in [0, 1]; ``"positive"``: a scale or count above 0.
Scale = Literal["probability", "positive"]


def weak_interval(row: Row, scale: Scale) -> str | None:
    """Why ``row``'s 95 % interval is too wide to trust, or ``None`` when it is not."""
    if not row.has_ci:
        return "no 95 % interval could be computed"
    lo, hi = row.ci_low, row.ci_high
    if scale == "probability":
        if hi - lo > WIDE_SHARE:
            return (f"its 95 % interval {lo:.3g}-{hi:.3g} spans more than {WIDE_SHARE:.0%} of "
                    "the range 0-1")
        return None
    if lo <= 0:
        return f"its 95 % interval {lo:.3g}-{hi:.3g} reaches 0"
    if hi / lo > WIDE_RATIO:
        return (f"its 95 % interval {lo:.3g}-{hi:.3g} spans a factor {hi / lo:,.0f} "
                f"(> {WIDE_RATIO:g})")
    return None


def kept_comment(
    base: object, n: float, minimum: float, what: str, estimate: str | None = None
) -> str:
    """``kept from the base scenario (0.25): 2 opportunities, fewer than the 30 needed; the
    data say 0, 95 % CI 0-0.658``."""
    text = f"kept from the base scenario ({base}): {n:g} {what}, fewer than the {minimum:g} needed"
    return text if estimate is None else f"{text}; the data say {estimate}"
