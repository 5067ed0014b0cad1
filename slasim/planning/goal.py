"""How likely a revenue goal is at the reverse funnel's quotas, by simulation (``slasim plan
--revenue-goal``).

The reverse funnel (:func:`slasim.analytic.funnel.reverse_funnel`) turns a monthly goal into
leads per tier as point estimates: expected values, with queueing theory's contact rate and
no decay of qualification. Here months are simulated at those quotas (the scenario's team,
routing, decay and volume spread; one seed, common random numbers) and the answer is read from
the distribution of the month's revenue:

- P(goal): the share of months whose revenue reaches the goal, with its Wilson interval;
- the leads a month needs, p10-p90: how much one month's revenue differs from another's,
  turned into leads with revenue proportional to leads (``target / revenue`` quantiles);
- the quota multiplier with which the goal is reached in ``sla.confidence`` of months,
  searched on a geometric grid (steps of 2 ** (1/24), ~3 %) by bracketing and bisection, every
  multiplier simulated with the same seed (common random numbers; the arrival counts differ
  with the volume, so neighbouring multipliers share less luck than staffing levels do);
- when no multiplier up to :data:`MAX_MULTIPLIER` gets there: why (the team's capacity, or the
  goal being further away than that).

This is evidence for the quotas, not a verdict on the agreement: whether the SLA is realistic
is decided by :mod:`slasim.measure.verdict` alone.

The month's revenue is the catalogue's ``revenue`` metric (deals won inside the period from
leads created in it), simulated with every won deal booked when it is won (sales cycles set to
an instant). The reverse funnel describes a steady month: the deals that close in it come from
earlier months' leads, and their number and values have the same distribution as the deals
this month's leads eventually win (leads arrive as a Poisson stream and each is won or not
independently, so the wins closing in a month are a Poisson count with the same mean), so
booking each deal in its lead's month gives a steady month without simulating the months
before. With the scenario's own cycles, one simulated month books only the deals that close
inside it: a funnel's first month, not a typical one. The month-to-month spread of lead volume
(``tiers.*.dispersion``) stays in; it makes the spread an upper bound of a steady month's,
whose deals come from several months' leads. The goal applies to the whole horizon pro rata
(``goal x horizon.months``), as the quota term does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from slasim.limits import MAX_LEADS_PER_REP
from slasim.measure.catalogue import text_spec
from slasim.measure.intervals import wilson_interval
from slasim.measure.shares import percent_against
from slasim.planning.goal_result import GoalLevel, GoalOdds, TierQuota, periods_in_words
from slasim.scenario.schema import Scenario
from slasim.seeding import Seed, root_seed

if TYPE_CHECKING:
    from slasim.measure.executors import Executor

__all__ = [
    "GRID_STEPS",
    "MAX_MULTIPLIER",
    "booked_when_won",
    "goal_odds",
    "with_quotas",
]

#: Grid points per doubling of the quotas: multipliers are ``2 ** (k / GRID_STEPS)``, ~3 %
#: apart (finer than 100 months can tell apart: one month in 100 moves P(goal) by 1 %).
GRID_STEPS = 24
#: The search for the multiplier stops at this many times the quotas.
MAX_MULTIPLIER = 8.0
#: The spread shown for the leads one month needs: its p10 and p90 over months.
_SPREAD = (0.1, 0.9)
#: Below this utilisation and never-attempted share, capacity is not what limits revenue.
_BUSY, _UNSERVED = 0.9, 0.1
#: A sales cycle of a nanoday (~0.1 ms): every won deal closes when it is won.
_INSTANT_DAYS = 1e-9

Progress = Callable[[int, int], None]


def booked_when_won(scenario: Scenario) -> Scenario:
    """``scenario`` with every sales cycle an instant: each won deal is booked when won, in
    its lead's month (the steady month of the module docstring). Nothing else changes: the
    cycle only decides when an opportunity closes."""
    tiers = {
        name: tier.model_copy(update={"sales_cycle_days": tier.sales_cycle_days.model_copy(
            update={"median": _INSTANT_DAYS, "p90": 2 * _INSTANT_DAYS})})
        for name, tier in scenario.tiers.items()
    }
    return scenario.model_copy(update={"tiers": tiers})


def with_quotas(scenario: Scenario, leads: Mapping[str, float], multiplier: float = 1.0
                ) -> Scenario:
    """``scenario`` with ``multiplier x leads[tier]`` leads a month per tier (its volumes)."""
    tiers = {
        name: tier.model_copy(update={"monthly_volume": multiplier * float(leads[name])})
        for name, tier in scenario.tiers.items()
    }
    return scenario.model_copy(update={"tiers": tiers})


def _multiplier(k: int) -> float:
    return float(2.0 ** (k / GRID_STEPS))


def goal_odds(
    scenario: Scenario,
    leads: Mapping[str, float],
    revenue_goal: float,
    marketing_share: float = 1.0,
    *,
    reps: int = 100,
    seed: Seed = 0,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> GoalOdds:
    """Simulate months at the quotas ``leads`` and say how likely ``revenue_goal`` is.

    Parameters
    ----------
    scenario
        The scenario (its team, routing, decay and volume spread are simulated; its volumes
        are replaced by the quotas).
    leads
        Leads per month per tier (every tier of ``scenario``): the reverse funnel's quotas.
    revenue_goal
        Monthly revenue goal, ``> 0``.
    marketing_share
        Share of the goal expected from marketing's leads, in ``(0, 1]``.
    reps, seed, workers
        Months per multiplier, root seed (the same months at every multiplier), worker
        processes.
    progress
        Called as ``progress(months_done, months_planned)`` (the total grows as the search
        adds multipliers).
    executor
        Where the months run (:mod:`slasim.measure.executors`; left open); default: one pool of
        ``workers`` for the whole search.
    """
    seed = root_seed(seed)  # once: every simulation below runs on the same months
    from slasim.measure.executors import executor_for

    if not (math.isfinite(revenue_goal) and revenue_goal > 0):
        raise ValueError(f"revenue_goal(={revenue_goal!r}) must be a finite amount > 0.")
    if not 0 < marketing_share <= 1:
        raise ValueError(f"marketing_share(={marketing_share!r}) must be in (0, 1].")
    missing = sorted(set(scenario.tiers) - set(leads))
    if missing:
        raise ValueError(f"leads has no quota for tiers {missing!r}.")
    if not isinstance(reps, int) or reps < 1:
        raise ValueError(f"reps(={reps!r}) must be a positive integer.")
    with executor_for(executor, workers) as pool:
        return _search(scenario, leads, revenue_goal, marketing_share, reps, seed, workers,
                       progress, pool)


def _search(
    scenario: Scenario, leads: Mapping[str, float], goal: float, share: float, reps: int,
    seed: int, workers: int, progress: Progress | None, pool: Executor,
) -> GoalOdds:
    from slasim.measure.experiment import simulate

    base = booked_when_won(scenario)
    target = goal * share * scenario.horizon.months
    confidence = scenario.sla.confidence
    per_rep = sum(float(v) for v in leads.values()) * scenario.horizon.simulated_months
    # Never simulate more leads per month than a replication may hold.
    top = min(MAX_MULTIPLIER, MAX_LEADS_PER_REP / per_rep) if per_rep > 0 else MAX_MULTIPLIER
    k_max = max(0, math.floor(GRID_STEPS * math.log2(top)))
    k_min = -3 * GRID_STEPS
    levels: dict[int, GoalLevel] = {}
    revenues: dict[int, np.ndarray] = {}
    done = 0

    def tick(n: int, total: int) -> None:
        if progress is not None:
            progress(done + n, done + total)

    def level(k: int) -> GoalLevel:
        nonlocal done
        if k not in levels:
            result = simulate(with_quotas(base, leads, _multiplier(k)), reps, seed, workers,
                              progress=tick, executor=pool)
            done += reps
            revenue = result.metric("revenue").to_numpy(dtype=float)
            created = result.metric("leads_created").to_numpy(dtype=float)
            never = result.metric("leads_never_attempted").to_numpy(dtype=float)
            met = int((revenue >= target).sum())
            low, high = wilson_interval(met, reps)
            p10, p90 = np.quantile(revenue, (0.1, 0.9)).tolist()
            levels[k] = GoalLevel(
                multiplier=_multiplier(k),
                p_goal=met / reps,
                p_low=low,
                p_high=high,
                revenue_mean=float(revenue.mean()),
                revenue_p10=p10,
                revenue_p90=p90,
                utilization=_nanmean(result.metric("seller_utilization")),
                unserved=float(never.sum() / created.sum()) if created.sum() else 0.0,
                contact_rate=_nanmean(result.metric("contact_rate")),
            )
            revenues[k] = revenue
        return levels[k]

    def crossing(p: float, guess: float) -> int | None:
        """The smallest grid point with P(goal) >= p (None: none up to ``k_max``), assuming
        P grows with the quotas: bracketed by what is simulated already or by steps from
        ``guess`` (a multiplier) that double, then bisected."""

        def ok(k: int) -> bool:
            return level(k).p_goal >= p - 1e-12

        k0 = min(max(round(GRID_STEPS * math.log2(guess)), k_min), k_max)
        good = min((k for k in levels if ok(k)), default=None)
        bad = max((k for k in levels if not ok(k) and (good is None or k < good)), default=None)
        step = 1
        if good is None:  # nothing passes yet: climb from the guess
            k = k0 if bad is None else max(k0, bad + 1)
            while k <= k_max:
                if ok(k):
                    good = k
                    break
                bad = k
                if k == k_max:
                    break
                k, step = min(k + step, k_max), step * 2
        elif bad is None:  # everything simulated passes: descend from the guess
            k = min(k0, good - 1)
            while k >= k_min:
                if not ok(k):
                    bad = k
                    break
                good = k
                if k == k_min:
                    break
                k, step = max(k - step, k_min), step * 2
        while good is not None and bad is not None and good - bad > 1:
            mid = (good + bad) // 2
            if ok(mid):
                good = mid
            else:
                bad = mid
        return good

    at_quotas = level(0)
    guess = _guesses(revenues[0], target)
    k_needed = crossing(confidence, guess(confidence))
    k_high = crossing(_SPREAD[1], guess(_SPREAD[1]))
    k_low = crossing(_SPREAD[0], guess(_SPREAD[0]))
    needed = None if k_needed is None else levels[k_needed]

    def scaled(k: int | None, tier: str) -> float | None:
        return None if k is None else levels[k].multiplier * float(leads[tier])

    quotas = tuple(
        TierQuota(
            tier=name,
            leads=float(leads[name]),
            leads_low=scaled(k_low, name),
            leads_high=scaled(k_high, name),
            leads_for_confidence=scaled(k_needed, name),
        )
        for name in scenario.tiers
    )
    ordered = tuple(levels[k] for k in sorted(levels))
    return GoalOdds(
        goal=goal,
        marketing_share=share,
        target=target,
        days=scenario.horizon.days,
        currency=scenario.costs.currency,
        reps=reps,
        seed=seed,
        confidence=confidence,
        quotas=quotas,
        at_quotas=at_quotas,
        needed=needed,
        levels=ordered,
        limit=None if needed is not None else _limit(ordered, at_quotas, target, top,
                                                              periods_in_words(scenario.horizon.days),
                                                              confidence),
    )


def _nanmean(values: object) -> float:
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    return float(array.mean()) if len(array) else math.nan


def _guesses(revenue: np.ndarray, target: float) -> Callable[[float], float]:
    """First guesses of the multiplier reaching ``target`` in a share ``p`` of months, from
    the months at the quotas: month ``r`` earns ``m mean + sqrt(m) (R_r - mean)`` at ``m`` x
    the quotas (more leads: a Poisson count of deals, whose spread grows as its square root),
    so it needs ``m_r`` solving ``mean m + (R_r - mean) sqrt(m) = target``; the guess is
    their ``p`` quantile. Only where the search starts: the answer is simulated."""
    mean = float(revenue.mean())
    if mean <= 0:
        return lambda p: 2.0
    e = revenue - mean
    root = (-e + np.sqrt(e * e + 4 * mean * target)) / (2 * mean)
    needed = root * root

    def guess(p: float) -> float:
        return max(float(np.quantile(needed, p)), 1e-3)

    return guess


def _limit(levels: tuple[GoalLevel, ...], at_quotas: GoalLevel, target: float,
           top: float, periods: str, confidence: float) -> str:
    """Why no multiplier reaches the confidence: the team's capacity or the distance."""
    money = text_spec("revenue")
    best = max(levels, key=lambda v: (v.revenue_mean, v.multiplier))
    most = levels[-1]
    growth = (most.revenue_mean / at_quotas.revenue_mean if at_quotas.revenue_mean > 0
              else math.inf)
    its = "month's" if periods == "months" else "period's"
    text = (f"with up to {most.multiplier:.2f} x the quotas the {its} revenue reaches "
            f"{money.format(best.revenue_mean)} on average (at {best.multiplier:.2f} x; "
            # Under "No quotas reach it in 80 % of months": never "80%" for 0.798.
            f"{percent_against(best.p_goal, confidence)} of {periods} reach "
            f"the target {money.format(target)})")
    if most.utilization >= _BUSY or most.unserved >= _UNSERVED or growth < 0.5 * (
        most.multiplier / at_quotas.multiplier
    ):
        return (
            f"{text}. Capacity limits it: at {most.multiplier:.2f} x the sellers are busy "
            f"{most.utilization:.0%} of their available time, {most.unserved:.0%} of leads "
            f"never get an attempt and the contact rate falls from {at_quotas.contact_rate:.0%} "
            f"to {most.contact_rate:.0%}, so more leads add little revenue: add sellers "
            "(team.shifts; `slasim optimize` weighs them against the quotas)."
        )
    return (f"{text}. The goal is further away than {top:g} x the quotas: lower it or raise "
            "the deal sizes or conversion rates.")
