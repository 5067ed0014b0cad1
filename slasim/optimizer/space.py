"""The decision space of ``slasim optimize``: what may change, within which bounds.

Built from the scenario's ``[optimize]`` table (see :class:`slasim.scenario.schema.Optimize`) and
the
command-line values that override it. An :class:`OperatingPoint` is what changes the simulated
dynamics (sellers per shift, routing, lead volumes); the SLA terms (response target and share,
attempt commitment, qualify-rate target, quota) do not change a single simulated lead, so they
are scored afterwards on the same records (:class:`TermMenu`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from slasim.errors import InputError
from slasim.limits import MAX_REPS, MAX_SCHEDULED_SELLERS, MIN_VERIFY_REPS
from slasim.measure.months import unmeasured_terms
from slasim.scenario.load import scenario_from_dict
from slasim.scenario.schema import DAYS_PER_MONTH, Optimize, Scenario

__all__ = [
    "DecisionSpace",
    "OperatingPoint",
    "TermMenu",
    "build_space",
    "lead_cost",
    "realistic_quota",
    "shift_label",
]

#: At most this many volume levels per free tier reach the screening (evenly spread).
MAX_VOLUME_LEVELS = 5
#: Relative slack on the budget in the analytic screen: the expected cost is exact only up to
#: holidays and the lead cost curve's convexity, so points just above the budget still reach
#: the simulation, which decides on the simulated mean cost.
BUDGET_SLACK = 0.02


@dataclass(frozen=True, order=True)
class OperatingPoint:
    """One option that changes the dynamics: sellers per shift, routing, volume per tier."""

    sellers: tuple[int, ...]
    routing: str
    volumes: tuple[float, ...]

    def label(self, space: DecisionSpace) -> str:
        """Short human label, e.g. ``office=7 tier_priority hot=200``."""
        parts = [
            f"{shift_label(space.scenario, j)}={n}"
            for j, n in enumerate(self.sellers)
            if space.shift_bounds[j][0] != space.shift_bounds[j][1]
        ] or [f"sellers={sum(self.sellers)}"]
        if len(space.routings) > 1:
            parts.append(self.routing)
        for i, name in enumerate(space.tiers):
            if len(space.volume_levels[i]) > 1:
                parts.append(f"{name}={self.volumes[i]:g}")
        return " ".join(parts)


@dataclass(frozen=True)
class TermMenu:
    """The SLA terms a tier may promise, most ambitious first.

    ``response`` lists (target minutes, share) ordered by target ascending, then share
    descending; ``attempts`` lists attempt commitments descending; ``qualify`` lists qualify-rate
    targets descending (empty: no conversion promise). A fixed term is a menu of one.
    ``qualify_propose``: the qualify-rate target is read off the simulated months instead.
    """

    tier: str
    response: tuple[tuple[float, float], ...]
    clock: str
    attempts: tuple[int, ...]
    attempt_share: float
    qualify: tuple[float, ...]
    qualify_propose: bool = False

    @property
    def targets(self) -> tuple[float, ...]:
        """Distinct response targets, ascending."""
        return tuple(sorted({t for t, _ in self.response}))


@dataclass(frozen=True)
class DecisionSpace:
    """Free variables, bounds, objective and caps of one optimization."""

    scenario: Scenario
    objective: str
    confidence: float
    budget: float | None
    revenue_goal: float | None
    max_sellers: int | None
    shift_bounds: tuple[tuple[int, int], ...]
    routings: tuple[str, ...]
    tiers: tuple[str, ...]
    volume_levels: tuple[tuple[float, ...], ...]
    menus: dict[str, TermMenu] = field(repr=False)
    shortlist: int = 8
    verify_reps: int = 200
    #: ``sla.confidence_level``: what must reach the confidence (see :mod:`slasim.measure.verdict`).
    confidence_level: str = "side"

    @property
    def months(self) -> float:
        """Horizon length in average months (money is reported per month)."""
        return self.scenario.horizon.days / DAYS_PER_MONTH

    def current_point(self) -> OperatingPoint:
        """The scenario as it is (clipped to the bounds)."""
        s = self.scenario
        sellers = tuple(
            int(np.clip(sh.sellers, lo, hi))
            for sh, (lo, hi) in zip(s.team.shifts, self.shift_bounds, strict=True)
        )
        routing = s.routing.policy if s.routing.policy in self.routings else self.routings[0]
        volumes = tuple(
            _nearest(levels, s.tiers[name].monthly_volume)
            for name, levels in zip(self.tiers, self.volume_levels, strict=True)
        )
        return OperatingPoint(sellers, routing, volumes)

    def within_caps(self, point: OperatingPoint) -> bool:
        """Headcount cap (budget and revenue goal need the simulated cost and revenue)."""
        return self.max_sellers is None or sum(point.sellers) <= self.max_sellers

    def expected_cost(self, point: OperatingPoint) -> float:
        """Expected monthly seller + lead cost of ``point`` (no simulation needed)."""
        s = self.scenario
        return sum(point.sellers) * s.team.cost_per_seller_month + sum(
            lead_cost(s, name, v) for name, v in zip(self.tiers, point.volumes, strict=True)
        )

    def seller_cap(self, volumes: tuple[float, ...]) -> int | None:
        """Most sellers in total that the headcount cap and the budget allow at ``volumes``.

        The budget becomes a headcount once the lead cost is paid: every seller costs the
        same, so ``(budget - lead cost) / cost per seller`` (with :data:`BUDGET_SLACK`). None:
        no cap; negative: the leads alone break the budget.
        """
        caps = [] if self.max_sellers is None else [self.max_sellers]
        if self.budget is not None:
            none = OperatingPoint(tuple(0 for _ in self.shift_bounds), "", volumes)
            room = self.budget * (1 + BUDGET_SLACK) - self.expected_cost(none)
            per_seller = self.scenario.team.cost_per_seller_month
            if room < 0:
                caps.append(-1)
            elif per_seller > 0:
                caps.append(math.floor(room / per_seller))
        return min(caps) if caps else None

    def scenario_for(self, point: OperatingPoint, *, quota_as_volume: bool = False) -> Scenario:
        """The base scenario with ``point``'s sellers, routing and volumes.

        ``quota_as_volume`` also sets each quota to the volume (the analytic funnel of
        :func:`slasim.planning.plan.plan_scenario` runs at the quotas).
        """
        data = self.scenario.model_dump(mode="python", exclude_none=True)
        for j, n in enumerate(point.sellers):
            data["team"]["shifts"][j]["sellers"] = n
        data["routing"]["policy"] = point.routing
        for name, volume in zip(self.tiers, point.volumes, strict=True):
            data["tiers"][name]["monthly_volume"] = volume
            if quota_as_volume and name in data["sla"]["tiers"]:
                data["sla"]["tiers"][name]["quota"] = round(volume)
        return scenario_from_dict(data, source=f"<optimize {self.scenario.name}>")

    def neighbours(self, point: OperatingPoint) -> list[OperatingPoint]:
        """±1 seller in each free shift, inside the bounds and the headcount cap."""
        out = []
        for j, (lo, hi) in enumerate(self.shift_bounds):
            for step in (-1, 1):
                n = point.sellers[j] + step
                if lo != hi and lo <= n <= hi:
                    sellers = tuple(n if k == j else m for k, m in enumerate(point.sellers))
                    candidate = OperatingPoint(sellers, point.routing, point.volumes)
                    if self.within_caps(candidate):
                        out.append(candidate)
        return out


def _nearest(levels: tuple[float, ...], value: float) -> float:
    return min(levels, key=lambda v: abs(v - value))


def shift_label(scenario: Scenario, index: int) -> str:
    """A shift's name, or ``shift<index>`` when it has none."""
    return scenario.shift_names()[index]


def lead_cost(scenario: Scenario, tier: str, leads_per_month: float) -> float:
    """Monthly lead cost of buying ``leads_per_month`` leads of ``tier`` (with the cost curve)."""
    base = scenario.costs.cost_per_lead.get(tier, 0.0) * leads_per_month
    curve = scenario.costs.lead_cost_curve.get(tier)
    if curve is None:
        return base
    return base + curve.extra_cost_per_lead * max(0.0, leads_per_month - curve.reference_volume)


def realistic_quota(volume: float, dispersion: float, months: float, confidence: float) -> int:
    """Largest monthly quota met with probability >= ``confidence`` at this expected volume.

    The period's lead count is negative binomial with mean ``volume * months`` and variance
    ``mean + dispersion * mean**2`` (Poisson when ``dispersion == 0``), as the engine draws it.
    Marketing meets quota ``q`` when ``count >= q * months``; with ``j`` the
    ``(1 - confidence)`` quantile, ``P(count >= j) > confidence``, so ``q = floor(j / months)``.
    """
    mean = volume * months
    if mean <= 0:
        return 0
    if dispersion > 0:
        size = 1.0 / dispersion
        dist = stats.nbinom(size, size / (size + mean))
    else:
        dist = stats.poisson(mean)
    j = float(dist.ppf(1.0 - confidence))
    return max(math.floor(j / months), 0)


def _volume_levels(lo: float, hi: float, step: float, keep: float | None) -> tuple[float, ...]:
    levels = list(np.arange(lo, hi + step / 2, step)) or [lo]
    if len(levels) > MAX_VOLUME_LEVELS:
        index = np.unique(np.linspace(0, len(levels) - 1, MAX_VOLUME_LEVELS).round().astype(int))
        levels = [levels[i] for i in index]
    if keep is not None and lo <= keep <= hi:
        levels.append(keep)  # the cost curve's kink: the usual optimum of a linear margin
    return tuple(sorted({round(float(v), 6) for v in levels}))


def build_space(
    scenario: Scenario,
    *,
    objective: str | None = None,
    confidence: float | None = None,
    budget: float | None = None,
    revenue_goal: float | None = None,
    verify_reps: int | None = None,
    source: str = "<cli>",
) -> DecisionSpace:
    """The decision space of ``scenario``; keyword values override its ``[optimize]`` table.

    Raises
    ------
    InputError
        When a value is out of range or the ``[optimize]`` table names an unknown shift, or a
        menu that cannot apply (an attempt commitment above ``cadence.max_attempts``), or the
        scenario staffs from ``team.roster`` (the optimizer varies weekly shifts only).
    ValueError
        When ``verify_reps`` is outside the bounds of ``[optimize] verify_reps``.
    """
    if verify_reps is not None and not (
        isinstance(verify_reps, int) and MIN_VERIFY_REPS <= verify_reps <= MAX_REPS
    ):
        raise ValueError(
            f"verify_reps(={verify_reps!r}) must be a whole number from {MIN_VERIFY_REPS} to "
            f"{MAX_REPS:,}, the bounds of [optimize] verify_reps (fewer fresh months cannot "
            "tell 80 % from 90 % met)."
        )
    opt = scenario.optimize or Optimize()
    where = f"<scenario {scenario.name}>"
    if scenario.team.roster is not None:
        # The optimizer varies the head count of each weekly shift; a roster is a fixed
        # plan of who works when, with nothing to vary. Refuse rather than ignore it.
        raise InputError.single(
            scenario.provenance.origin_of("team.roster", where), "team.roster",
            f"got {scenario.team.roster!r}; slasim optimize varies the sellers of team.shifts "
            "and cannot vary a roster: optimize a scenario with weekly [[team.shifts]] (the "
            "same hours as the roster), then write the roster for the chosen head counts",
        )
    objective = objective or opt.objective
    if objective not in ("profit", "cost"):
        raise InputError.single(
            source, "--objective", f"got {objective!r}; expected profit or cost"
        )
    conf = scenario.sla.confidence if confidence is None else confidence
    if not 0 < conf < 1:
        raise InputError.single(source, "--confidence", f"got {conf}; expected a share in (0, 1)")
    # Name the value where it came from: the command line, or the scenario's [optimize] table.
    budget_at = (
        (source, "--budget")
        if budget is not None
        else (scenario.provenance.origin_of("optimize.budget", where), "optimize.budget")
    )
    budget = opt.budget if budget is None else budget
    if budget is not None and budget <= 0:
        raise InputError.single(*budget_at, f"got {budget}; expected a monthly amount > 0")
    goal = opt.revenue_goal if revenue_goal is None else revenue_goal
    if goal is not None and goal < 0:
        raise InputError.single(source, "--revenue-goal", f"got {goal}; expected >= 0")

    names = [shift_label(scenario, j) for j in range(len(scenario.team.shifts))]
    for name in opt.sellers:
        if name not in names:
            raise InputError.single(
                scenario.provenance.origin_of(("optimize", "sellers", name), where),
                f"optimize.sellers.{name}", f"names shift {name!r}; expected one of {names}",
            )
    bounds = tuple(
        (opt.sellers[n][0], opt.sellers[n][1]) if n in opt.sellers else (sh.sellers, sh.sellers)
        for n, sh in zip(names, scenario.team.shifts, strict=True)
    )
    hired = sum(h.sellers for h in scenario.team.hires)
    if opt.sellers and sum(hi for _, hi in bounds) + hired > MAX_SCHEDULED_SELLERS:
        # Else a candidate fails the schema mid-search, blamed on "<optimize NAME>".
        free = next(n for n in names if n in opt.sellers)
        raise InputError.single(
            scenario.provenance.origin_of(("optimize", "sellers", free), where),
            "optimize.sellers", f"the upper bounds {[hi for _, hi in bounds]} (and {hired:,} "
            f"hired) add up to {sum(hi for _, hi in bounds) + hired:,} sellers; expected at "
            f"most {MAX_SCHEDULED_SELLERS:,} sellers scheduled in a scenario",
        )
    if opt.max_sellers is not None and sum(lo for lo, _ in bounds) > opt.max_sellers:
        raise InputError.single(
            scenario.provenance.origin_of("optimize.max_sellers", where), "optimize.max_sellers",
            f"got {opt.max_sellers}, below the {sum(lo for lo, _ in bounds)} sellers the lower "
            "bounds of optimize.sellers already need",
        )
    routings = tuple(dict.fromkeys(opt.routing or [scenario.routing.policy]))

    tiers = tuple(scenario.tiers)
    levels = []
    menus: dict[str, TermMenu] = {}
    unmeasured = unmeasured_terms(scenario)
    for name in tiers:
        choice = opt.tiers.get(name)
        tier = scenario.tiers[name]
        if choice is not None and choice.volume is not None:
            curve = scenario.costs.lead_cost_curve.get(name)
            levels.append(
                _volume_levels(
                    choice.volume[0], choice.volume[1], choice.volume_step,
                    curve.reference_volume if curve else None,
                )
            )
        else:
            levels.append((tier.monthly_volume,))
        terms = scenario.sla.tiers.get(name)
        if terms is None:
            if choice is not None:
                raise InputError.single(
                    scenario.provenance.origin_of(("optimize", "tiers", name), where),
                    f"optimize.tiers.{name}",
                    f"tier {name!r} has no [sla.tiers.{name}] terms to start from; expected "
                    "terms for every tier the optimizer may change",
                )
            continue
        targets = sorted(choice.response_targets) if choice and choice.response_targets else [
            terms.response_target_minutes
        ]
        shares = sorted(choice.response_shares, reverse=True) if choice and choice.response_shares \
            else [terms.response_share]
        # A menu needs the term measured: unmeasured, every entry reads "met" and the most
        # ambitious would be proposed on no evidence; the scenario's own commitment stays.
        attempts = sorted(choice.min_attempts, reverse=True) \
            if choice and choice.min_attempts and "attempts" not in unmeasured \
            else [terms.min_attempts]
        if attempts[0] > scenario.cadence.max_attempts:
            raise InputError.single(
                scenario.provenance.origin_of(("optimize", "tiers", name, "min_attempts"), where),
                f"optimize.tiers.{name}.min_attempts",
                f"got {attempts[0]}; expected at most cadence.max_attempts="
                f"{scenario.cadence.max_attempts} (the cadence never makes more attempts)",
            )
        # Conversion: a menu or "propose" from the [optimize] table; else the scenario's own
        # target stays fixed (a menu of one) and must hold, as before.
        propose = choice is not None and choice.qualify_rate_target == "propose"
        if choice is not None and choice.qualify_rate_targets:
            qualify = tuple(sorted(set(choice.qualify_rate_targets), reverse=True))
        elif terms.qualify_rate_target is not None and not propose:
            qualify = (terms.qualify_rate_target,)
        else:
            qualify = ()
        menus[name] = TermMenu(
            tier=name,
            response=tuple(itertools.product(targets, shares)),
            clock=terms.response_clock,
            attempts=tuple(attempts),
            attempt_share=terms.attempt_share,
            qualify=qualify,
            qualify_propose=propose,
        )
    if not menus:
        raise InputError.single(
            where, "sla.tiers", "is empty; expected SLA terms for at least one tier to optimize"
        )
    return DecisionSpace(
        scenario=scenario,
        objective=objective,
        confidence=conf,
        budget=budget,
        revenue_goal=goal,
        max_sellers=opt.max_sellers,
        shift_bounds=bounds,
        routings=routings,
        tiers=tiers,
        volume_levels=tuple(levels),
        menus=menus,
        shortlist=opt.shortlist,
        verify_reps=verify_reps or opt.verify_reps,
        confidence_level=scenario.sla.confidence_level,
    )
