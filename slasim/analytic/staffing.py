"""How many sellers: smallest team meeting response targets, square-root staffing.

All rates are per minute and all times in minutes. ``n`` is the number of *productive*
sellers (working leads at any moment); ``n_scheduled = ceil(n / (1 - shrinkage))`` is the
head count to roster when a share ``shrinkage`` of paid time goes to meetings and breaks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from slasim.analytic.erlang import _check_float, erlang_c
from slasim.analytic.erlang_a import erlang_a

__all__ = [
    "StaffingResult",
    "halfin_whitt_beta",
    "required_sellers",
    "scheduled_sellers",
    "square_root_staffing",
]

StaffingModel = Literal["erlang_c", "erlang_a"]

# ceil(n / (1 - s)) must not jump a whole seller because 14 / 0.7 lands a hair above 20.
_CEIL_SLACK = 1e-9
_MAX_SELLERS = 1_000_000


def square_root_staffing(a: float, beta: float) -> float:
    """Halfin–Whitt square-root staffing ``n = a + beta sqrt(a)``.

    Parameters
    ----------
    a : float
        Offered load in erlangs, ``>= 0``.
    beta : float
        Quality-of-service parameter (see :func:`halfin_whitt_beta`); may be negative for
        Erlang A (efficiency-driven) staffing.

    Returns
    -------
    float
        The (fractional) number of sellers; round up to staff.
    """
    a = _check_float("a", a)
    beta = _check_float("beta", beta, low=-math.inf)
    return a + beta * math.sqrt(a)


def _log_hw_ratio(beta: float) -> float:
    # log(beta Phi(beta) / phi(beta)), in log space so large beta does not overflow. For
    # beta > 0, log Phi(beta) = log1p(-erfc(beta / sqrt 2) / 2) is exact to rounding (the
    # argument of log1p lies in (-1/2, 0]): the standard library does what scipy's log_ndtr
    # did, without scipy's import cost on the path of `slasim check`.
    return (
        math.log(beta)
        + math.log1p(-0.5 * math.erfc(beta / math.sqrt(2.0)))
        + 0.5 * beta * beta
        + 0.5 * math.log(2.0 * math.pi)
    )


@functools.lru_cache(maxsize=256)
def _halfin_whitt_beta(alpha: float) -> float:
    target = math.log(1.0 / alpha - 1.0)
    # beta Phi/phi >= beta Phi(0)/phi(0) = beta sqrt(pi/2), so this beta is an upper
    # bracket; halve for the lower one. The left side increases in beta.
    hi = math.exp(target) / math.sqrt(math.pi / 2.0)
    while _log_hw_ratio(hi) < target:  # pragma: no cover - the bound above always holds
        hi *= 2.0
    lo = hi / 2.0
    while _log_hw_ratio(lo) > target:
        lo /= 2.0
    # Bisection down to adjacent floats (or 1e-15, the tolerance brentq was given): at most
    # ~60 cheap steps, and the result is cached.
    while hi - lo > 1e-15:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if _log_hw_ratio(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def halfin_whitt_beta(alpha: float) -> float:
    """The ``beta`` with ``alpha = [1 + beta Phi(beta) / phi(beta)]^-1`` (Halfin & Whitt 1981).

    ``alpha`` is the limiting delay probability ``P(W > 0)`` of the M/M/n queue staffed by
    ``n = a + beta sqrt(a)`` as ``a`` grows; Tijms (2003, eq. 5.3.1) calls it ``k_alpha``.

    Parameters
    ----------
    alpha : float
        Target delay probability, ``0 < alpha < 1``.

    Returns
    -------
    float
        ``beta > 0``.
    """
    alpha = _check_float("alpha", alpha, low_open=True, high=1.0, high_open=True)
    # Cached: staffing searches ask for the same few targets over and over.
    return _halfin_whitt_beta(alpha)


def scheduled_sellers(n: int, shrinkage: float) -> int:
    """Head count to roster so that ``n`` sellers are productive: ``ceil(n / (1 - shrinkage))``."""
    shrinkage = _check_float("shrinkage", shrinkage, high=1.0, high_open=True)
    if n < 0:
        raise ValueError(f"n(={n!r}) must be >= 0.")
    return math.ceil(n / (1.0 - shrinkage) - _CEIL_SLACK)


@dataclass(frozen=True)
class StaffingResult:
    """The smallest team meeting every target, and how it performs.

    Attributes
    ----------
    sellers : int
        Productive sellers needed (``n``).
    sellers_scheduled : int
        Head count after shrinkage, ``ceil(n / (1 - shrinkage))``.
    offered_load : float
        ``lam / mu`` in erlangs.
    model : {"erlang_c", "erlang_a"}
        Erlang A when a patience rate ``theta`` was given, else Erlang C.
    wait_probability : float
        ``P(W > 0)`` at ``sellers``.
    service_level : float or None
        Share of leads served within ``target_wait`` (None without a ``target_wait``).
        Under Erlang A abandoned leads count as misses.
    occupancy : float
        Share of time a seller is busy.
    mean_wait : float
        Mean wait over all leads, minutes.
    abandon_probability : float or None
        ``P(Ab)`` under Erlang A, None under Erlang C.
    """

    sellers: int
    sellers_scheduled: int
    offered_load: float
    model: StaffingModel
    wait_probability: float
    service_level: float | None
    occupancy: float
    mean_wait: float
    abandon_probability: float | None


def _evaluate(
    n: int,
    lam: float,
    mu: float,
    theta: float | None,
    target_wait: float | None,
    shrinkage: float,
) -> StaffingResult:
    a = lam / mu
    if theta is None:
        # One Erlang C evaluation serves every measure (the search calls this often).
        c = erlang_c(n, a)
        stable = a < n
        sl = None
        if target_wait is not None:
            sl = 1.0 - c * math.exp(-(n - a) * mu * target_wait) if stable else 0.0
        return StaffingResult(
            sellers=n,
            sellers_scheduled=scheduled_sellers(n, shrinkage),
            offered_load=a,
            model="erlang_c",
            wait_probability=c,
            service_level=sl,
            occupancy=min(a / n, 1.0),
            mean_wait=c / ((n - a) * mu) if stable else math.inf,
            abandon_probability=None,
        )
    res = erlang_a(n, lam, mu, theta)
    return StaffingResult(
        sellers=n,
        sellers_scheduled=scheduled_sellers(n, shrinkage),
        offered_load=a,
        model="erlang_a",
        wait_probability=res.wait_probability,
        service_level=None if target_wait is None else res.served_within(target_wait),
        occupancy=res.occupancy,
        mean_wait=res.mean_wait,
        abandon_probability=res.abandon_probability,
    )


def _smallest_feasible(feasible: Callable[[int], bool], start: int, lower: int, upper: int) -> int:
    """Smallest ``n`` in ``[lower, upper]`` with ``feasible(n)``, for monotone ``feasible``.

    Gallops from ``start`` (1, 2, 4, ... steps) to bracket the answer, then bisects, so a
    good first guess costs a handful of evaluations whatever the size of the team.
    """
    n = min(max(start, lower), upper)
    if feasible(n):
        hi, step = n, 1
        lo = lower - 1  # sentinel: treated as infeasible
        while hi - step >= lower:
            cand = hi - step
            if feasible(cand):
                hi, step = cand, step * 2
            else:
                lo = cand
                break
    else:
        lo, step = n, 1
        while True:
            if lo >= upper:
                raise ValueError(
                    f"no team of at most {upper} sellers meets the targets; relax them."
                )
            cand = min(lo + step, upper)
            if feasible(cand):
                hi = cand
                break
            lo, step = cand, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if feasible(mid):
            hi = mid
        else:
            lo = mid
    return hi


def required_sellers(
    lam: float,
    mu: float,
    *,
    target_wait: float | None = None,
    target_share: float | None = None,
    max_wait_probability: float | None = None,
    max_occupancy: float | None = None,
    max_abandonment: float | None = None,
    theta: float | None = None,
    shrinkage: float = 0.0,
    max_sellers: int = _MAX_SELLERS,
) -> StaffingResult:
    """Smallest number of sellers meeting every given target.

    Parameters
    ----------
    lam : float
        Lead arrival rate per minute, ``> 0``.
    mu : float
        Service rate per seller per minute (1 / mean handling minutes), ``> 0``.
    target_wait, target_share : float, optional
        Service level: at least ``target_share`` of leads get their first attempt within
        ``target_wait`` minutes (e.g. 0.9 within 5). Give both or neither.
    max_wait_probability : float, optional
        Upper bound on ``P(W > 0)``.
    max_occupancy : float, optional
        Upper bound on seller occupancy, in ``(0, 1]``.
    max_abandonment : float, optional
        Upper bound on ``P(Ab)``; needs ``theta``.
    theta : float, optional
        Abandonment rate per minute (1 / mean patience). Given, every measure comes from
        Erlang A (abandoned leads miss the service level); else from Erlang C, which also
        requires ``n > lam / mu`` for a stable queue.
    shrinkage : float
        Share of paid time not spent on leads, in ``[0, 1)``.
    max_sellers : int
        Give up (``ValueError``) beyond this many sellers.

    Returns
    -------
    StaffingResult

    Notes
    -----
    The search starts from the square-root staffing guess ``a + beta sqrt(a)``, with
    ``beta = halfin_whitt_beta(alpha)`` for the tightest delay-type target, and gallops /
    bisects from there; every measure is monotone in ``n``.
    """
    lam = _check_float("lam", lam, low_open=True)
    mu = _check_float("mu", mu, low_open=True)
    shrinkage = _check_float("shrinkage", shrinkage, high=1.0, high_open=True)
    if (target_wait is None) != (target_share is None):
        raise ValueError(
            f"target_wait(={target_wait!r}) and target_share(={target_share!r}) "
            "must be given together."
        )
    if target_wait is not None:
        target_wait = _check_float("target_wait", target_wait)
    if target_share is not None:
        target_share = _check_float("target_share", target_share, high=1.0)
    if max_wait_probability is not None:
        max_wait_probability = _check_float("max_wait_probability", max_wait_probability, high=1.0)
    if max_occupancy is not None:
        max_occupancy = _check_float("max_occupancy", max_occupancy, low_open=True, high=1.0)
    if theta is not None:
        theta = _check_float("theta", theta, low_open=True)
    if max_abandonment is not None:
        max_abandonment = _check_float("max_abandonment", max_abandonment, high=1.0)
        if theta is None:
            raise ValueError(f"max_abandonment(={max_abandonment!r}) needs a patience rate theta.")
    if (
        target_share is None
        and max_wait_probability is None
        and max_occupancy is None
        and (max_abandonment is None)
    ):
        raise ValueError("required_sellers needs at least one target.")

    a = lam / mu
    cache: dict[int, StaffingResult] = {}

    def measures(n: int) -> StaffingResult:
        if n not in cache:
            cache[n] = _evaluate(n, lam, mu, theta, target_wait, shrinkage)
        return cache[n]

    def feasible(n: int) -> bool:
        m = measures(n)
        return (
            (target_share is None or (m.service_level or 0.0) >= target_share)
            and (max_wait_probability is None or m.wait_probability <= max_wait_probability)
            and (max_occupancy is None or m.occupancy <= max_occupancy)
            and (max_abandonment is None or (m.abandon_probability or 0.0) <= max_abandonment)
        )

    # First guess: square-root staffing for the tightest delay target. P(W > t) <= C, so
    # C <= 1 - share is sufficient for the service level and the guess errs high.
    alphas = [
        x
        for x in (max_wait_probability, None if target_share is None else 1.0 - target_share)
        if x is not None
    ]
    alpha = min(alphas) if alphas else 0.5
    beta = halfin_whitt_beta(min(max(alpha, 1e-12), 0.5))
    guess = math.ceil(square_root_staffing(a, beta))
    if max_occupancy is not None:
        guess = max(guess, math.ceil(a / max_occupancy - _CEIL_SLACK))
    # Erlang C needs a stable queue; Erlang A is stable for any team size.
    lower = math.floor(a) + 1 if theta is None else 1
    if max_sellers < lower:
        raise ValueError(f"max_sellers(={max_sellers!r}) is below the {lower} sellers needed.")
    n = _smallest_feasible(feasible, guess, lower, max_sellers)
    return measures(n)
