"""Erlang A: the M/M/n+M queue, in which a waiting lead leaves after an exponential patience.

Leads arrive at rate ``lam``, ``n`` sellers serve at rate ``mu`` each, and a lead still
waiting leaves the queue at rate ``theta`` (mean patience ``1 / theta`` minutes). All rates
are per minute. A lead's *offered wait* ``V`` is the time it would wait with infinite
patience; its actual wait is ``W = min(V, tau)`` with ``tau ~ Exp(theta)``; it is served if
``tau >= V`` and abandons otherwise. The queue is stable for any load.

Two independent computations are offered (``method=``):

``"closed_form"``
    Mandelbaum & Zeltyn (2007, "Service engineering in action: the Palm/Erlang-A queue");
    Garnett, Mandelbaum & Reiman (2002). With ``x = n mu / theta`` and ``y = lam / theta``
    the queue part of the stationary distribution sums to
    ``A(x, y) = x e^y y^-x gamma(x, y)`` (``gamma`` the lower incomplete gamma), and the
    offered wait of a delayed lead has density ``n mu exp(-n mu t + y (1 - e^{-theta t}))``
    (times ``P(N = n)``), so every probability below is an incomplete-gamma expression.
    The mean wait of served leads integrates that closed-form tail numerically (quad).
``"chain"``
    The exact birth–death chain (death rate ``min(k, n) mu + max(k - n, 0) theta``),
    truncated where the remaining tail mass is below 1e-15, with tagged-lead sums for the
    abandonment and wait quantities and a matrix exponential for ``P(W <= t)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

# scipy (special, integrate, sparse) is imported inside the functions that use it: ~0.7 s of
# imports that `slasim check`, which loads this module through slasim.analytic, never needs.
from slasim.analytic.erlang import _check_float, _check_int, erlang_b

__all__ = ["ErlangAResult", "erlang_a"]

ErlangAMethod = Literal["closed_form", "chain"]
_METHODS = ("closed_form", "chain")

# Truncate the chain once the probability mass beyond the last kept state is below this.
_TAIL_MASS = 1e-15
# Longer chains (heavy overload with very patient leads) take seconds: use the closed form.
_MAX_QUEUE_STATES = 2_000_000
# gammainc below this is too close to underflow for log(); switch to the series.
_GAMMAINC_FLOOR = 1e-250


@dataclass(frozen=True)
class ErlangAResult:
    """Steady-state performance of the M/M/n+M (Erlang A) queue.

    Attributes
    ----------
    n, lam, mu, theta : int, float, float, float
        Sellers, arrival rate, service rate, abandonment rate (per minute).
    method : {"closed_form", "chain"}
        How the numbers were computed.
    wait_probability : float
        ``P(W > 0)``: share of leads that find every seller busy (PASTA).
    abandon_probability : float
        ``P(Ab)``: share of leads that leave the queue before their first attempt.
    abandon_given_wait : float
        ``P(Ab | W > 0)``.
    mean_wait : float
        ``E[W]`` in minutes over all leads; an abandoning lead counts the time it waited.
        Equals ``P(Ab) / theta``.
    mean_wait_served : float
        ``E[W | served]`` in minutes; computed on first access (property), since the
        closed form needs a quadrature that the staffing search does not.
    """

    n: int
    lam: float
    mu: float
    theta: float
    method: ErlangAMethod
    wait_probability: float
    abandon_probability: float
    abandon_given_wait: float
    mean_wait: float

    @property
    def offered_load(self) -> float:
        """Offered load ``lam / mu`` in erlangs."""
        return self.lam / self.mu

    @property
    def served_probability(self) -> float:
        """``P(served) = 1 - P(Ab)``."""
        return 1.0 - self.abandon_probability

    @property
    def occupancy(self) -> float:
        """Share of time a seller is busy: carried load ``lam (1 - P(Ab)) / (n mu)``."""
        # min(): rounding can put a fully loaded team a hair above 1.
        return min(1.0, self.lam * self.served_probability / (self.n * self.mu))

    @cached_property
    def mean_wait_served(self) -> float:
        """``E[W | served]`` in minutes."""
        served = self.served_probability
        if self.lam == 0.0 or self.wait_probability == 0.0 or served <= 0.0:
            return 0.0
        if self.method == "chain":
            return _chain_served_wait_sum(self.n, self.lam, self.mu, self.theta) / served
        integral = _closed_served_tail_integral(
            self.n, self.lam, self.mu, self.theta, self.wait_probability
        )
        return integral / served

    @property
    def mean_queue_length(self) -> float:
        """Mean number of waiting leads, ``lam E[W]`` (Little's law)."""
        return self.lam * self.mean_wait

    def served_within(self, t: float) -> float:
        """``P(served and W <= t)``: share of *all* leads served within ``t`` minutes.

        Abandoned leads count as misses. This is pyworkforce's Erlang A service level.
        """
        t = _check_float("t", t)
        if self.lam == 0.0 or self.wait_probability == 0.0:
            return 1.0
        if self.method == "chain":
            value = _chain_served_within(self.n, self.lam, self.mu, self.theta, t)
        else:
            log_pn = _closed_log_pn(self.n, self.lam, self.mu, self.theta, self.wait_probability)
            served_delayed = _closed_served_tail(self.n, self.lam, self.mu, self.theta, log_pn, 0.0)
            tail = _closed_served_tail(self.n, self.lam, self.mu, self.theta, log_pn, t)
            value = 1.0 - self.wait_probability + served_delayed - tail
        return min(1.0, max(0.0, value))

    def served_wait_cdf(self, t: float) -> float:
        """``P(W <= t | served)``: wait distribution of the leads that are served."""
        served = self.served_probability
        if served <= 0.0:
            return 1.0
        return min(1.0, self.served_within(t) / served)


def erlang_a(
    n: int,
    lam: float,
    mu: float,
    theta: float,
    *,
    method: ErlangAMethod = "closed_form",
) -> ErlangAResult:
    """Erlang A (M/M/n+M) performance measures.

    Parameters
    ----------
    n : int
        Number of sellers, ``>= 1``.
    lam : float
        Lead arrival rate per minute, ``>= 0``.
    mu : float
        Service rate per seller per minute, ``> 0``.
    theta : float
        Abandonment rate per minute (1 / mean patience), ``> 0``. For ``theta = 0`` use
        Erlang C (:mod:`slasim.analytic.erlang`), the limit of this model.
    method : {"closed_form", "chain"}
        Incomplete-gamma closed form (fast, default) or the truncated birth–death chain.

    Returns
    -------
    ErlangAResult
    """
    n = _check_int("n", n, 1)
    lam = _check_float("lam", lam)
    mu = _check_float("mu", mu, low_open=True)
    theta = _check_float("theta", theta, low_open=True)
    if method not in _METHODS:
        raise ValueError(f"method(={method!r}) must be one of {_METHODS}.")
    if lam == 0.0:
        # No leads: nobody waits; a lone waiting lead would race service against patience.
        return ErlangAResult(n, lam, mu, theta, method, 0.0, 0.0, theta / (n * mu + theta), 0.0)
    if method == "chain":
        return _chain_result(n, lam, mu, theta)
    return _closed_result(n, lam, mu, theta)


# --------------------------------------------------------------------------- closed form


def _log_kummer(x: float, y: float) -> float:
    """``log A(x, y)`` with ``A(x, y) = sum_{j>=0} y^j / ((x+1)...(x+j)) = x e^y y^-x gamma(x, y)``.

    ``A`` is Kummer's ``M(1; x + 1; y)``. The incomplete-gamma form is evaluated in log
    space, so ``A`` may exceed the float range (heavy overload) without overflow.
    """
    from scipy import special

    if y == 0.0:
        return 0.0
    p = float(special.gammainc(x, y))
    if p > _GAMMAINC_FLOOR:
        return math.log(x) + y - x * math.log(y) + float(special.gammaln(x)) + math.log(p)
    return _log_kummer_series(x, y)


def _log_kummer_series(x: float, y: float) -> float:
    from scipy import special

    # Only reached when gammainc underflows, i.e. y far below x: the term ratio y/(x+j)
    # is then well below 1 and the series converges in a few thousand terms at most.
    log_total = 0.0
    log_term = 0.0
    start = 1
    size = 256
    while True:
        j = np.arange(start, start + size, dtype=float)
        logs = log_term + np.cumsum(math.log(y) - np.log(x + j))
        log_total = float(np.logaddexp(log_total, special.logsumexp(logs)))
        log_term = float(logs[-1])
        if log_term < log_total + math.log(1e-17) and y < x + start + size:
            return log_total
        start += size
        size *= 2


def _closed_result(n: int, lam: float, mu: float, theta: float) -> ErlangAResult:
    x = n * mu / theta
    y = lam / theta
    rho = lam / (n * mu)
    b = erlang_b(n, lam / mu)
    # u = 1/A in (0, 1]; working with 1/A keeps heavy overload (A -> inf) finite.
    u = math.exp(-_log_kummer(x, y))
    p_wait = b / (b + (1.0 - b) * u)
    # P(Ab | W > 0) = 1 - (1 - 1/A) / rho (Mandelbaum & Zeltyn 2007, eq. for P{Ab|W>0}).
    abandon_given_wait = min(1.0, max(0.0, 1.0 - (1.0 - u) / rho))
    p_ab = p_wait * abandon_given_wait
    return ErlangAResult(
        n=n,
        lam=lam,
        mu=mu,
        theta=theta,
        method="closed_form",
        wait_probability=p_wait,
        abandon_probability=p_ab,
        abandon_given_wait=abandon_given_wait,
        mean_wait=p_ab / theta,
    )


def _closed_log_pn(n: int, lam: float, mu: float, theta: float, p_wait: float) -> float:
    """``log P(N = n) = log P(W > 0) - log A(x, y)``."""
    return math.log(p_wait) - _log_kummer(n * mu / theta, lam / theta)


def _closed_served_tail(
    n: int, lam: float, mu: float, theta: float, log_pn: float, s: float
) -> float:
    """``P(served, V > s)`` for ``s >= 0``.

    Integrating the offered-wait density times ``e^{-theta t}`` from ``s`` to infinity gives
    ``P(N=n) x/(x+1) exp(-(n mu + theta) s + y (1 - e^{-theta s})) A(x + 1, y e^{-theta s})``.
    """
    x = n * mu / theta
    y = lam / theta
    z = y * math.exp(-theta * s)
    exponent = -(n * mu + theta) * s - y * math.expm1(-theta * s)
    return math.exp(log_pn + math.log(x / (x + 1.0)) + exponent + _log_kummer(x + 1.0, z))


def _closed_served_tail_integral(
    n: int, lam: float, mu: float, theta: float, p_wait: float
) -> float:
    """``E[W; served] = integral_0^inf P(served, V > s) ds`` by adaptive quadrature."""
    from scipy import integrate

    log_pn = _closed_log_pn(n, lam, mu, theta, p_wait)
    # Rescale time so the integrand decays on a unit scale: the stable bulk decays at
    # n mu + theta - lam, an overloaded queue on the patience scale 1/theta.
    rate = max(n * mu + theta - lam, theta)
    # The log-space incomplete gamma carries a relative error of about x log(y) * 1e-16,
    # so asking quad for much better than 1e-9 only makes it subdivide noise.
    value, _ = integrate.quad(
        lambda v: _closed_served_tail(n, lam, mu, theta, log_pn, v / rate),
        0.0,
        math.inf,
        epsabs=1e-14,
        epsrel=1e-9,
        limit=200,
    )
    return value / rate


# --------------------------------------------------------------------------- exact chain


@dataclass(frozen=True)
class _Chain:
    """Normalized stationary probabilities of the truncated chain."""

    p_below: float  # P(N < n): served at once
    p_queue: np.ndarray  # P(N = n + j), j = 0..J-1: a new lead finds j leads ahead
    log_served: np.ndarray  # log P(served | j ahead)
    out_rates: np.ndarray  # n mu + (j + 1) theta: how fast a tagged lead at j moves on


def _chain(n: int, lam: float, mu: float, theta: float) -> _Chain:
    from scipy import special

    a = lam / mu
    k = np.arange(n, dtype=float)
    log_below = k * math.log(a) - special.gammaln(k + 1.0)
    log_pn = n * math.log(a) - float(special.gammaln(n + 1.0))
    chunks: list[np.ndarray] = []
    log_total = -math.inf
    log_last = log_pn
    start = 1  # index i of the next ratio lam / (n mu + i theta)
    size = 256
    first = np.array([log_pn])
    chunks.append(first)
    log_total = log_pn
    while True:
        i = np.arange(start, start + size, dtype=float)
        ratios = lam / (n * mu + i * theta)
        logs = log_last + np.cumsum(np.log(ratios))
        # Ratios decrease in i, so once r < 1 the mass after state i is at most
        # term_i * r / (1 - r) (geometric bound); stop at the first i where that is tiny.
        r_next = lam / (n * mu + (i + 1.0) * theta)
        with np.errstate(divide="ignore"):
            log_bound = logs + np.log(r_next) - np.log1p(-np.minimum(r_next, 1.0))
        running = np.logaddexp(log_total, np.logaddexp.accumulate(logs))
        done = np.flatnonzero((r_next < 1.0) & (log_bound < running + math.log(_TAIL_MASS)))
        if done.size:
            stop = int(done[0]) + 1
            chunks.append(logs[:stop])
            break
        chunks.append(logs)
        log_total = float(running[-1])
        log_last = float(logs[-1])
        start += size
        size = min(size * 2, 1 << 16)
        if start > _MAX_QUEUE_STATES:
            raise ValueError(
                f"theta(={theta!r}) is too small for the exact chain at lam(={lam!r}), "
                f"n(={n!r}), mu(={mu!r}); use method='closed_form'."
            )
    log_queue = np.concatenate(chunks)
    log_z = float(np.logaddexp(special.logsumexp(log_below), special.logsumexp(log_queue)))
    p_below = float(np.exp(special.logsumexp(log_below) - log_z))
    p_queue = np.exp(log_queue - log_z)
    j = np.arange(p_queue.size, dtype=float)
    ahead_rates = n * mu + j * theta  # leads ahead leave (served or abandon) at this rate
    out_rates = ahead_rates + theta  # ... plus the tagged lead's own abandonment
    log_served = np.cumsum(np.log(ahead_rates) - np.log(out_rates))
    return _Chain(p_below, p_queue, log_served, out_rates)


def _chain_result(n: int, lam: float, mu: float, theta: float) -> ErlangAResult:
    ch = _chain(n, lam, mu, theta)
    served_j = np.exp(ch.log_served)
    p_wait = float(ch.p_queue.sum())
    p_served_delayed = float(np.dot(ch.p_queue, served_j))
    p_ab = max(0.0, p_wait - p_served_delayed)
    mean_queue = float(np.dot(np.arange(ch.p_queue.size), ch.p_queue))
    return ErlangAResult(
        n=n,
        lam=lam,
        mu=mu,
        theta=theta,
        method="chain",
        wait_probability=p_wait,
        abandon_probability=p_ab,
        abandon_given_wait=p_ab / p_wait if p_wait > 0.0 else theta / (n * mu + theta),
        mean_wait=mean_queue / lam,  # Little's law on the queue
    )


def _chain_served_wait_sum(n: int, lam: float, mu: float, theta: float) -> float:
    """``E[W; served]`` from the chain.

    Given j leads ahead, the offered wait V is a sum of Exp(n mu + i theta), i = 0..j, and
    ``E[V e^{-theta V}] = P(served | j) * sum_{i<=j} 1 / (n mu + (i + 1) theta)``.
    """
    ch = _chain(n, lam, mu, theta)
    served_j = np.exp(ch.log_served)
    return float(np.dot(ch.p_queue * served_j, np.cumsum(1.0 / ch.out_rates)))


def _chain_served_within(n: int, lam: float, mu: float, theta: float, t: float) -> float:
    from scipy import sparse
    from scipy.sparse import linalg as sparse_linalg

    ch = _chain(n, lam, mu, theta)
    # Served leads with j ahead finish waiting after a sum of Exp(out_rates[i]), i <= j
    # (the served-conditioned, exponentially tilted offered wait). Push their mass through
    # that pure-death chain for t minutes; what has left it was served within t.
    weights = ch.p_queue * np.exp(ch.log_served)
    size = weights.size
    rates = ch.out_rates
    generator = sparse.diags([-rates, rates[1:]], offsets=[0, 1], shape=(size, size), format="csr")
    remaining = sparse_linalg.expm_multiply(generator * t, weights)
    return ch.p_below + float(weights.sum()) - float(np.sum(remaining))
