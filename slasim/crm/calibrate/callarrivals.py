"""Arrivals of a call-level export by hour of week: monthly volume and the weekday x hour profile.

The engine's arrivals are Poisson with intensity ``volume x matrix[weekday][hour]``, so per
tier the maximum-likelihood estimates are:

- the monthly volume: calls / months of the period (30.44-day months), with the exact Poisson
  (Garwood) interval;
- the profile: calls in each weekday x local-hour cell divided by the days of that weekday in
  the period, scaled to mean 1. Two models are compared by a likelihood-ratio (G) test: the
  *separable* one (weekday weight x hour weight, 30 parameters: every day has the same shape)
  and the *full* 7 x 24 matrix (168). The separable one is kept unless the test rejects it at
  5 %: with few calls per cell the full matrix is mostly noise. Either way the profile is
  written as the scenario's ``profile.matrix`` (which overrides the base's weekday and hour).

Goodness of fit: the Pearson statistic of the calls in each hour of each date around the
fitted rate (a Poisson dispersion test). A p-value below 0.05 says the counts vary more from
day to day than a Poisson process with a weekly profile allows (e.g. volume swings, bursts).
Public holidays are counted as ordinary days; daylight-saving days as 24 hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from slasim.crm._stats import Estimate, poisson_ci
from slasim.model.calendar import WEEKDAYS
from slasim.scenario.schema import DAYS_PER_MONTH

__all__ = ["PROFILE_COLUMNS", "TierArrivals", "estimate_call_arrivals", "profile_frame"]

FloatArray = npt.NDArray[np.float64]
#: Columns of the profile table (one row per tier, weekday and hour).
PROFILE_COLUMNS = ["tier", "weekday", "hour", "weight", "ci_low", "ci_high", "n"]
_SEPARABLE_PARAMS = 7 + 24 - 1


@dataclass(frozen=True)
class TierArrivals:
    """Arrival estimates of one tier.

    Attributes
    ----------
    volume
        Calls per average month with its 95 % interval.
    matrix
        7 x 24 weights (Monday first, local hours), mean 1: the chosen model's.
    separable
        Whether the separable model was kept (the G test did not reject it).
    weekday, hour
        Marginal weights (mean 1) with 95 % intervals.
    cells
        Calls per weekday x hour cell; ``day_count`` days of each weekday in the period.
    lr_statistic, lr_df, lr_p
        The G test of separability.
    gof_statistic, gof_df, gof_p
        The Pearson dispersion test of hourly counts around the chosen profile.
    """

    tier: str
    n: int
    volume: Estimate
    matrix: FloatArray
    separable: bool
    weekday: tuple[Estimate, ...]
    hour: tuple[Estimate, ...]
    cells: npt.NDArray[np.int64]
    day_count: npt.NDArray[np.int64]
    lr_statistic: float
    lr_df: int
    lr_p: float
    gof_statistic: float
    gof_df: int
    gof_p: float

    @property
    def profile_text(self) -> str:
        chosen = "separable weekday x hour" if self.separable else "full 7 x 24 matrix"
        return (f"{chosen} (G test of separability: G = {self.lr_statistic:.1f} on {self.lr_df} "
                f"df, p = {self.lr_p:.2g})")

    @property
    def gof(self) -> str:
        verdict = ("no evidence of extra variation" if self.gof_p >= 0.05 else
                   "the hourly counts vary more than a Poisson process with this weekly profile "
                   "allows (volume swings or bursts: the simulated month will be calmer)")
        return (f"Poisson dispersion of hourly counts around the profile: X2 = "
                f"{self.gof_statistic:.1f} on {self.gof_df} df, p = {self.gof_p:.2g}; {verdict}")


def _g_test(cells: FloatArray) -> tuple[float, int, float]:
    rows, cols = cells.sum(axis=1), cells.sum(axis=0)
    total = cells.sum()
    expected = np.outer(rows, cols) / total
    hit = cells > 0
    g = float(2 * np.sum(cells[hit] * np.log(cells[hit] / expected[hit])))
    df = max((int((rows > 0).sum()) - 1) * (int((cols > 0).sum()) - 1), 1)
    return g, df, float(stats.chi2.sf(g, df))


def _margin(counts: FloatArray, exposure: FloatArray, alpha: float) -> tuple[Estimate, ...]:
    """Weights proportional to counts / exposure, mean 1 over the exposed bins."""
    rate = np.divide(counts, exposure, out=np.full(len(counts), math.nan), where=exposure > 0)
    level = float(np.nanmean(rate)) if np.nansum(rate) > 0 else math.nan
    out = []
    for k in range(len(counts)):
        lo, hi = poisson_ci(int(counts[k]), alpha)
        scale = exposure[k] * level if exposure[k] > 0 else math.nan
        out.append(Estimate(float(rate[k]) / level, lo / scale, hi / scale, int(counts[k])))
    return tuple(out)


def estimate_call_arrivals(
    local_created: pd.Series,
    tier: npt.NDArray[np.intp],
    tier_names: Sequence[str],
    period: tuple[date, date],
    alpha: float = 0.05,
) -> tuple[TierArrivals, ...]:
    """Per tier: monthly volume, the hour-of-week profile and their statements.

    Parameters
    ----------
    local_created
        Aware local arrival times (the export's zone) of first attempts.
    tier
        Tier index of each arrival into ``tier_names``.
    period
        First and last local date of the period the export covers.
    """
    first, last = period
    days = (last - first).days + 1
    months = days / DAYS_PER_MONTH
    day_weekday = (np.arange(days) + first.weekday()) % 7
    day_count = np.bincount(day_weekday, minlength=7).astype(np.int64)
    day_index = np.asarray([(d - first).days for d in local_created.dt.date], dtype=np.intp)
    hour = local_created.dt.hour.to_numpy().astype(np.intp)
    out = []
    for t, name in enumerate(tier_names):
        mask = tier == t
        n = int(mask.sum())
        lo, hi = poisson_ci(n, alpha)
        volume = Estimate(n / months, lo / months, hi / months, n)
        daily = np.zeros((days, 24))
        np.add.at(daily, (day_index[mask], hour[mask]), 1)
        cells = np.zeros((7, 24))
        np.add.at(cells, day_weekday, daily)
        exposure = day_count.astype(np.float64)
        if n == 0:
            flat = np.ones((7, 24))
            out.append(TierArrivals(name, 0, volume, flat, True, (), (), cells.astype(np.int64),
                                    day_count, 0.0, 1, 1.0, 0.0, 1, 1.0))
            continue
        g, g_df, g_p = _g_test(cells)
        separable = g_p >= 0.05
        if separable:
            fitted = np.outer(cells.sum(axis=1), cells.sum(axis=0)) / n
            params = _SEPARABLE_PARAMS
        else:
            fitted = cells
            params = int((cells > 0).sum())
        rate = np.divide(fitted, exposure[:, None], out=np.zeros((7, 24)),
                         where=exposure[:, None] > 0)
        seen = day_count > 0
        if not seen.all():
            # A period shorter than a week: weekdays it lacks take the mean of the others.
            rate[~seen] = rate[seen].mean(axis=0)
        matrix = rate / rate.mean()
        expected = rate[day_weekday]  # (days, 24) expected calls per hour of each date
        used = expected > 0
        x2 = float(np.sum((daily[used] - expected[used]) ** 2 / expected[used]))
        df = max(int(used.sum()) - params, 1)
        weekday = _margin(cells.sum(axis=1), exposure, alpha)
        hours = _margin(cells.sum(axis=0), np.full(24, float(days)), alpha)
        out.append(TierArrivals(name, n, volume, matrix, separable, weekday, hours,
                                cells.astype(np.int64), day_count, g, g_df, g_p, x2, df,
                                float(stats.chi2.sf(x2, df))))
    return tuple(out)


def profile_frame(arrivals: Sequence[TierArrivals], alpha: float = 0.05) -> pd.DataFrame:
    """Every tier's 7 x 24 weights with exact Poisson intervals of each cell (cell rate over
    the profile's mean rate, the mean treated as known)."""
    rows = []
    for a in arrivals:
        if a.n == 0:
            continue
        rate_mean = float((a.cells / np.maximum(a.day_count, 1)[:, None]).mean())
        for w in range(7):
            for h in range(24):
                count = int(a.cells[w, h])
                lo, hi = poisson_ci(count, alpha)
                scale = max(int(a.day_count[w]), 1) * rate_mean
                rows.append((a.tier, WEEKDAYS[w], h, float(a.matrix[w, h]), lo / scale,
                             hi / scale, count))
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)
