"""Arrival estimates from lead creation times: monthly volume, dispersion, tier mix, weekday and
hour profile, holiday factor.

The engine's arrivals are Poisson with intensity ``volume * weekday[d] * hour[h]`` (times
``holiday_factor`` on holidays), so the maximum-likelihood shape is read off the margins:
the weekday weight is proportional to leads per non-holiday day of that weekday, the hour
weight to leads in that local hour (non-holiday days). Weights are scaled to average 1 (only
the shape matters: the volume carries the level); scaling by the mean of all bins, not by the
noisy largest one, keeps the other weights unbiased. Their intervals treat that mean as known.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.crm._stats import Row, poisson_ci, wilson_ci
from slasim.model.calendar import WEEKDAYS
from slasim.scenario.schema import DAYS_PER_MONTH

__all__ = ["ArrivalEstimates", "estimate_arrivals"]

IntArray = npt.NDArray[np.intp]
#: Full calendar months needed before month-to-month dispersion is estimated.
MIN_MONTHS = 3
#: Share of created_at values that must carry a time of day for an hour profile.
MIN_TIMED_SHARE = 0.5


@dataclass(frozen=True)
class ArrivalEstimates:
    """Arrival estimates as summary rows.

    ``rows`` holds, per tier, ``monthly_volume``, ``dispersion`` (when estimated),
    ``tier_share``, ``profile.weekday.<day>`` (NaN for a weekday the period lacks),
    ``profile.hour.<HH>`` (when times are known) and ``profile.holiday_factor`` (when the
    period has holidays).
    """

    period: tuple[date, date]
    days: int
    rows: tuple[Row, ...]
    has_hours: bool
    notes: tuple[str, ...]


def _full_months(first: date, last: date) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    start = date(first.year, first.month, 1)
    if start < first:
        start = _next_month(start)
    while True:
        end = _next_month(start) - timedelta(days=1)
        if end > last:
            return out
        out.append((start, end))
        start = _next_month(start)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _dispersion(dates: pd.Series, months: list[tuple[date, date]]) -> float:
    """Method-of-moments NB dispersion ``(var - mean) / mean**2`` of month counts.

    Counts are scaled to an average month (x 30.44 / days) so that month lengths do not
    pass for over-dispersion.
    """
    counts = np.array(
        [((dates >= a) & (dates <= b)).sum() * DAYS_PER_MONTH / ((b - a).days + 1)
         for a, b in months]
    )
    mean = float(counts.mean())
    if mean <= 0:
        return 0.0
    return max(0.0, (float(counts.var(ddof=1)) - mean) / mean**2)


def estimate_arrivals(
    local_created: pd.Series,
    timed: npt.NDArray[np.bool_],
    tier: IntArray,
    tier_names: Sequence[str],
    holidays: Sequence[date],
    alpha: float = 0.05,
) -> ArrivalEstimates:
    """Estimate arrivals from local creation times.

    Parameters
    ----------
    local_created
        Aware local timestamps of lead creation (the export's time zone).
    timed
        Whether each ``created_at`` carried a time of day (not a date only).
    tier
        Tier index per lead into ``tier_names``.
    holidays
        Closed dates of the business calendar (public holidays and extra dates).
    """
    dates = local_created.dt.date
    first, last = dates.min(), dates.max()
    days = (last - first).days + 1
    months_exposed = days / DAYS_PER_MONTH
    full = _full_months(first, last)
    notes: list[str] = []
    rows: list[Row] = []
    total = len(local_created)
    for t, name in enumerate(tier_names):
        mask = tier == t
        n = int(mask.sum())
        est = n / months_exposed
        lo, hi = (x / months_exposed for x in poisson_ci(n, alpha))
        method = f"Poisson exact over {days} days"
        if len(full) >= MIN_MONTHS:
            disp = _dispersion(dates[mask], full)
            rows.append(Row("dispersion", name, disp, math.nan, math.nan, n,
                            f"method of moments over {len(full)} full calendar months (rough)"))
            if disp > 0 and n > 0:
                # Negative binomial: Var = m + d m^2, i.e. (1 + d m) times the Poisson
                # variance; widen the exact interval by its square root on the log scale.
                widen = math.sqrt(1 + disp * est)
                lo = est * (lo / est) ** widen if lo > 0 else 0.0
                hi = est * (hi / est) ** widen
                method += f", widened x{widen:.2f} for the dispersion"
        rows.append(Row("monthly_volume", name, est, lo, hi, n, method))
        mlo, mhi = wilson_ci(n, total, alpha)
        rows.append(Row("tier_share", name, n / total if total else math.nan, mlo, mhi, n,
                        "Wilson"))
    if len(full) < MIN_MONTHS:
        notes.append(
            f"dispersion not estimated: {len(full)} full calendar months in the export "
            f"(needs {MIN_MONTHS}); the base scenario's dispersion is kept"
        )

    holiday_set = {h for h in holidays if first <= h <= last}
    on_holiday = dates.isin(holiday_set).to_numpy()
    day_count = np.zeros(7)
    for i in range(days):
        d = first + timedelta(days=i)
        if d not in holiday_set:
            day_count[d.weekday()] += 1
    wd = local_created.dt.day_of_week.to_numpy()
    rates = np.full((len(tier_names), 7), math.nan)
    for t, name in enumerate(tier_names):
        counts = np.bincount(wd[(tier == t) & ~on_holiday], minlength=7)
        rate = np.where(day_count > 0, counts / np.maximum(day_count, 1), math.nan)
        rates[t] = rate
        level = float(np.nanmean(rate)) if np.nansum(rate) > 0 else math.nan
        for k in range(7):
            lo, hi = poisson_ci(int(counts[k]), alpha)
            scale = day_count[k] * level if day_count[k] > 0 else math.nan
            rows.append(Row(
                f"profile.weekday.{WEEKDAYS[k]}", name, float(rate[k]) / level, lo / scale,
                hi / scale, int(counts[k]),
                f"leads per non-holiday day ({int(day_count[k])} days), mean 1; Poisson exact",
            ))
    if (day_count == 0).any():
        notes.append(
            f"the export spans {days} days: some weekdays never occur, so their weights are "
            "not estimated"
        )

    share_timed = float(timed.mean()) if len(timed) else 0.0
    has_hours = share_timed >= MIN_TIMED_SHARE
    if has_hours:
        hr = local_created.dt.hour.to_numpy()
        for t, name in enumerate(tier_names):
            counts = np.bincount(hr[(tier == t) & ~on_holiday & timed], minlength=24)
            level = float(counts.mean()) if counts.max() > 0 else math.nan
            for h in range(24):
                lo, hi = poisson_ci(int(counts[h]), alpha)
                rows.append(Row(f"profile.hour.{h:02d}", name, counts[h] / level, lo / level,
                                hi / level, int(counts[h]),
                                "leads per local hour on non-holidays, mean 1; Poisson exact"))
    else:
        notes.append(
            f"arrival profile by weekday only: {1 - share_timed:.0%} of created_at values are "
            "dates without time, so the hour of day is unknown (the base scenario's hour "
            "weights are kept)"
        )

    for t, name in enumerate(tier_names):
        expected = float(sum(rates[t][h.weekday()] for h in holiday_set
                             if not math.isnan(rates[t][h.weekday()])))
        if not holiday_set or expected < 1.0:
            continue
        obs = int(((tier == t) & on_holiday).sum())
        lo, hi = poisson_ci(obs, alpha)
        rows.append(Row(
            "profile.holiday_factor", name, obs / expected, lo / expected, hi / expected, obs,
            f"leads on {len(holiday_set)} holidays / {expected:.1f} expected on such weekdays; "
            "Poisson exact",
        ))
    return ArrivalEstimates((first, last), days, tuple(rows), has_hours, tuple(notes))
