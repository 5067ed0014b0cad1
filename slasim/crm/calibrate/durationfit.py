"""Parametric fits of durations (talk, wrap-up, patience) by maximum likelihood, with censoring.

:func:`fit_durations` fits each candidate family (exponential, lognormal, gamma, Weibull) to
durations in minutes, some of them right-censored (a caller still waiting when served or when
the export was taken: their patience is only known to exceed that wait), and picks the family
with the smallest AIC. Exports round times to the second: a recorded duration ``t`` then only
says that the true one lies within half a second of it, and the likelihood uses
``F(t + h/2) - F(t - h/2)`` instead of the density (``h`` the resolution); this keeps a
duration recorded as 0 s, which has no density under these families, and costs nothing when
the durations are long.

Intervals come from the observed information (a numerical Hessian of the log-likelihood in
log-parameters) by the delta method on the log scale: ``exp(log g +- z se)`` for the mean,
median and CV ``g``. Goodness of fit:

- without censoring, the Kolmogorov-Smirnov distance between the empirical and fitted CDFs,
  compared on the recorded grid (``F(t + h/2)`` against the share at or below ``t``), with its
  p-value; parameters estimated from the same data make that p-value too high (the test is
  lenient), which the statement says;
- with censoring, the Kaplan-Meier estimate (:func:`kaplan_meier`, ``scipy.stats.ecdf`` with
  its pointwise log-log 95 % band): the largest distance between the fitted survival and
  Kaplan-Meier's, and the share of event times where the fitted curve lies inside the band.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, stats

from slasim.crm._stats import Estimate
from slasim.measure.intervals import normal_quantile

__all__ = [
    "FAMILIES",
    "DurationFit",
    "Durations",
    "KaplanMeier",
    "fit_durations",
    "kaplan_meier",
]

FloatArray = npt.NDArray[np.float64]
#: Every family :func:`fit_durations` knows, with its number of parameters.
FAMILIES: dict[str, int] = {"exponential": 1, "lognormal": 2, "gamma": 2, "weibull": 2}
_BIG = 1e300
_CANDIDATE_COLUMNS = ["family", "aic", "delta_aic", "mean", "median", "cv", "converged"]


def _frozen(family: str, theta: Sequence[float] | FloatArray) -> Any:
    """The scipy distribution of ``family`` at log-parameters ``theta``."""
    if family == "exponential":
        return stats.expon(scale=math.exp(theta[0]))
    if family == "lognormal":
        return stats.lognorm(s=math.exp(theta[1]), scale=math.exp(theta[0]))
    if family == "gamma":
        return stats.gamma(a=math.exp(theta[0]), scale=math.exp(theta[1]))
    if family == "weibull":
        return stats.weibull_min(c=math.exp(theta[0]), scale=math.exp(theta[1]))
    raise ValueError(f"family(={family!r}) must be one of {sorted(FAMILIES)}")


@dataclass(frozen=True, eq=False)
class Durations:
    """Durations in minutes, aggregated to distinct values with counts.

    ``events``: observed durations; ``censored``: lower bounds of durations not observed
    (right-censoring); ``resolution``: minutes a recorded value may be off by in total (1/60
    for times rounded to the second, 0 for exact times).
    """

    events: FloatArray
    event_counts: FloatArray
    censored: FloatArray
    censored_counts: FloatArray
    resolution: float

    @classmethod
    def from_arrays(cls, events: FloatArray, censored: FloatArray | None = None,
                    resolution: float = 0.0) -> Durations:
        ev, ev_n = np.unique(np.asarray(events, dtype=np.float64), return_counts=True)
        cen = np.asarray(censored if censored is not None else [], dtype=np.float64)
        cen, cen_n = np.unique(cen[cen > 0], return_counts=True)  # censored at 0 says nothing
        return cls(ev, ev_n.astype(np.float64), cen, cen_n.astype(np.float64), resolution)

    @property
    def n_events(self) -> int:
        return int(self.event_counts.sum())

    @property
    def n_censored(self) -> int:
        return int(self.censored_counts.sum())

    def expanded(self) -> tuple[FloatArray, FloatArray]:
        return np.repeat(self.events, self.event_counts.astype(np.int64)), np.repeat(
            self.censored, self.censored_counts.astype(np.int64))


def _nll(family: str, theta: FloatArray, d: Durations) -> float:
    with np.errstate(all="ignore"):
        try:
            dist = _frozen(family, theta)
        except (OverflowError, ValueError):
            return _BIG
        if d.resolution > 0:
            half = d.resolution / 2
            la = dist.logsf(np.maximum(d.events - half, 0.0))
            lb = dist.logsf(d.events + half)
            ll_ev = la + np.log(-np.expm1(lb - la))
        else:
            ll_ev = dist.logpdf(d.events)
        total = float(np.dot(d.event_counts, ll_ev))
        if len(d.censored):
            total += float(np.dot(d.censored_counts, dist.logsf(d.censored)))
    return -total if math.isfinite(total) else _BIG


def _start(family: str, d: Durations) -> FloatArray:
    ev, cen = d.expanded()
    positive = np.maximum(ev, max(d.resolution / 2, 1e-3))
    mean = (ev.sum() + cen.sum()) / max(len(ev), 1)  # exponential MLE under censoring
    if family == "exponential":
        return np.array([math.log(mean)])
    logs = np.log(positive)
    if family == "lognormal":
        return np.array([float(logs.mean()), math.log(max(float(logs.std()), 0.05))])
    m, v = float(positive.mean()), float(positive.var()) or 1e-6
    cv = min(max(math.sqrt(v) / m, 0.05), 10.0)
    if family == "gamma":
        return np.array([math.log(1 / cv**2), math.log(m * cv**2)])
    k = cv**-1.086  # Weibull shape for a given CV (Justus' approximation)
    return np.array([math.log(k), math.log(m / math.gamma(1 + 1 / k))])


def _hessian(f: Any, x: FloatArray, h: float = 1e-3) -> FloatArray:
    k = len(x)
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            value = f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
            out[i, j] = out[j, i] = value / (4 * h * h)
    return out


def _summaries(family: str, theta: FloatArray) -> FloatArray:
    """log mean, log median, log CV of the family at ``theta`` (NaN when undefined)."""
    with np.errstate(all="ignore"):
        try:
            dist = _frozen(family, theta)
            mean, median, sd = float(dist.mean()), float(dist.median()), float(dist.std())
        except (OverflowError, ValueError):
            return np.full(3, math.nan)
    if not (mean > 0 and median > 0 and sd > 0 and math.isfinite(mean) and math.isfinite(sd)):
        return np.full(3, math.nan)
    return np.log(np.array([mean, median, sd / mean]))


@dataclass(frozen=True)
class _Candidate:
    family: str
    theta: FloatArray
    nll: float
    converged: bool

    @property
    def aic(self) -> float:
        return 2 * FAMILIES[self.family] + 2 * self.nll


def _fit_one(family: str, d: Durations) -> _Candidate:
    def f(x: FloatArray) -> float:
        return _nll(family, x, d)

    x0 = _start(family, d)
    best = optimize.minimize(f, x0, method="Nelder-Mead",
                             options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
    polished = optimize.minimize(f, best.x, method="BFGS")
    if polished.fun < best.fun:
        best = polished
    return _Candidate(family, np.asarray(best.x, dtype=np.float64), float(best.fun),
                      bool(best.fun < _BIG / 2))


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier survival (``scipy.stats.ecdf``) at its distinct times, with the pointwise
    log-log band; ``median`` with the interval where the band crosses 0.5 (NaN where it never
    does: too few events to reach half)."""

    times: FloatArray
    survival: FloatArray
    low: FloatArray
    high: FloatArray
    median: Estimate


def kaplan_meier(d: Durations, alpha: float = 0.05) -> KaplanMeier | None:
    """Kaplan-Meier of ``d`` (``None`` without events)."""
    ev, cen = d.expanded()
    if not len(ev):
        return None
    result = stats.ecdf(stats.CensoredData(uncensored=ev, right=cen))
    times = np.asarray(result.sf.quantiles, dtype=np.float64)
    survival = np.asarray(result.sf.probabilities, dtype=np.float64)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # "The confidence interval is undefined at some observations": the last times, where
        # the band is NaN and is skipped.
        warnings.simplefilter("ignore", RuntimeWarning)
        band = result.sf.confidence_interval(1 - alpha, method="log-log")
    low = np.asarray(band.low.probabilities, dtype=np.float64)
    high = np.asarray(band.high.probabilities, dtype=np.float64)

    def first_below(values: FloatArray) -> float:
        hit = np.flatnonzero(values <= 0.5)
        return float(times[hit[0]]) if len(hit) else math.nan

    median = Estimate(first_below(survival), first_below(low), first_below(high),
                      len(ev) + len(cen))
    return KaplanMeier(times, survival, low, high, median)


@dataclass(frozen=True)
class DurationFit:
    """The chosen family and what it says.

    Attributes
    ----------
    family
        The family with the smallest AIC.
    mean, median, cv
        Estimates with 95 % intervals (delta method on the log scale); ``n`` is the number of
        durations (observed + censored).
    events, censored
        Observed and censored durations.
    candidates
        Every family tried: ``family``, ``aic``, ``delta_aic``, ``mean``, ``median``, ``cv``,
        ``converged``, best first.
    gof_distance, gof_p
        KS distance and p-value (no censoring), or the largest distance to Kaplan-Meier's
        survival and the share of event times inside its 95 % band (censoring).
    gof
        The goodness-of-fit statement in words.
    kaplan_meier
        The Kaplan-Meier estimate (censored data only).
    """

    family: str
    theta: tuple[float, ...]
    mean: Estimate
    median: Estimate
    cv: Estimate
    events: int
    censored: int
    candidates: pd.DataFrame
    gof_distance: float
    gof_p: float
    gof: str
    kaplan_meier: KaplanMeier | None = None

    def dist(self) -> Any:
        """The fitted scipy distribution (minutes)."""
        return _frozen(self.family, self.theta)


def _estimates(c: _Candidate, d: Durations, z: float) -> list[Estimate]:
    n = d.n_events + d.n_censored
    point = _summaries(c.family, c.theta)
    cov = None
    hess = _hessian(lambda x: _nll(c.family, x, d), c.theta)
    if np.isfinite(hess).all():
        try:
            np.linalg.cholesky(hess)
            cov = np.linalg.inv(hess)
        except np.linalg.LinAlgError:
            cov = None
    out = []
    for k in range(3):
        value = math.exp(point[k]) if math.isfinite(point[k]) else math.nan
        if c.family == "exponential" and k == 2:
            out.append(Estimate(1.0, 1.0, 1.0, n))  # an exponential's CV is 1 by definition
            continue
        if cov is None or not math.isfinite(value):
            out.append(Estimate(value, math.nan, math.nan, n))
            continue
        h = 1e-5
        grad = np.array([(_summaries(c.family, c.theta + e)[k]
                          - _summaries(c.family, c.theta - e)[k]) / (2 * h)
                         for e in np.eye(len(c.theta)) * h])
        se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
        out.append(Estimate(value, math.exp(point[k] - z * se), math.exp(point[k] + z * se), n))
    return out


def _ks(dist: Any, d: Durations) -> tuple[float, float, str]:
    n = d.n_events
    counts = np.cumsum(d.event_counts)
    right, left = counts / n, (counts - d.event_counts) / n
    half = d.resolution / 2
    high = dist.cdf(d.events + half)
    low = dist.cdf(np.maximum(d.events - half, 0.0))
    distance = float(max(np.max(np.abs(right - high)), np.max(np.abs(left - low))))
    p = float(stats.kstwo.sf(distance, n))
    grid = " on the 1-second grid of the export" if d.resolution > 0 else ""
    text = (f"Kolmogorov-Smirnov D = {distance:.3g} over {n} values{grid}, p = {p:.2g} "
            "(parameters fitted to the same data: p is too high, a lenient test); "
            + ("no evidence against the family" if p >= 0.05 else
               "the data depart from the family (with many values even a small departure "
               "shows: compare D with the differences that matter)"))
    return distance, p, text


def _km_gof(dist: Any, d: Durations, km: KaplanMeier) -> tuple[float, float, str]:
    events = np.isin(km.times, d.events)
    t = km.times[events]
    half = d.resolution / 2
    fitted = dist.sf(t + half)
    distance = float(np.max(np.abs(km.survival[events] - fitted))) if len(t) else math.nan
    band = np.isfinite(km.low[events]) & np.isfinite(km.high[events])
    inside = (km.low[events] <= fitted + 1e-12) & (fitted <= km.high[events] + 1e-12)
    share = float(inside[band].mean()) if band.any() else math.nan
    where = float(t[np.argmax(np.abs(km.survival[events] - fitted))]) if len(t) else math.nan
    text = (f"largest distance between the fitted survival and Kaplan-Meier's: {distance:.4f} "
            f"(at {where:.3g} min); the fitted curve lies inside Kaplan-Meier's pointwise 95 % "
            f"band at {share:.0%} of {int(band.sum())} event times")
    if not math.isfinite(km.median.value):
        text += ("; Kaplan-Meier never reaches 0.5 (most callers were served before they "
                 "would hang up), so the median is the fitted family's extrapolation")
    return distance, share, text


def fit_durations(
    events: FloatArray,
    censored: FloatArray | None = None,
    *,
    families: Sequence[str] = ("exponential", "lognormal", "gamma"),
    resolution: float = 0.0,
    alpha: float = 0.05,
    min_events: int = 3,
) -> DurationFit | None:
    """Fit ``families`` to durations in minutes and keep the one with the smallest AIC.

    Parameters
    ----------
    events
        Observed durations (>= 0).
    censored
        Right-censored durations: the true duration exceeds each (patience of served callers).
    families
        Candidates among :data:`FAMILIES`.
    resolution
        Minutes a recorded duration may be off by in total (1/60 for whole seconds).
    alpha
        1 - confidence level of the intervals.
    min_events
        Fewer observed durations than this: ``None`` (no shape can be estimated).
    """
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise ValueError(f"families(={list(families)!r}) must be a non-empty subset of "
                         f"{sorted(FAMILIES)}")
    d = Durations.from_arrays(events, censored, resolution)
    if d.n_events < min_events or not (d.events > 0).any():
        return None
    fits = sorted((_fit_one(f, d) for f in families), key=lambda c: c.aic)
    best = fits[0]
    z = normal_quantile(1 - alpha / 2)
    mean, median, cv = _estimates(best, d, z)
    rows = []
    for c in fits:
        m, med, v = np.exp(_summaries(c.family, c.theta))
        rows.append((c.family, c.aic, c.aic - best.aic, m, med, 1.0 if c.family == "exponential"
                     else v, c.converged))
    table = pd.DataFrame(rows, columns=_CANDIDATE_COLUMNS)
    dist = _frozen(best.family, best.theta)
    km = None
    if d.n_censored:
        km = kaplan_meier(d, alpha)
        assert km is not None  # there are events
        distance, p, text = _km_gof(dist, d, km)
    else:
        distance, p, text = _ks(dist, d)
    second = (f"; next: {fits[1].family} (ΔAIC {fits[1].aic - best.aic:.1f})"
              if len(fits) > 1 else "")
    text = f"{best.family} by AIC{second}; {text}"
    return DurationFit(best.family, tuple(float(x) for x in best.theta), mean, median, cv,
                       d.n_events, d.n_censored, table, distance, p, text, km)
