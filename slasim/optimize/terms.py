"""Chance-constrained SLA terms scored on simulated months.

A term is *realistic* when it is met in at least ``confidence`` of simulated months. Response
targets, shares and attempt commitments do not change the simulated leads, so every entry of a
tier's menu is scored on the same records (:func:`term_samples`), and the most ambitious entry
that passes is proposed (:func:`choose_terms`). Pass/fail uses a Wilson score bound on the
estimated P(met): ``z > 0`` demands evidence (lower bound), ``z < 0`` only drops options that are
clearly out of reach (upper bound), ``z = 0`` is the point estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slasim.engine import Replication
from slasim.metrics import ALL, MetricContext, attempt_share, response_share
from slasim.optimize.space import DecisionSpace, TermMenu, realistic_quota

__all__ = [
    "ChosenTerms",
    "Samples",
    "choose_terms",
    "joint_flags",
    "term_probabilities",
    "term_samples",
    "wilson_interval",
]


def wilson_interval(met: float, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval of a proportion ``met / n``; ``z`` standard normal quantile."""
    if n == 0:
        return 0.0, 1.0
    p = met / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = abs(z) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _passes(flags: np.ndarray, confidence: float, z: float) -> bool:
    n = len(flags)
    met = float(flags.sum())
    if z == 0:
        return n > 0 and met / n >= confidence
    low, high = wilson_interval(met, n, abs(z))
    return (low if z > 0 else high) >= confidence


@dataclass(frozen=True)
class Samples:
    """Per-replication outcomes of one operating point (rows = replications).

    ``objective`` is per month (profit, or minus cost); ``cost`` and ``value`` (revenue won +
    pipeline value) per month. ``response[tier]`` has one column per menu target (share of
    leads within it; NaN when no lead was decided), ``attempts[tier]`` one column per attempt
    commitment (share of uncontacted leads that got them).
    """

    objective: np.ndarray
    cost: np.ndarray
    value: np.ndarray
    leads: dict[str, np.ndarray]
    response: dict[str, np.ndarray]
    attempts: dict[str, np.ndarray]
    conversion: dict[str, np.ndarray]

    @property
    def reps(self) -> int:
        return len(self.objective)

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
            cat(self.conversion, other.conversion),
        )


def term_samples(
    space: DecisionSpace,
    replications: pd.DataFrame,
    records: list[Replication],
    context: MetricContext,
) -> Samples:
    """Score every menu entry on the simulated records of one operating point."""
    months = space.months
    cost = replications[("cost", ALL)].to_numpy(float) / months
    value = (
        replications[("revenue", ALL)].to_numpy(float)
        + replications[("pipeline_value", ALL)].to_numpy(float)
    ) / months
    objective = (
        replications[("profit", ALL)].to_numpy(float) / months
        if space.objective == "profit"
        else -cost
    )
    index = {name: i for i, name in enumerate(space.tiers)}
    leads, response, attempts, conversion = {}, {}, {}, {}
    for name, menu in space.menus.items():
        leads[name] = replications[("leads_created", name)].to_numpy(float)
        conversion[name] = replications[("conversion_met", name)].to_numpy(float)
        per_rep = [rep.leads[rep.leads["tier"] == index[name]] for rep in records]
        response[name] = np.array(
            [[response_share(lt, context, t, menu.clock) for t in menu.targets] for lt in per_rep]
        ).reshape(len(records), len(menu.targets))
        attempts[name] = np.array(
            [[attempt_share(lt, context, a) for a in menu.attempts] for lt in per_rep]
        ).reshape(len(records), len(menu.attempts))
    return Samples(objective, cost, value, leads, response, attempts, conversion)


@dataclass(frozen=True)
class ChosenTerms:
    """The terms proposed for one tier, with their estimated P(met) on the samples used."""

    tier: str
    quota: int
    response_target_minutes: float
    response_share: float
    min_attempts: int
    p_marketing: float
    p_response: float
    p_attempts: float
    p_conversion: float


def _response_flags(samples: Samples, menu: TermMenu, target: float, share: float) -> np.ndarray:
    column = samples.response[menu.tier][:, menu.targets.index(target)]
    # A month with no decided lead of the tier cannot miss the target (as in slasim.metrics).
    return np.where(np.isnan(column), 1.0, (column >= share).astype(float))


def _attempt_flags(samples: Samples, menu: TermMenu, attempts: int) -> np.ndarray:
    column = samples.attempts[menu.tier][:, menu.attempts.index(attempts)]
    return (column >= menu.attempt_share).astype(float)


def _quota_flags(samples: Samples, tier: str, quota: int, months: float) -> np.ndarray:
    return (samples.leads[tier] >= quota * months).astype(float)


def choose_terms(
    samples: Samples, space: DecisionSpace, volumes: tuple[float, ...], z: float
) -> dict[str, ChosenTerms] | None:
    """The most ambitious realistic terms per tier, or None if some tier has none."""
    out = {}
    conf = space.confidence
    for name, menu in space.menus.items():
        if not _passes(samples.conversion[name], conf, z):
            return None
        response = next(
            (
                (t, s)
                for t, s in menu.response
                if _passes(_response_flags(samples, menu, t, s), conf, z)
            ),
            None,
        )
        attempts = next(
            (a for a in menu.attempts if _passes(_attempt_flags(samples, menu, a), conf, z)), None
        )
        if response is None or attempts is None:
            return None
        tier = space.scenario.tiers[name]
        volume = volumes[space.tiers.index(name)]
        # Analytic quantile first, aimed a margin above the confidence so that the
        # verification (P-hat >= confidence over verify_reps months) passes with ~95 %
        # probability; lowered while the simulated months disagree (profile, holidays).
        aim = min(0.999, conf + 1.645 * math.sqrt(conf * (1 - conf) / space.verify_reps))
        quota = realistic_quota(volume, tier.dispersion, space.months, aim)
        while quota > 0 and not _passes(_quota_flags(samples, name, quota, space.months), conf, z):
            quota -= 1
        out[name] = ChosenTerms(
            tier=name,
            quota=quota,
            response_target_minutes=response[0],
            response_share=response[1],
            min_attempts=attempts,
            **term_probabilities(samples, space, name, quota, response, attempts),
        )
    return out


def term_probabilities(
    samples: Samples,
    space: DecisionSpace,
    tier: str,
    quota: int,
    response: tuple[float, float],
    attempts: int,
) -> dict[str, float]:
    """Estimated P(met) of each of one tier's terms on ``samples``."""
    menu = space.menus[tier]
    return {
        "p_marketing": float(_quota_flags(samples, tier, quota, space.months).mean()),
        "p_response": float(_response_flags(samples, menu, *response).mean()),
        "p_attempts": float(_attempt_flags(samples, menu, attempts).mean()),
        "p_conversion": float(samples.conversion[tier].mean()),
    }


def joint_flags(
    samples: Samples, space: DecisionSpace, terms: dict[str, ChosenTerms]
) -> np.ndarray:
    """Per replication: 1 when every proposed term of every tier was met."""
    ok = np.ones(samples.reps)
    for name, t in terms.items():
        menu = space.menus[name]
        ok *= _quota_flags(samples, name, t.quota, space.months)
        ok *= _response_flags(samples, menu, t.response_target_minutes, t.response_share)
        ok *= _attempt_flags(samples, menu, t.min_attempts)
        ok *= samples.conversion[name]
    return ok
