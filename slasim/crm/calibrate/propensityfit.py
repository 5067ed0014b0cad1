"""Fit the leads' propensity spread from conversation outcomes (beta-geometric, censored ML).

The data, per tier: for every lead with at least one conversation, how many conversations it
had (``c``) and how its last one ended -- ``qualified``, ``disqualified`` or ``undecided`` (the
lead was still undecided: waiting for a follow-up at the export time, or sent to nurture when
the conversations ran out). The model (:mod:`slasim.engine.conversations`, flat qualify curve): lead
propensity ``q ~ Beta(k m, k (1 - m))``; each conversation qualifies with probability ``q``,
else disqualifies with probability ``d``, else leaves the lead undecided. With
``B(x, y)`` the beta function, a lead contributes

- qualified at ``c``: ``B(a + 1, b + c - 1) / B(a, b) * (1 - d)^(c - 1)``;
- disqualified at ``c``: ``B(a, b + c) / B(a, b) * (1 - d)^(c - 1) * d``;
- undecided after ``c`` (right-censored): ``B(a, b + c) / B(a, b) * (1 - d)^c``,

``a = k m``, ``b = k (1 - m)``. The leads are grouped by ``(c, outcome)``, so the likelihood is
a sum over a small table whatever the number of leads. ``(m, k, d)`` are fitted by maximum
likelihood (scipy, on ``logit m``, ``log k``, ``logit d``); each gets a 95 % profile-likelihood
interval: the values whose profile deviance ``2 (l_max - l_p)`` stays below the chi-square(1)
quantile (3.84). Profile intervals follow the likelihood's asymmetry (``k`` is bounded below by
0 and its likelihood is flat towards "no spread"), where a Wald interval from the Fisher
information would be symmetric on an arbitrary scale. An upper bound of ``inf`` for ``k`` says
that the data cannot exclude "no spread at all". The chi-square approximation is
asymptotic: with 1,500 reached leads the interval for ``k`` covered the truth in 90 of 100
simulated data sets (``tests/test_propensityfit.py`` says how they were made).

``k`` is identified only by leads with several conversations: with everybody decided at the
first, the data say nothing about the spread (:data:`MIN_FOLLOWED` leads with two or more
are needed before a value reaches the overlay). A decaying qualify curve makes later
conversations qualify less for reasons of age, which this flat-curve fit reads as spread:
``k`` is then biased low (the how-to says so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

__all__ = ["MIN_FOLLOWED", "OUTCOMES", "PropensityFit", "fit_propensity", "outcome_table"]

#: Labels of a conversation's outcome, in table column order.
OUTCOMES: tuple[str, ...] = ("qualified", "disqualified", "undecided")
#: Leads with two or more conversations needed before k reaches the overlay.
MIN_FOLLOWED = 30
_K_MAX = 1e6  # propensity_concentration's bound: beyond it, no spread
_EDGE = 20.0  # |logit| / log bound of the search: probabilities 2e-9 .. 1 - 2e-9


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95 % profile-likelihood interval."""

    value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class PropensityFit:
    """The fitted propensity model of one tier.

    Attributes
    ----------
    tier
        Tier name.
    leads, followed
        Leads with a conversation; of them, with two or more.
    m, kappa, disqualify
        ``base_qualify`` at the first conversation (flat curve), the concentration ``k``
        (``inf``: no spread) and the disqualify rate, each with its 95 % interval.
    table
        ``(c, 3)`` counts: leads whose last conversation was number ``c + 1``, by outcome.
    loglik
        Maximised log-likelihood.
    """

    tier: str
    leads: int
    followed: int
    m: Interval
    kappa: Interval
    disqualify: Interval
    table: npt.NDArray[np.int64]
    loglik: float

    def by_conversation(self) -> npt.NDArray[np.float64]:
        """Observed qualify share per conversation number: qualified at ``c`` / held ``c``."""
        held = self.table.sum(axis=1)[::-1].cumsum()[::-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.table[:, 0] / held, dtype=np.float64)


def outcome_table(conversations: Sequence[int] | npt.NDArray[np.integer],
                  outcomes: Sequence[str] | npt.NDArray[np.object_]) -> npt.NDArray[np.int64]:
    """Count leads by (last conversation number, outcome); rows 1..max conversation."""
    c = np.asarray(conversations, dtype=np.int64)
    k = np.array([OUTCOMES.index(o) for o in outcomes], dtype=np.int64)
    if c.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    if c.min() < 1:
        raise ValueError(f"conversations(min={int(c.min())}) must be >= 1")
    table = np.zeros((int(c.max()), 3), dtype=np.int64)
    np.add.at(table, (c - 1, k), 1)
    return table


def _loglik(table: npt.NDArray[np.int64], m: float, kappa: float, d: float) -> float:
    # With a = k m, b = k (1 - m): B(a, b + c) / B(a, b) = prod_{j<c} (b + j) / (a + b + j) and
    # B(a + 1, b + c - 1) / B(a, b) = a / (a + b + c - 1) * prod_{j<c-1} (same), written with
    # a / (a + b + j) = m k / (k + j): exact for any k (betaln differences of ~k-sized terms
    # lose digits when k is large, i.e. near "no spread").
    j = np.arange(table.shape[0], dtype=np.float64)
    share = m * (kappa / (kappa + j))  # a / (a + b + j): P(qualify | survived j)
    with np.errstate(divide="ignore"):
        stay = np.log1p(-share)  # log((b + j) / (a + b + j))
        lq_step = np.log(share)
    surv = np.concatenate([[0.0], np.cumsum(stay)])  # log B(a, b + c) / B(a, b), c = 0..
    c = j + 1.0
    lq = lq_step + surv[:-1]  # qualified at c = j + 1
    ls = surv[1:]  # undecided through c
    with np.errstate(divide="ignore"):
        l1d = math.log1p(-d) if d < 1 else -math.inf
        ld = math.log(d) if d > 0 else -math.inf
    total = 0.0
    nq, nd, nu = table[:, 0], table[:, 1], table[:, 2]
    # 0 * log(0) terms are skipped: an outcome never seen costs nothing.
    for n, term in ((nq, lq + (c - 1) * l1d), (nd, ls + (c - 1) * l1d + ld),
                    (nu, ls + c * l1d)):
        used = n > 0
        if used.any():
            total += float(np.dot(n[used], term[used]))
    return total


def _unpack(x: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    return (float(special.expit(x[0])), float(math.exp(x[1])), float(special.expit(x[2])))


def _maximise(table: npt.NDArray[np.int64], fixed: dict[int, float],
              start: npt.NDArray[np.float64], polish: bool = True
              ) -> tuple[float, npt.NDArray[np.float64]]:
    """Max log-likelihood over the free parameters (logit m, log k, logit d); ``fixed`` pins
    some of them (on that scale). ``polish``: a Nelder-Mead pass after L-BFGS-B (the
    likelihood can be flat along log k); the profile's inner fits start next to the optimum
    and skip it."""
    free = [i for i in range(3) if i not in fixed]

    def full(y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x = start.copy()
        x[free] = y
        for i, v in fixed.items():
            x[i] = v
        return x

    def nll(y: npt.NDArray[np.float64]) -> float:
        value = -_loglik(table, *_unpack(full(y)))
        return value if math.isfinite(value) else 1e300

    bounds = [(-_EDGE, _EDGE)] * len(free)
    best = optimize.minimize(nll, start[free], method="L-BFGS-B", bounds=bounds)
    if polish:
        again = optimize.minimize(nll, best.x, method="Nelder-Mead",
                                  options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
        best = again if again.fun <= best.fun else best
    y = np.clip(best.x, -_EDGE, _EDGE)
    return -float(nll(y)), full(y)


def _profile(table: npt.NDArray[np.int64], i: int, x_hat: npt.NDArray[np.float64],
             l_max: float, limit: float) -> tuple[float, float]:
    """Profile interval of parameter ``i`` (on the fitted scale): where the deviance is
    ``<= limit``, searched out to +-_EDGE (an edge reached is returned as the edge)."""

    def excess(v: float) -> float:
        lp, _ = _maximise(table, {i: v}, x_hat, polish=False)
        return 2.0 * (l_max - lp) - limit

    out = []
    for edge in (-_EDGE, _EDGE):
        v_hat = float(x_hat[i])
        if excess(edge) <= 0.0 or v_hat == edge:
            out.append(edge)
            continue
        out.append(float(optimize.brentq(excess, v_hat, edge, xtol=1e-3))
                   if edge > v_hat else float(optimize.brentq(excess, edge, v_hat, xtol=1e-3)))
    return out[0], out[1]


def fit_propensity(tier: str, table: npt.NDArray[np.int64], alpha: float = 0.05
                   ) -> PropensityFit:
    """Fit ``(m, k, d)`` to an :func:`outcome_table` by censored maximum likelihood.

    Raises
    ------
    ValueError
        If the table holds no lead, or ``alpha`` is not in (0, 1).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha(={alpha!r}) must be in (0, 1)")
    leads = int(table.sum())
    if leads == 0:
        raise ValueError(f"tier {tier!r}: no lead with a conversation to fit")
    followed = int(table[1:].sum())
    # Start: m from the first conversations, d from the decided-not-qualified share, k = 2.
    first = table[0]
    m0 = (table[:, 0].sum() + 0.5) / (table[:, 0].sum() + table[:, 1:].sum() + 1.0)
    d0 = (table[:, 1].sum() + 0.5) / (table[:, 1:].sum() + 1.0)
    if first.sum():
        m0 = (first[0] + 0.5) / (first.sum() + 1.0)
    start = np.array([special.logit(m0), math.log(2.0), special.logit(d0)])
    l_max, x_hat = _maximise(table, {}, start)
    limit = float(stats.chi2.ppf(1.0 - alpha, 1))
    m_lo, m_hi = _profile(table, 0, x_hat, l_max, limit)
    k_lo, k_hi = _profile(table, 1, x_hat, l_max, limit)
    d_lo, d_hi = _profile(table, 2, x_hat, l_max, limit)
    m = _unpack(x_hat)[0]

    def k_of(v: float) -> float:
        # The search edge on log k means "no spread" above, "all-or-nothing" below.
        return math.inf if v >= _EDGE or math.exp(v) > _K_MAX else math.exp(v)

    def p_of(v: float) -> float:
        return 0.0 if v <= -_EDGE else 1.0 if v >= _EDGE else float(special.expit(v))

    return PropensityFit(
        tier=tier, leads=leads, followed=followed,
        m=Interval(m, p_of(m_lo), p_of(m_hi)),
        kappa=Interval(k_of(float(x_hat[1])), k_of(k_lo) if k_lo > -_EDGE else 0.0, k_of(k_hi)),
        disqualify=Interval(p_of(float(x_hat[2])) if table[:, 1].sum() else 0.0,
                            p_of(d_lo), p_of(d_hi)),
        table=table, loglik=l_max,
    )
