"""Staffing period by period: sellers per period (SIPP) and a roster's gaps against them.

All rates are per minute and all times in minutes; a period is any slot of a profile (e.g. an
hour of the week), each solved as its own steady-state queue by
:func:`slasim.analytic.staffing.required_sellers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from slasim.analytic.erlang import _check_float
from slasim.analytic.staffing import StaffingResult, required_sellers

__all__ = ["PeriodStaffing", "RosterGaps", "roster_gaps", "staffing_by_period"]


@dataclass(frozen=True)
class PeriodStaffing:
    """Sellers needed per period under the stationary independent period approximation.

    Attributes
    ----------
    offered_load : numpy.ndarray
        ``lam_i / mu`` per period, erlangs.
    sellers : numpy.ndarray
        Productive sellers needed per period (int); 0 where no leads arrive.
    sellers_scheduled : numpy.ndarray
        Head count per period after shrinkage (int).
    service_level : numpy.ndarray
        Achieved share within the target wait per period; NaN where no leads arrive.
    """

    offered_load: NDArray[np.float64]
    sellers: NDArray[np.int64]
    sellers_scheduled: NDArray[np.int64]
    service_level: NDArray[np.float64]


def staffing_by_period(
    arrival_rate_per_period: ArrayLike,
    mean_handling_minutes: float,
    target_wait_minutes: float,
    target_share: float,
    shrinkage: float = 0.0,
) -> PeriodStaffing:
    """Sellers needed in each period (e.g. each hour of the week), period by period.

    The stationary independent period approximation (SIPP; Green, Kolesar & Soares 2001):
    each period is treated as a steady-state M/M/n queue with that period's arrival rate.
    It ignores the backlog carried from one period to the next, so it understaffs right
    after a sharp rise in arrivals; check such rosters with the simulator.

    Parameters
    ----------
    arrival_rate_per_period : array_like
        Lead arrival rate *per minute* in each period, ``>= 0``.
    mean_handling_minutes : float
        Mean handling time of a first attempt, minutes, ``> 0``.
    target_wait_minutes, target_share : float
        Service level target per period: ``target_share`` within ``target_wait_minutes``.
    shrinkage : float
        Share of paid time not spent on leads, in ``[0, 1)``.

    Returns
    -------
    PeriodStaffing
    """
    rates = np.asarray(arrival_rate_per_period, dtype=float)
    if rates.ndim != 1:
        raise ValueError(
            f"arrival_rate_per_period must be one-dimensional, got shape {rates.shape}."
        )
    bad = ~np.isfinite(rates) | (rates < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"arrival_rate_per_period[{i}](={float(rates[i])!r}) must be a finite rate >= 0."
        )
    aht = _check_float("mean_handling_minutes", mean_handling_minutes, low_open=True)
    mu = 1.0 / aht
    offered = rates / mu
    sellers = np.zeros(rates.size, dtype=np.int64)
    scheduled = np.zeros(rates.size, dtype=np.int64)
    achieved = np.full(rates.size, np.nan)
    # Hour-of-week profiles repeat the same rate many times; solve each distinct one once.
    solved: dict[float, StaffingResult] = {}
    for i, lam in enumerate(rates.tolist()):
        if lam == 0.0:
            continue
        if lam not in solved:
            solved[lam] = required_sellers(
                lam,
                mu,
                target_wait=target_wait_minutes,
                target_share=target_share,
                shrinkage=shrinkage,
            )
        res = solved[lam]
        sellers[i] = res.sellers
        scheduled[i] = res.sellers_scheduled
        achieved[i] = res.service_level
    return PeriodStaffing(offered, sellers, scheduled, achieved)


@dataclass(frozen=True)
class RosterGaps:
    """Scheduled head count against need, period by period.

    Attributes
    ----------
    gap : numpy.ndarray
        ``scheduled - needed`` per period (negative = short).
    shortfall : numpy.ndarray
        Sellers missing per period, ``max(needed - scheduled, 0)``.
    surplus : numpy.ndarray
        Sellers beyond need per period, ``max(scheduled - needed, 0)``.
    periods_short : int
        Number of periods with a shortfall.
    seller_periods_short, seller_periods_surplus : int
        Totals of ``shortfall`` and ``surplus``.
    """

    gap: NDArray[np.int64]
    shortfall: NDArray[np.int64]
    surplus: NDArray[np.int64]
    periods_short: int
    seller_periods_short: int
    seller_periods_surplus: int

    @property
    def coverage(self) -> float:
        """Share of periods with at least the needed head count."""
        return 1.0 - self.periods_short / self.gap.size if self.gap.size else 1.0


def _as_counts(name: str, values: ArrayLike) -> NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}.")
    as_float = arr.astype(float)
    bad = ~np.isfinite(as_float) | (as_float < 0) | (as_float != np.round(as_float))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}[{i}](={arr[i].item()!r}) must be a whole number >= 0.")
    return as_float.astype(np.int64)


def roster_gaps(needed: ArrayLike, scheduled: ArrayLike) -> RosterGaps:
    """Compare a roster with the sellers needed in each period.

    Parameters
    ----------
    needed : array_like of int
        Sellers needed per period, e.g. ``staffing_by_period(...).sellers_scheduled``.
    scheduled : array_like of int
        Sellers on the roster per period, same length.

    Returns
    -------
    RosterGaps
    """
    need = _as_counts("needed", needed)
    have = _as_counts("scheduled", scheduled)
    if need.shape != have.shape:
        raise ValueError(
            f"needed (shape {need.shape}) and scheduled (shape {have.shape}) must have "
            "the same shape."
        )
    gap = have - need
    shortfall = np.maximum(-gap, 0)
    surplus = np.maximum(gap, 0)
    return RosterGaps(
        gap=gap,
        shortfall=shortfall,
        surplus=surplus,
        periods_short=int(np.count_nonzero(shortfall)),
        seller_periods_short=int(shortfall.sum()),
        seller_periods_surplus=int(surplus.sum()),
    )
