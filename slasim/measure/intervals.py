"""Confidence intervals: the one place that writes the Wilson score and Student t formulas.

Every interval slasim reports (P(kept) of a verdict, a mean over replications, a paired
difference, a calibrated rate) is computed here. The quantiles come from :mod:`scipy.special`
(``ndtri``, ``stdtrit``), which ``scipy.stats.norm.ppf`` and ``scipy.stats.t.ppf`` call anyway
(the same floats, bit for bit), imported inside the functions: ``scipy.stats`` costs ~1 s to
import and ``slasim check --no-simulate`` loads no scipy at all.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "Z_VERDICT",
    "mean_interval",
    "normal_quantile",
    "t_half_width",
    "t_interval",
    "t_quantile",
    "wilson_interval",
]

#: The two-sided 95 % normal quantile as the verdicts have always rounded it (not 1.95996...):
#: P(kept) intervals printed before stay the same to the last digit.
Z_VERDICT = 1.96


def normal_quantile(p: float) -> float:
    """Standard normal quantile ``Phi^-1(p)`` (``scipy.stats.norm.ppf(p)``)."""
    from scipy.special import ndtri

    return float(ndtri(p))


def t_quantile(p: float, df: float) -> float:
    """Student t quantile with ``df`` degrees of freedom (``scipy.stats.t.ppf(p, df)``)."""
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


def wilson_interval(successes: float, n: int, z: float = Z_VERDICT) -> tuple[float, float]:
    """Wilson score interval of the proportion ``successes / n``, clipped to [0, 1].

    ``z`` is the standard normal quantile (:func:`normal_quantile` ``(1 - alpha / 2)`` for a
    ``1 - alpha`` interval); its sign is ignored. ``successes`` may be fractional (a share
    times ``n``). ``n == 0``: ``(0.0, 1.0)``, nothing is known.
    """
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = abs(z) * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denom
    # At 0 or n successes the bound is exactly 0 or 1 (the float sum left 1e-19, not 0).
    low = 0.0 if p <= 0 else max(0.0, centre - half)
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return low, high


def t_half_width(values: npt.ArrayLike, alpha: float = 0.05) -> float:
    """Half-width of the ``1 - alpha`` Student t interval of the mean of ``values``.

    ``t(1 - alpha / 2; n - 1) * sd / sqrt(n)`` with the sample sd (``ddof=1``); NaN below two
    values (no spread can be estimated).
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 2:
        return math.nan
    return t_quantile(1 - alpha / 2, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)


def t_interval(values: npt.ArrayLike, alpha: float = 0.05) -> tuple[float, float]:
    """``1 - alpha`` Student t interval of the mean of ``values`` (NaN below two values)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return math.nan, math.nan
    mean = float(x.mean())
    half = t_half_width(x, alpha)
    return mean - half, mean + half


def mean_interval(values: npt.ArrayLike, flags: bool = False) -> tuple[float, float, float]:
    """Mean of ``values`` and its 95 % interval: the Student t interval, or for ``flags``
    whose values are all 0 or 1 (a term kept or not per replication) the Wilson interval the
    verdict gives its P(met), never beyond 0 and 1. NaN without values."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if flags and np.isin(x, (0.0, 1.0)).all():
        return (mean, *wilson_interval(float(x.sum()), len(x)))
    half = t_half_width(x)
    return mean, mean - half, mean + half
