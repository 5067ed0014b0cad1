"""Chance-constrained SLA terms scored on simulated months.

The proposal must be *realistic* by the one definition of :mod:`slasim.measure.verdict` (by default:
each side keeps all its terms together in at least ``confidence`` of simulated months). Terms
are chosen per term at a level ``r >= confidence`` and ``r`` is raised, per side, until the
side (or joint) requirement holds on the months (:func:`choose_terms`). Response
targets, shares, attempt commitments and conversion (qualify-rate) targets do not change the
simulated leads, so every entry of a tier's menu is scored on the same months (in the worker:
:class:`slasim.optimizer.scoring.MenuScorer`), and the most ambitious entry that passes is
proposed (:func:`choose_terms`). Quotas, and qualify-rate targets without a menu, are the realistic
quantile of what the months delivered. When a tier has no realistic entry for some term,
:func:`shortfalls` says which term and how close it came. Pass/fail uses a Wilson score bound on the
estimated P(met): ``z > 0`` demands evidence (lower bound), ``z < 0`` only drops options that are
clearly out of reach (upper bound), ``z = 0`` is the point estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from slasim.measure.months import worded
from slasim.measure.terms import get_term
from slasim.measure.verdict import Verdict, judge, passes
from slasim.optimizer.space import DecisionSpace, TermMenu, realistic_quota

__all__ = [
    "ChosenTerms",
    "Samples",
    "Shortfall",
    "choose_terms",
    "describe_conversion",
    "shortfalls",
    "term_flags",
    "term_probabilities",
    "terms_verdict",
]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Samples:
    """Per-replication outcomes of one operating point (rows = replications).

    ``objective`` is per month (profit, or minus cost); ``cost`` and ``value`` (revenue won +
    pipeline value) per month. ``response[tier]`` has one column per menu target (share of
    leads within it; NaN when no lead was decided), ``attempts[tier]`` one column per attempt
    commitment (share of uncontacted leads that got them), ``qualify[tier]`` the qualify rate
    (SQLs per lead created; NaN when no lead was created).
    """

    objective: np.ndarray
    cost: np.ndarray
    value: np.ndarray
    leads: dict[str, np.ndarray]
    response: dict[str, np.ndarray]
    attempts: dict[str, np.ndarray]
    qualify: dict[str, np.ndarray]

    @property
    def reps(self) -> int:
        return len(self.objective)

    def head(self, n: int) -> Samples:
        """The first ``n`` replications."""

        def cut(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {k: v[:n] for k, v in a.items()}

        return Samples(self.objective[:n], self.cost[:n], self.value[:n], cut(self.leads),
                       cut(self.response), cut(self.attempts), cut(self.qualify))

    def extend(self, other: Samples) -> Samples:
        """These replications followed by ``other``'s."""

        def cat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {k: np.concatenate([a[k], b[k]]) for k in a}

        return Samples(
            np.concatenate([self.objective, other.objective]),
            np.concatenate([self.cost, other.cost]),
            np.concatenate([self.value, other.value]),
            cat(self.leads, other.leads),
            cat(self.response, other.response),
            cat(self.attempts, other.attempts),
            cat(self.qualify, other.qualify),
        )


@dataclass(frozen=True)
class ChosenTerms:
    """The terms proposed for one tier, with their estimated P(met) on the samples used.

    ``qualify_rate_target`` is None when the tier promises no conversion.
    """

    tier: str
    quota: int
    response_target_minutes: float
    response_share: float
    min_attempts: int
    qualify_rate_target: float | None
    p_marketing: float
    p_response: float
    p_attempts: float
    p_conversion: float


@dataclass(frozen=True)
class Shortfall:
    """A term of one tier that no menu entry meets: its closest entry and that entry's P(met)."""

    tier: str
    term: str
    value: str
    p_met: float


def _response_flags(samples: Samples, menu: TermMenu, target: float, share: float) -> np.ndarray:
    column = samples.response[menu.tier][:, menu.targets.index(target)]
    # A month with no decided lead of the tier cannot miss the target (as in
    # slasim.measure.metrics).
    return np.where(np.isnan(column), 1.0, (column >= share).astype(float))


def _attempt_flags(samples: Samples, menu: TermMenu, attempts: int) -> np.ndarray:
    column = samples.attempts[menu.tier][:, menu.attempts.index(attempts)]
    return (column >= menu.attempt_share).astype(float)


def _conversion_flags(samples: Samples, tier: str, target: float | None) -> np.ndarray:
    rate = samples.qualify[tier]
    if target is None:
        return np.ones(len(rate))
    # No lead created: nothing was promised on them (as in slasim.measure.metrics).
    return np.where(np.isnan(rate), 1.0, (rate >= target).astype(float))


def _quota_flags(samples: Samples, tier: str, quota: int, months: float) -> np.ndarray:
    return (samples.leads[tier] >= quota * months).astype(float)


def _aim(space: DecisionSpace, conf: float) -> float:
    """P(met) to aim a quantile at, so that the verification passes with ~95 % probability.

    The verification asks P-hat >= ``conf`` over ``verify_reps`` fresh months; aiming 1.645
    binomial standard errors above it leaves that margin for its sampling noise.
    """
    return min(0.999, conf + 1.645 * math.sqrt(conf * (1 - conf) / space.verify_reps))


def describe_conversion(target: float | None) -> str:
    """The conversion term in words, e.g. ``qualify rate >= 25%`` (``12.5%`` for 0.125)."""
    return "none promised" if target is None else f"qualify rate >= {target * 100:.4g}%"


def _realistic_qualify(
    samples: Samples, space: DecisionSpace, tier: str, z: float, conf: float
) -> float:
    """The qualify rate met in ``_aim`` of the months, rounded down to 0.01; lowered while the
    months do not pass at ``z`` (the same approach as the quota)."""
    rate = samples.qualify[tier]
    finite = rate[~np.isnan(rate)]
    if not len(finite):
        return 0.0
    # The epsilon keeps 0.29 from flooring to 0.28 through 0.29 * 100 = 28.999...
    target = math.floor(float(np.quantile(finite, 1.0 - _aim(space, conf))) * 100 + 1e-9) / 100
    while target > 0 and not passes(_conversion_flags(samples, tier, target), conf, z):
        target = round(target - 0.01, 2)
    return max(target, 0.0)


def _entry(
    menu: Sequence[_T], flags: Callable[[_T], np.ndarray], level: float, confidence: float,
    z: float,
) -> _T | None:
    """The most ambitious entry of ``menu`` met at ``level``; None when none is met.

    A level raised above the confidence (:func:`choose_terms` loosening a side) cannot loosen
    a term already at the least ambitious entry: that entry stays while it is met at the
    confidence itself, so the side's other terms can still be loosened (else one term at the
    end of its menu, met in 92 % of months, ended the search for the whole agreement at 0.92).
    """
    chosen = next((e for e in menu if passes(flags(e), level, z)), None)
    if chosen is None and level > confidence and passes(flags(menu[-1]), confidence, z):
        return menu[-1]
    return chosen


def _tier_terms(
    samples: Samples,
    space: DecisionSpace,
    name: str,
    volume: float,
    z: float,
    levels: tuple[float, float] | None = None,
) -> ChosenTerms | list[Shortfall]:
    """The most ambitious terms of one tier met on their own at the per-term ``levels``
    (marketing, sales; default: the confidence), or the terms no menu entry meets."""
    conf_m, conf = levels or (space.confidence, space.confidence)
    menu = space.menus[name]
    response = _entry(menu.response, lambda ts: _response_flags(samples, menu, *ts),
                      conf, space.confidence, z)
    attempts = _entry(menu.attempts, lambda a: _attempt_flags(samples, menu, a),
                      conf, space.confidence, z)
    qualify: float | None = None
    if menu.qualify_propose:
        qualify = _realistic_qualify(samples, space, name, z, conf)
    elif menu.qualify:
        entry = _entry(menu.qualify, lambda q: _conversion_flags(samples, name, q),
                       conf, space.confidence, z)
        qualify = math.nan if entry is None else entry  # nan: no entry passes
    missing = []
    if response is None:
        best = max(menu.response,
                   key=lambda ts: (_response_flags(samples, menu, *ts).mean(), ts[0]))
        unit = "business min" if menu.clock == "business" else "min"  # as run and track say
        missing.append(Shortfall(name, "response", f"{best[1]:.0%} within {best[0]:g} {unit}",
                                 float(_response_flags(samples, menu, *best).mean())))
    if attempts is None:
        least = menu.attempts[-1]
        missing.append(Shortfall(name, "attempts", f">= {least} attempts",
                                 float(_attempt_flags(samples, menu, least).mean())))
    if qualify is not None and math.isnan(qualify):
        least_q = menu.qualify[-1]
        missing.append(Shortfall(name, "conversion", describe_conversion(least_q),
                                 float(_conversion_flags(samples, name, least_q).mean())))
    if missing:
        return missing
    assert response is not None and attempts is not None
    tier = space.scenario.tiers[name]
    # Analytic quantile first, aimed a margin above the confidence; lowered while the
    # simulated months disagree (profile, holidays).
    quota = realistic_quota(volume, tier.dispersion, space.months, _aim(space, conf_m))
    while quota > 0 and not passes(_quota_flags(samples, name, quota, space.months), conf_m, z):
        quota -= 1
    return ChosenTerms(
        tier=name,
        quota=quota,
        response_target_minutes=response[0],
        response_share=response[1],
        min_attempts=attempts,
        qualify_rate_target=qualify,
        **term_probabilities(samples, space, name, quota, response, attempts, qualify),
    )


def _choose_at(
    samples: Samples, space: DecisionSpace, volumes: tuple[float, ...], z: float,
    levels: tuple[float, float],
) -> dict[str, ChosenTerms] | None:
    out = {}
    for name in space.menus:
        chosen = _tier_terms(samples, space, name, volumes[space.tiers.index(name)], z, levels)
        if not isinstance(chosen, ChosenTerms):
            return None
        out[name] = chosen
    return out


#: Step by which the per-term level of a side is raised while its side requirement fails.
_LEVEL_STEP = 0.02


def choose_terms(
    samples: Samples, space: DecisionSpace, volumes: tuple[float, ...], z: float
) -> dict[str, ChosenTerms] | None:
    """The most ambitious terms that are realistic together, or None if there are none.

    Per side, terms are chosen so that each is met on its own at a level ``r`` (starting at the
    confidence); while the verdict (:func:`slasim.measure.verdict.judge` at
    ``sla.confidence_level``)
    fails, ``r`` of the failing side is raised, which loosens that side's terms.
    """
    conf = space.confidence
    levels = [conf, conf]  # marketing, sales
    while True:
        terms = _choose_at(samples, space, volumes, z, (levels[0], levels[1]))
        if terms is None:
            return None
        if space.confidence_level == "term":
            return terms
        verdict = terms_verdict(samples, space, terms, z)
        if verdict.realistic:
            return terms
        failing = {r.side for r in verdict.failing}
        if space.confidence_level == "joint":
            # Raise the side that keeps its terms less often.
            failing = {"marketing" if verdict.p["marketing"] < verdict.p["sales"] else "sales"}
        raised = False
        for i, side in enumerate(("marketing", "sales")):
            if side in failing and levels[i] < 0.999:
                levels[i] = min(0.999, levels[i] + _LEVEL_STEP)
                raised = True
        if not raised:
            return None


def shortfalls(
    samples: Samples, space: DecisionSpace, volumes: tuple[float, ...], z: float
) -> list[Shortfall]:
    """The terms (per tier) that no menu entry meets at ``z``; empty when all can be met."""
    out: list[Shortfall] = []
    for name in space.menus:
        chosen = _tier_terms(samples, space, name, volumes[space.tiers.index(name)], z)
        if not isinstance(chosen, ChosenTerms):
            out += chosen
    return out


def term_probabilities(
    samples: Samples,
    space: DecisionSpace,
    tier: str,
    quota: int,
    response: tuple[float, float],
    attempts: int,
    qualify: float | None,
) -> dict[str, float]:
    """Estimated P(met) of each of one tier's terms on ``samples``."""
    menu = space.menus[tier]
    return {
        "p_marketing": float(_quota_flags(samples, tier, quota, space.months).mean()),
        "p_response": float(_response_flags(samples, menu, *response).mean()),
        "p_attempts": float(_attempt_flags(samples, menu, attempts).mean()),
        "p_conversion": float(_conversion_flags(samples, tier, qualify).mean()),
    }


def term_flags(
    samples: Samples, space: DecisionSpace, terms: dict[str, ChosenTerms]
) -> dict[tuple[str, str], np.ndarray]:
    """Per replication, 0/1 per term of every tier: the input of
    :func:`slasim.measure.verdict.judge`."""
    out: dict[tuple[str, str], np.ndarray] = {}
    for name, t in terms.items():
        menu = space.menus[name]
        out[(get_term("marketing").flag, name)] = _quota_flags(samples, name, t.quota,
                                                               space.months)
        out[(get_term("response").flag, name)] = _response_flags(
            samples, menu, t.response_target_minutes, t.response_share)
        out[(get_term("attempts").flag, name)] = _attempt_flags(samples, menu, t.min_attempts)
        out[(get_term("conversion").flag, name)] = _conversion_flags(
            samples, name, t.qualify_rate_target)
    return out


def terms_verdict(
    samples: Samples, space: DecisionSpace, terms: dict[str, ChosenTerms], z: float = 0.0
) -> Verdict:
    """The verdict on ``terms`` over ``samples``' months (the one definition)."""
    return worded(judge(term_flags(samples, space, terms), tuple(terms), space.confidence,
                        space.confidence_level, z), space.scenario)
