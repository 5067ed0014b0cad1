"""Every menu entry scored where the replication ran: per-term values, not per-lead records.

The optimizer scores every response target and attempt commitment of a tier's menu on the same
simulated months (the terms do not change a simulated lead). :class:`MenuScorer` does it in the
worker (:class:`slasim.measure.executors.Scorer`), so a task sends back a few floats per replication
instead of the replication's lead records; :func:`samples_from` turns them, with the metric
table, into the optimizer's :class:`~slasim.optimizer.terms.Samples`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slasim.engine.replication import Replication
from slasim.measure.metrics import ALL, MetricContext, attempt_shares, response_shares
from slasim.optimizer.space import DecisionSpace
from slasim.optimizer.terms import Samples

__all__ = ["MenuScorer", "samples_from"]


@dataclass(frozen=True)
class _TierMenu:
    index: int  # the tier's index in the records (``leads["tier"]``)
    targets: tuple[float, ...]
    clock: str
    attempts: tuple[int, ...]


@dataclass(frozen=True)
class MenuScorer:
    """Per replication, tier by tier (``space.menus`` order): the share of leads within each
    response target of the menu, then the share of uncontacted leads that got each attempt
    commitment (:func:`slasim.measure.metrics.response_shares`,
    :func:`slasim.measure.metrics.attempt_shares`: the terms' own definitions)."""

    menus: tuple[_TierMenu, ...]

    @classmethod
    def of(cls, space: DecisionSpace) -> MenuScorer:
        return cls(tuple(
            _TierMenu(space.tiers.index(name), menu.targets, menu.clock, menu.attempts)
            for name, menu in space.menus.items()
        ))

    def __call__(self, rep: Replication, context: MetricContext) -> np.ndarray:
        out: list[float] = []
        for m in self.menus:
            leads = rep.leads[rep.leads["tier"] == m.index]
            out += response_shares(leads, context, m.targets, m.clock)
            out += attempt_shares(leads, context, m.attempts)
        return np.array(out, dtype=float)


def samples_from(space: DecisionSpace, replications: pd.DataFrame, scores: np.ndarray) -> Samples:
    """The :class:`Samples` of one operating point from its metric table (columns ``(metric,
    tier)``) and its :class:`MenuScorer` values (one row per replication)."""
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
    n = len(replications)
    scores = scores.reshape(n, -1)
    leads, response, attempts, qualify = {}, {}, {}, {}
    column = 0
    for name, menu in space.menus.items():
        leads[name] = replications[("leads_created", name)].to_numpy(float)
        qualify[name] = replications[("qualify_rate", name)].to_numpy(float)
        k, a = len(menu.targets), len(menu.attempts)
        response[name] = scores[:, column:column + k].copy()
        attempts[name] = scores[:, column + k:column + k + a].copy()
        column += k + a
    return Samples(objective, cost, value, leads, response, attempts, qualify)
