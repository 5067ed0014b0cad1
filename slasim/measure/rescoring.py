"""Other SLA terms scored where a replication ran.

SLA terms (quotas, response targets, shares) do not change a simulated lead, so a grid of
terms can be judged on one simulation's months. :class:`TermsScorer` is a
:class:`~slasim.measure.executors.Scorer`: in the worker that ran a replication it computes
the metric vector of every term set (:func:`~slasim.measure.metrics.replication_metrics` with
that term set's context, as a simulation of that scenario would), so the lead records never
travel back to the caller. :func:`scored_tables` cuts the scores into one per-replication
table per term set; its verdict is :func:`~slasim.measure.experiment.verdict_of`'s, the one
every command gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from slasim.measure.executors import metric_columns
from slasim.measure.metrics import MetricContext, replication_metrics

if TYPE_CHECKING:
    import pandas as pd

    from slasim.engine.replication import Replication

__all__ = ["TermsScorer", "scored_tables"]


@dataclass(frozen=True, eq=False)
class TermsScorer:
    """Every term set's metric vector, one after another (picklable: module level).

    Attributes
    ----------
    contexts
        One :class:`~slasim.measure.metrics.MetricContext` per term set
        (``MetricContext.from_scenario`` of the scenario with those terms).
    """

    contexts: tuple[MetricContext, ...]

    def __call__(self, rep: Replication, context: MetricContext) -> npt.NDArray[np.float64]:
        values: list[float] = []
        for ctx in self.contexts:
            row = replication_metrics(rep, ctx)
            values += [row.get(c, math.nan) for c in metric_columns(ctx)]
        return np.array(values, dtype=float)


def scored_tables(scorer: TermsScorer, scores: npt.NDArray[np.float64]) -> list[pd.DataFrame]:
    """The per-replication table of each term set of ``scorer`` (as
    :attr:`~slasim.measure.experiment.SimulationResult.replications`), from a batch's
    ``scores`` (one row per replication)."""
    from slasim.measure.experiment import replications_table

    widths = [len(metric_columns(ctx)) for ctx in scorer.contexts]
    if sum(widths) != scores.shape[1]:
        raise ValueError(f"scores(={scores.shape[1]} columns) must hold {sum(widths)} columns: "
                         "one metric vector per term set of the scorer.")
    tables, start = [], 0
    for ctx, width in zip(scorer.contexts, widths, strict=True):
        tables.append(replications_table(scores[:, start:start + width], ctx))
        start += width
    return tables
