"""Small statistical helpers for calibration: exact and score intervals, bootstrap, Hessians,
and a right-censored lognormal fit."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special, stats

from slasim.measure.intervals import normal_quantile, wilson_interval

__all__ = [
    "ROW_COLUMNS",
    "Z95",
    "Estimate",
    "LognormalFit",
    "Row",
    "bootstrap_quantiles",
    "covariance",
    "fit_censored_lognormal",
    "numeric_hessian",
    "poisson_ci",
    "rows_frame",
    "wilson_ci",
]

FloatArray = npt.NDArray[np.float64]
#: Two-sided 95 % normal quantile.
Z95 = normal_quantile(0.975)
_Z90 = normal_quantile(0.9)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval and the number of rows it rests on."""

    value: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class Row:
    """One estimate of the calibration summary."""

    parameter: str
    tier: str
    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str

    @property
    def has_ci(self) -> bool:
        return not (math.isnan(self.ci_low) or math.isnan(self.ci_high))

    def ci_text(self, digits: int = 3) -> str:
        """``value, 95 % CI low-high`` (or a note that there is no interval); magnitudes
        below 1e-6 are shown as 0 (a bound of 3.4e-202 is 0 for every purpose here)."""
        if not self.has_ci:
            return f"{_shown(self.estimate, digits)} (no 95 % CI: too few rows)"
        return (f"{_shown(self.estimate, digits)}, 95 % CI {_shown(self.ci_low, digits)}-"
                f"{_shown(self.ci_high, digits)}")


def _shown(value: float, digits: int) -> str:
    return "0" if abs(value) < 1e-6 else f"{value:.{digits}g}"


ROW_COLUMNS = ["parameter", "tier", "estimate", "ci_low", "ci_high", "n", "method"]


def rows_frame(rows: Iterable[Row]) -> pd.DataFrame:
    """Rows as a tidy DataFrame with :data:`ROW_COLUMNS`."""
    return pd.DataFrame(
        [(r.parameter, r.tier, r.estimate, r.ci_low, r.ci_high, r.n, r.method) for r in rows],
        columns=ROW_COLUMNS,
    )


def poisson_ci(count: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson mean from one observed ``count``."""
    low = 0.0 if count == 0 else float(stats.chi2.ppf(alpha / 2, 2 * count)) / 2
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2
    return low, high


def wilson_ci(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score ``1 - alpha`` interval for a binomial proportion (NaN for ``n == 0``: a
    calibration row without data shows no interval, where a verdict's P(kept) shows [0, 1])."""
    if n <= 0:
        return math.nan, math.nan
    return wilson_interval(successes, n, normal_quantile(1 - alpha / 2))


def bootstrap_quantiles(
    values: FloatArray,
    qs: tuple[float, ...],
    rng: np.random.Generator,
    n_boot: int = 2000,
    alpha: float = 0.05,
) -> list[Estimate]:
    """Empirical quantiles with percentile-bootstrap intervals (NaN below 5 values)."""
    n = len(values)
    if n == 0:
        return [Estimate(math.nan, math.nan, math.nan, 0) for _ in qs]
    point = np.quantile(values, qs)
    if n < 5:
        return [Estimate(float(p), math.nan, math.nan, n) for p in point]
    draws = rng.choice(values, size=(n_boot, n), replace=True)
    boot = np.quantile(draws, qs, axis=1)  # (len(qs), n_boot)
    lows = np.quantile(boot, alpha / 2, axis=1)
    highs = np.quantile(boot, 1 - alpha / 2, axis=1)
    return [
        Estimate(float(p), float(lo), float(hi), n)
        for p, lo, hi in zip(point, lows, highs, strict=True)
    ]


def numeric_hessian(
    grad: Callable[[FloatArray], FloatArray], x: FloatArray, rel_step: float = 1e-4
) -> FloatArray:
    """Hessian by central differences of an analytic gradient, symmetrised."""
    k = len(x)
    hess: FloatArray = np.empty((k, k))
    for i in range(k):
        h = rel_step * max(1.0, abs(float(x[i])))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        hess[:, i] = (grad(up) - grad(down)) / (2 * h)
    out: FloatArray = (hess + hess.T) / 2
    return out


def covariance(hess: FloatArray) -> FloatArray | None:
    """Inverse of the observed information, or ``None`` if it is not positive definite (or
    not finite)."""
    if not np.isfinite(hess).all():
        return None
    try:
        np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        return None
    cov = np.asarray(np.linalg.inv(hess), dtype=np.float64)
    return cov if np.isfinite(cov).all() else None


def _exp(x: float) -> float:
    """``exp`` that saturates at ~1e304 instead of overflowing (no inf in any output)."""
    return math.exp(min(x, 700.0))


@dataclass(frozen=True)
class LognormalFit:
    """Right-censored lognormal fit: median and p90 with 95 % intervals (delta method)."""

    median: Estimate
    p90: Estimate
    closed: int
    censored: int


def fit_censored_lognormal(
    times: FloatArray, censored: npt.NDArray[np.bool_], alpha: float = 0.05
) -> LognormalFit | None:
    """Maximum likelihood of a lognormal with right-censoring.

    Parameters
    ----------
    times
        Positive durations: the event time when observed, the follow-up time when
        ``censored`` (still open at the export).
    censored
        Whether each duration is censored.

    Returns
    -------
    LognormalFit or None
        ``None`` with fewer than 3 observed events (the spread is not identifiable).
    """
    t = np.log(np.maximum(np.asarray(times, dtype=np.float64), 1e-6))
    c = np.asarray(censored, dtype=bool)
    ev, cen = t[~c], t[c]
    if len(ev) < 3:
        return None

    def nll(x: FloatArray) -> float:
        mu, log_s = float(x[0]), float(x[1])
        s = _exp(log_s)
        z_ev = (ev - mu) / s
        z_cen = (cen - mu) / s
        # log survival via log_ndtr(-z): stable far in the tail.
        return float(
            np.sum(0.5 * z_ev**2 + log_s) - np.sum(special.log_ndtr(-z_cen))
        )

    def grad(x: FloatArray) -> FloatArray:
        mu, log_s = float(x[0]), float(x[1])
        s = _exp(log_s)
        z_ev = (ev - mu) / s
        z_cen = (cen - mu) / s
        # d/dz of -log(1 - Phi(z)) is the inverse Mills ratio phi(z) / (1 - Phi(z)).
        mills = np.exp(stats.norm.logpdf(z_cen) - special.log_ndtr(-z_cen))
        d_mu = float(-np.sum(z_ev) / s - np.sum(mills) / s)
        d_ls = float(np.sum(1 - z_ev**2) - np.sum(mills * z_cen))
        return np.array([d_mu, d_ls])

    x0 = np.array([float(np.mean(ev)), math.log(max(float(np.std(ev)), 0.1))])
    # Few events can leave the likelihood nearly flat: the optimizer's trial steps and the
    # intervals may then reach huge values, which must not overflow (nor warn).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        res = optimize.minimize(nll, x0, jac=grad, method="BFGS")
        x = res.x
        cov = covariance(numeric_hessian(grad, x))
    z = normal_quantile(1 - alpha / 2)
    mu, s = float(x[0]), _exp(float(x[1]))
    n = len(t)
    if cov is None:
        nan = math.nan
        return LognormalFit(
            Estimate(_exp(mu), nan, nan, n),
            Estimate(_exp(mu + _Z90 * s), nan, nan, n),
            len(ev),
            len(cen),
        )
    se_mu = math.sqrt(cov[0, 0])
    # log p90 = mu + z90 * exp(log_s): gradient (1, z90 * s) for the delta method.
    g = np.array([1.0, _Z90 * s])
    se_p90 = math.sqrt(float(g @ cov @ g))
    log_p90 = mu + _Z90 * s
    return LognormalFit(
        Estimate(_exp(mu), _exp(mu - z * se_mu), _exp(mu + z * se_mu), n),
        Estimate(_exp(log_p90), _exp(log_p90 - z * se_p90), _exp(log_p90 + z * se_p90), n),
        len(ev),
        len(cen),
    )
