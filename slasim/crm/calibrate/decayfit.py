"""Fit a contact or qualify decay curve by maximum likelihood from CRM data.

The model is the engine's: an attempt at lead age ``d`` (minutes) succeeds with probability
``p0[tier] * f(d)``, with one ``p0`` per tier and a curve ``f`` shared by the tiers:

- ``exponential``: ``f(d) = floor + (1 - floor) * 2**(-d / half_life)`` (exponential with floor);
- ``power_law``: ``f(d) = (1 + d / scale) ** -exponent`` (no floor: two shape parameters, like
  the exponential, so AIC compares them on equal terms);
- ``flat``: ``f = 1`` (no decay), the null model.

Parameters are fitted on unconstrained scales (logit ``p0``, log half-life, logit floor, log
scale, log exponent) with :func:`scipy.optimize.minimize` (L-BFGS-B, analytic gradient,
several starting half-lives); 95 % intervals come from the observed information (the Hessian
of the negative log-likelihood, by central differences of the gradient) on those scales and
are mapped back, so they stay inside the parameter ranges (half-life and scale intervals are
clipped to the fitted range, 0.01 minutes to 1e6 minutes, the exponent's to 0.001 - 20). The
model with the lowest AIC is chosen; within 2 AIC units the simpler reading wins (flat, then
exponential).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special

from slasim.crm._stats import Z95, Row, covariance, numeric_hessian, rows_frame
from slasim.model.decay import DecayCurve, ExponentialDecay, FlatDecay, PowerLawDecay

__all__ = ["DecayFit", "DecayModelFit", "fit_decay"]

FloatArray = npt.NDArray[np.float64]
Kind = Literal["flat", "exponential", "power_law"]
KINDS: tuple[Kind, ...] = ("flat", "exponential", "power_law")
_LN2 = math.log(2.0)
_EPS = 1e-12
#: Fewer observations, successes or failures than this: no fit. A curve's two shape
#: parameters are read off how the success rate changes with age; with fewer than 10 events
#: on either side that change is noise (a floor of 3e-07 with a 95 % interval of 0 - 1).
MIN_ROWS, MIN_SUCCESSES, MIN_FAILURES = 30, 10, 10
_BINS = (0, 5, 15, 30, 60, 120, 240, 480, 1440, 2880, 10080, math.inf)
_STARTS = (1.0, 10.0, 60.0, 600.0, 6000.0)  # starting half-lives / scales, minutes


@dataclass(frozen=True)
class DecayModelFit:
    """One fitted candidate model.

    Attributes
    ----------
    kind
        ``"flat"``, ``"exponential"`` or ``"power_law"``.
    params
        Curve parameters (``half_life_minutes`` and ``floor``, or ``scale_minutes`` and
        ``exponent``; none for flat), tier ``"all"``.
    base
        Per tier ``p0``, the success probability at age 0 (NaN for a tier without rows).
    log_likelihood, n_params, aic
        Fit quality; ``aic = 2 n_params - 2 log_likelihood``.
    identified
        Whether the observed information is positive definite (intervals exist).
    """

    kind: Kind
    params: tuple[Row, ...]
    base: tuple[Row, ...]
    log_likelihood: float
    n_params: int
    aic: float
    identified: bool

    @property
    def summary(self) -> pd.DataFrame:
        """``p0`` per tier and the curve parameters as a tidy table."""
        return rows_frame((*self.base, *self.params))

    def value(self, name: str) -> float:
        """Point estimate of curve parameter ``name``."""
        return next(r.estimate for r in self.params if r.parameter == name)

    def base_of(self, tier: str) -> Row:
        """The ``p0`` row of ``tier``."""
        return next(r for r in self.base if r.tier == tier)

    def curve(self, provenance: str = "fitted") -> DecayCurve:
        """The fitted curve as a :class:`~slasim.model.decay.DecayCurve`."""
        if self.kind == "exponential":
            return ExponentialDecay(
                self.value("half_life_minutes"), self.value("floor"), provenance=provenance
            )
        if self.kind == "power_law":
            return PowerLawDecay(
                self.value("scale_minutes"), self.value("exponent"), provenance=provenance
            )
        return FlatDecay(provenance=provenance)


@dataclass(frozen=True)
class DecayFit:
    """The chosen decay model for one stage, with the candidates it beat.

    Attributes
    ----------
    stage
        ``"contact"`` or ``"qualify"``.
    model
        The chosen :class:`DecayModelFit`.
    candidates
        One row per model: ``kind``, ``log_likelihood``, ``n_params``, ``aic``,
        ``delta_aic`` (to the lowest).
    reason
        Which model was chosen and why, in one sentence.
    table
        Observed vs fitted success rate per age bin: ``age_from``, ``age_to`` (minutes),
        ``n``, ``observed``, ``fitted``.
    n, successes
        Observations used and successes among them.
    """

    stage: str
    model: DecayModelFit
    fits: tuple[DecayModelFit, ...]
    candidates: pd.DataFrame
    reason: str
    table: pd.DataFrame
    n: int
    successes: int


class _Likelihood:
    """Negative log-likelihood and gradient of ``p = expit(a[tier]) * f(d)``."""

    def __init__(self, kind: Kind, age: FloatArray, y: FloatArray, tier: npt.NDArray[np.intp],
                 n_tiers: int) -> None:
        self.kind, self.age, self.y, self.tier, self.t = kind, age, y, tier, n_tiers

    def curve(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``f`` and its derivatives with respect to the two shape parameters."""
        d = self.age
        if self.kind == "flat":
            one = np.ones_like(d)
            return one, np.zeros_like(d), np.zeros_like(d)
        u, v = float(x[self.t]), float(x[self.t + 1])
        if self.kind == "exponential":
            lam = _LN2 * math.exp(-u)  # decay rate; half-life = exp(u)
            floor = float(special.expit(v))
            e = np.exp(-lam * d)
            f = floor + (1 - floor) * e
            return f, (1 - floor) * e * lam * d, floor * (1 - floor) * (1 - e)
        scale, k = math.exp(u), math.exp(v)
        g = 1 + d / scale
        f = g**-k
        return f, f * k * (d / scale) / g, -f * np.log(g) * k

    def _parts(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray,
                                              FloatArray]:
        s = special.expit(x[: self.t])[self.tier]
        f, df_u, df_v = self.curve(x)
        p = np.clip(s * f, _EPS, 1 - _EPS)
        return s, f, df_u, df_v, p

    def nll(self, x: FloatArray) -> float:
        _, _, _, _, p = self._parts(x)
        y = self.y
        return float(-np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))

    def grad(self, x: FloatArray) -> FloatArray:
        s, f, df_u, df_v, p = self._parts(x)
        y = self.y
        g_p = -(y / p - (1 - y) / (1 - p))
        out = np.zeros_like(x)
        out[: self.t] = np.bincount(self.tier, weights=g_p * s * (1 - s) * f, minlength=self.t)
        if self.kind != "flat":
            out[self.t] = np.sum(g_p * s * df_u)
            out[self.t + 1] = np.sum(g_p * s * df_v)
        return out

    def fitted(self, x: FloatArray) -> FloatArray:
        return self._parts(x)[4]


def _bounds(kind: Kind, n_tiers: int) -> list[tuple[float, float]]:
    base = [(-20.0, 20.0)] * n_tiers
    if kind == "exponential":
        return [*base, (math.log(0.01), math.log(1e6)), (-15.0, 15.0)]
    if kind == "power_law":
        return [*base, (math.log(0.01), math.log(1e6)), (math.log(1e-3), math.log(20.0))]
    return base


def _starts(kind: Kind, a0: FloatArray) -> list[FloatArray]:
    if kind == "flat":
        return [a0]
    shape2 = [float(special.logit(0.2))] if kind == "exponential" else [math.log(0.5), 0.0]
    return [np.array([*a0, math.log(h), w]) for h in _STARTS for w in shape2]


def _fit_one(kind: Kind, lik: _Likelihood, names: Sequence[str], counts: FloatArray,
             a0: FloatArray) -> tuple[DecayModelFit, FloatArray]:
    best = None
    for x0 in _starts(kind, a0):
        res = optimize.minimize(
            lik.nll, x0, jac=lik.grad, method="L-BFGS-B", bounds=_bounds(kind, lik.t)
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    x = np.asarray(best.x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        cov = covariance(numeric_hessian(lik.grad, x))
    se = np.sqrt(np.diag(cov)) if cov is not None else np.full(len(x), math.nan)

    bounds = _bounds(kind, lik.t)

    def ci(i: int, back: str) -> tuple[float, float, float]:
        lo, hi = x[i] - Z95 * se[i], x[i] + Z95 * se[i]
        if back == "expit":
            return float(special.expit(x[i])), float(special.expit(lo)), float(special.expit(hi))
        # A nearly flat likelihood gives a huge standard error: exp() would overflow. The
        # interval cannot leave the range the fit searched.
        low, high = bounds[i]
        lo, hi = min(max(lo, low), high), min(max(hi, low), high)
        return math.exp(x[i]), math.exp(lo), math.exp(hi)

    t = lik.t
    method = f"{kind}: maximum likelihood, Hessian CI"
    base = tuple(
        Row("p0", names[i], *ci(i, "expit"), int(counts[i]), method) for i in range(t)
    )
    n = int(counts.sum())
    params: tuple[Row, ...] = ()
    if kind == "exponential":
        params = (Row("half_life_minutes", "all", *ci(t, "exp"), n, method),
                  Row("floor", "all", *ci(t + 1, "expit"), n, method))
    elif kind == "power_law":
        params = (Row("scale_minutes", "all", *ci(t, "exp"), n, method),
                  Row("exponent", "all", *ci(t + 1, "exp"), n, method))
    loglik = -float(best.fun)
    k = len(x)
    model = DecayModelFit(kind, params, base, loglik, k, 2 * k - 2 * loglik, cov is not None)
    return model, x


def _choose(fits: Sequence[DecayModelFit]) -> tuple[DecayModelFit, str]:
    best_aic = min(f.aic for f in fits)
    # Within 2 AIC units the data do not prefer either model; take the simpler reading, in
    # the order of KINDS (no decay, then exponential with floor, then power law).
    chosen = next(f for f in sorted(fits, key=lambda f: KINDS.index(f.kind))
                  if f.aic - best_aic < 2.0)
    others = ", ".join(
        f"{f.kind} {f.aic:.1f} (ΔAIC {f.aic - chosen.aic:+.1f})" for f in fits if f is not chosen
    )
    lowest = chosen.aic == best_aic
    why = (
        "lowest AIC" if lowest else
        f"within 2 AIC units of the lowest, and simpler ({chosen.kind} is preferred on a tie)"
    )
    return chosen, f"{chosen.kind} chosen: AIC {chosen.aic:.1f}, {why}; others: {others}"


def fit_decay(
    age_minutes: npt.ArrayLike,
    success: npt.ArrayLike,
    tier: npt.ArrayLike,
    tier_names: Sequence[str],
    stage: str,
) -> DecayFit | None:
    """Fit ``P(success | age, tier) = p0[tier] * f(age)`` and choose ``f`` by AIC.

    Parameters
    ----------
    age_minutes
        Lead age at the attempt (minutes, >= 0).
    success
        Whether the attempt succeeded (contact reached / lead qualified).
    tier
        Tier index of each observation into ``tier_names``.
    tier_names
        Names of the tiers; tiers without observations get NaN estimates.
    stage
        ``"contact"`` or ``"qualify"`` (for labels).

    Returns
    -------
    DecayFit or None
        ``None`` with fewer than :data:`MIN_ROWS` observations or :data:`MIN_SUCCESSES`
        successes or :data:`MIN_FAILURES` failures.
    """
    age = np.maximum(np.asarray(age_minutes, dtype=np.float64), 0.0)
    y = np.asarray(success, dtype=np.float64)
    tiers = np.asarray(tier, dtype=np.intp)
    if len(age) < MIN_ROWS or y.sum() < MIN_SUCCESSES or len(y) - y.sum() < MIN_FAILURES:
        return None
    present = np.unique(tiers)
    remap = np.full(len(tier_names), -1, dtype=np.intp)
    remap[present] = np.arange(len(present))
    names = [tier_names[i] for i in present]
    local = remap[tiers]
    counts = np.bincount(local, minlength=len(present)).astype(np.float64)
    hits = np.bincount(local, weights=y, minlength=len(present))
    # Start p0 a bit above each tier's overall rate: the rate is p0 times an average f <= 1.
    a0 = special.logit(np.clip(1.3 * (hits + 0.5) / (counts + 1.0), 0.01, 0.95))
    fits: list[DecayModelFit] = []
    xs: list[FloatArray] = []
    liks: list[_Likelihood] = []
    for kind in KINDS:
        lik = _Likelihood(kind, age, y, local, len(present))
        model, x = _fit_one(kind, lik, names, counts, a0)
        fits.append(_with_all_tiers(model, tier_names))
        xs.append(x)
        liks.append(lik)
    chosen, reason = _choose(fits)
    i = fits.index(chosen)
    fitted = liks[i].fitted(xs[i])
    table = _bin_table(age, y, fitted)
    candidates = pd.DataFrame(
        [(f.kind, f.log_likelihood, f.n_params, f.aic, f.aic - min(g.aic for g in fits))
         for f in fits],
        columns=["kind", "log_likelihood", "n_params", "aic", "delta_aic"],
    )
    return DecayFit(stage, chosen, tuple(fits), candidates, reason, table, len(age), int(y.sum()))


def _with_all_tiers(model: DecayModelFit, tier_names: Sequence[str]) -> DecayModelFit:
    fitted = {r.tier: r for r in model.base}
    nan = math.nan
    base = tuple(
        fitted.get(name, Row("p0", name, nan, nan, nan, 0, "no rows of this tier"))
        for name in tier_names
    )
    return DecayModelFit(
        model.kind, model.params, base, model.log_likelihood, model.n_params, model.aic,
        model.identified,
    )


def _bin_table(age: FloatArray, y: FloatArray, fitted: FloatArray) -> pd.DataFrame:
    edges = np.array(_BINS)
    which = np.searchsorted(edges, age, side="right") - 1
    rows = []
    for b in range(len(edges) - 1):
        m = which == b
        if m.any():
            rows.append((edges[b], edges[b + 1], int(m.sum()), float(y[m].mean()),
                         float(fitted[m].mean())))
    return pd.DataFrame(rows, columns=["age_from", "age_to", "n", "observed", "fitted"])
