"""Analytic screening: from the whole decision space to a shortlist worth simulating.

Staffing per shift is an integer search. It is done by enumeration around queueing-theory
anchors rather than with ``scipy.optimize.milp``: the objective (contacts and revenue through
Erlang C and a decay curve) is nonlinear and the analytic model is only a proxy for the
simulation, so what matters is a *diverse* set of plausible staffings, not the exact optimum of
the proxy. The anchors are, per shift, the Erlang C staffing each response target of the menu
needs (:func:`slasim.analytic.staffing.required_sellers`) and the staffing that maximizes the
analytic objective; the race then decides by simulation.

The caps apply here already: the headcount cap, and the budget turned into a headcount per
volume combination (:meth:`~slasim.optimizer.space.DecisionSpace.seller_cap`). Anchors above the
cap are pulled down onto it, so that a tight cap still leaves a diverse shortlist at the cap
rather than only the lower bounds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from slasim.analytic.staffing import required_sellers
from slasim.engine.staff import effective_shrinkage
from slasim.optimizer.space import DecisionSpace, OperatingPoint, shift_label
from slasim.planning.plan import plan_scenario

__all__ = ["ScreenResult", "Screened", "screen", "speed_tier"]

#: Staffing vectors enumerated exhaustively per volume combination when there are this few
#: within the caps (counted among at most MAX_ENUMERATED_SPACE vectors within the bounds).
MAX_ENUMERATED = 16
MAX_ENUMERATED_SPACE = 4096
#: Volume combinations scored (beyond it, tiers vary one at a time around the scenario's).
MAX_COMBOS = 16


@dataclass(frozen=True)
class Screened:
    """Analytic estimate of one operating point (money per month)."""

    point: OperatingPoint
    cost: float
    value: float
    objective: float


@dataclass(frozen=True)
class ScreenResult:
    """Shortlist plus what the value-of-speed table needs.

    ``needs[target]`` is the Erlang C staffing per shift for the speed tier's target (at the
    menu's highest share), at the best volume combination.
    """

    shortlist: list[OperatingPoint]
    scored: list[Screened]
    speed_tier: str
    needs: dict[float, tuple[int, ...]]
    #: Why the shortlist is empty (nothing in the space fits the budget); "" otherwise.
    reason: str = ""


def speed_tier(space: DecisionSpace) -> str:
    """The tier whose response menu is richest (ties: the tightest target): its speed is on sale."""
    return min(space.menus.values(), key=lambda m: (-len(m.targets), m.targets[0])).tier


def _combos(space: DecisionSpace) -> list[tuple[float, ...]]:
    current = space.current_point().volumes
    full = list(itertools.product(*space.volume_levels))
    if len(full) <= MAX_COMBOS:
        return full
    out = {current}
    for i, levels in enumerate(space.volume_levels):
        for v in levels:
            out.add(tuple(v if k == i else c for k, c in enumerate(current)))
    if space.budget is not None:
        # The cheapest combination: under a tight budget it may be the only one that fits.
        out.add(tuple(min(levels) for levels in space.volume_levels))
    return sorted(out)


def _fit(sellers: tuple[int, ...], lows: tuple[int, ...], cap: int) -> tuple[int, ...]:
    """``sellers`` pulled down to at most ``cap`` in total, never below ``lows``.

    One seller at a time leaves the shift with the most above its lower bound (ties: the
    first), which keeps the anchor's shape: the shift queueing theory wanted most keeps most.
    """
    out = list(sellers)
    while sum(out) > cap:
        j = max(range(len(out)), key=lambda k: (out[k] - lows[k], -k))
        if out[j] <= lows[j]:
            break  # at the lower bounds (build_space checked they fit the headcount cap)
        out[j] -= 1
    return tuple(out)


def _score(space: DecisionSpace, point: OperatingPoint) -> Screened:
    scenario = space.scenario_for(point, quota_as_volume=True)
    plan = plan_scenario(scenario)
    leads = plan.funnel_now["leads"].to_dict()
    revenue = plan.funnel_now["revenue"].to_dict()
    value = 0.0
    for name, volume in zip(space.tiers, point.volumes, strict=True):
        # funnel_now runs at the quota (= volume here, rounded): scale to the exact volume.
        n = float(leads[name])
        value += float(revenue[name]) / n * volume if n > 0 else 0.0
    cost = space.expected_cost(point)
    if space.objective == "profit":
        objective = scenario.costs.gross_margin * value - cost
    else:
        short = max(0.0, (space.revenue_goal or 0.0) - value)
        objective = -cost - 10.0 * short  # a missed goal ranks below any cost
    return Screened(point, cost, value, objective)


def _needs(
    space: DecisionSpace, volumes: tuple[float, ...], tier: str
) -> dict[float, tuple[int, ...]]:
    """Per target of ``tier``'s menu: Erlang C sellers per shift, clipped to the bounds."""
    current = space.current_point()
    scenario = space.scenario_for(OperatingPoint(current.sellers, current.routing, volumes))
    shifts = plan_scenario(scenario).shifts
    menu = space.menus[tier]
    share = max(s for _, s in menu.response)
    shrinkage = effective_shrinkage(scenario)  # breaks by rule count as shrinkage
    out = {}
    for target in menu.targets:
        row = []
        for j, (lo, hi) in enumerate(space.shift_bounds):
            name = shift_label(space.scenario, j)
            if lo == hi or shifts.empty or name not in shifts.index.get_level_values(0):
                row.append(current.sellers[j])
                continue
            block = shifts.loc[name]
            lam = float(block["leads_per_hour"].sum()) / 60.0
            load = float(block["offered_load_erlang"].iloc[0])
            need = required_sellers(
                lam, lam / load, target_wait=target, target_share=share,
                shrinkage=shrinkage,
            )
            row.append(int(np.clip(need.sellers_scheduled, lo, hi)))
        out[target] = tuple(row)
    return out


def _staffings(
    space: DecisionSpace, needs: dict[float, tuple[int, ...]], cap: int | None
) -> list[tuple[int, ...]]:
    """Staffing vectors to score: all of them when few fit ``cap``, else anchors ±1 (fitted)."""
    ranges = [range(lo, hi + 1) for lo, hi in space.shift_bounds]
    lows = tuple(lo for lo, _ in space.shift_bounds)
    if cap is not None and sum(lows) > cap:
        return []
    if math.prod(len(r) for r in ranges) <= MAX_ENUMERATED_SPACE:
        every = [
            tuple(v) for v in itertools.product(*ranges) if cap is None or sum(v) <= cap
        ]
        if len(every) <= MAX_ENUMERATED:
            return every
    out: set[tuple[int, ...]] = set()
    for anchor in needs.values():
        for step in (-1, 0, 1):
            moved = tuple(
                int(np.clip(n + step, lo, hi))
                for n, (lo, hi) in zip(anchor, space.shift_bounds, strict=True)
            )
            out.add(moved if cap is None else _fit(moved, lows, cap))
    return sorted(out)


def _over_budget(space: DecisionSpace) -> str:
    """Why nothing fits: the cheapest point of the space and its expected cost."""
    lows = tuple(lo for lo, _ in space.shift_bounds)
    cheapest = OperatingPoint(lows, space.routings[0], tuple(min(v) for v in space.volume_levels))
    return (
        f"nothing fits the budget of {space.budget:,.0f} per month: the cheapest option "
        f"({cheapest.label(space)}, the lowest lead volumes) is expected to cost "
        f"{space.expected_cost(cheapest):,.0f} per month in sellers and leads"
    )


def screen(space: DecisionSpace) -> ScreenResult:
    """Score the space analytically and pick ``space.shortlist`` points to simulate."""
    tier = speed_tier(space)
    current = space.current_point()
    first = space.routings[0]
    scored: list[Screened] = []
    needs_by_combo = {}
    for volumes in _combos(space):
        needs = _needs(space, volumes, tier)
        needs_by_combo[volumes] = needs
        for sellers in _staffings(space, needs, space.seller_cap(volumes)):
            scored.append(_score(space, OperatingPoint(sellers, first, volumes)))
    if not scored:
        return ScreenResult([], [], tier, {}, reason=_over_budget(space))
    scored.sort(key=lambda s: (-s.objective, s.point))
    best = scored[0].point
    needs = needs_by_combo.get(best.volumes) or _needs(space, best.volumes, tier)

    def fits(sellers: tuple[int, ...], volumes: tuple[float, ...]) -> bool:
        cap = space.seller_cap(volumes)
        return cap is None or sum(sellers) <= cap

    # Anchors first (the best analytic point and each target's staffing: the value of speed
    # needs them simulated), then the best of the rest; every staffing with every routing.
    staffings: list[tuple[tuple[int, ...], tuple[float, ...]]] = [(best.sellers, best.volumes)]
    for sellers in needs.values():
        if fits(sellers, best.volumes):
            staffings.append((sellers, best.volumes))
    if best.volumes != current.volumes and fits(best.sellers, current.volumes):
        # The status-quo volumes at the same staffing: the frontier shows what the leads add.
        staffings.append((best.sellers, current.volumes))
    staffings += [(s.point.sellers, s.point.volumes) for s in scored]
    per_staffing = max(1, space.shortlist // len(space.routings))
    unique = list(dict.fromkeys(staffings))[:per_staffing]
    shortlist = [
        OperatingPoint(sellers, routing, volumes)
        for sellers, volumes in unique
        for routing in space.routings
    ][: max(space.shortlist, len(space.routings))]
    return ScreenResult(shortlist, scored, tier, needs)
