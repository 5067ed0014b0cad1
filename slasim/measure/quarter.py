"""A multi-month horizon in tables: P(term met) month by month, revenue by month.

What every command shows for a quarter (or a year) is built here from the one verdict
(:func:`slasim.measure.verdict.judge_months`, reached through
:attr:`slasim.measure.experiment.SimulationResult.verdict`) and the monthly columns of the
replications (:func:`slasim.measure.metrics.month_metrics`); nothing here judges. The same
tables as figures are in :mod:`slasim.render.quarter_plots`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from slasim.measure.metrics import ALL
from slasim.measure.months import Month, month_column, months_of
from slasim.measure.terms import SIDES, get_term

if TYPE_CHECKING:
    from slasim.measure.experiment import SimulationResult
    from slasim.measure.verdict import Requirement, Verdict
    from slasim.scenario.schema import Scenario

__all__ = [
    "MonthRow",
    "RevenueRow",
    "month_rows",
    "months",
    "revenue_rows",
]


@dataclass(frozen=True)
class MonthRow:
    """One row of the month x term table: a term of a tier (or a side), P(met) per month.

    ``every`` is P(met in every month); ``met`` whether each month's P reaches the confidence
    as the month's verdict judges it, ``None`` for a side the confidence level does not ask
    for (both sides at level ``side``; marketing and sales at ``joint``; every side at
    ``term``): a mark there would flag a month the verdict passes.
    """

    label: str
    p: tuple[float, ...]
    every: float
    met: tuple[bool | None, ...]


@dataclass(frozen=True)
class RevenueRow:
    """Revenue of the deals won in one month (or, ``month is None``, in the whole horizon)
    over simulated horizons: mean, 10th, 50th and 90th percentile."""

    label: str
    mean: float
    p10: float
    p50: float
    p90: float
    month: Month | None = None


def months(scenario: Scenario) -> tuple[Month, ...]:
    """The calendar months ``scenario``'s horizon is judged by (empty: one period)."""
    h = scenario.horizon
    return months_of(h.start, h.days, h.timezone)


def _term_label(r: Requirement, lang: str) -> str:
    if not r.term:
        return next(s for s in SIDES if s.name == r.side).label[lang]
    return f"{r.tier} {get_term(r.term).label[lang]}"


def month_rows(verdict: Verdict, lang: str = "en") -> list[MonthRow]:
    """Terms of every tier, then the sides, with P(met) in each month of ``verdict.months``."""
    if not verdict.months:
        return []
    rows = []
    for i, whole in enumerate(verdict.terms):
        per = [m.verdict.terms[i] for m in verdict.months]
        rows.append(MonthRow(_term_label(whole, lang), tuple(r.p for r in per), whole.p,
                             tuple(r.met for r in per)))
    # A term below the confidence fails its side and both sides too, so the term rows' marks
    # never flag a month the verdict passes; a side is judged only where the level asks.
    for side in SIDES:
        p = tuple(m.verdict.p[side.name] for m in verdict.months)
        met = tuple(
            next((r.met for r in m.verdict.requirements if not r.term and r.side == side.name),
                 None)
            for m in verdict.months
        )
        rows.append(MonthRow(side.label[lang], p, verdict.p[side.name], met))
    return rows


def revenue_rows(result: SimulationResult, lang: str = "en") -> list[RevenueRow]:
    """Revenue won per month and in the whole horizon (pipeline at the end is not in it)."""
    out = []
    for month in months(result.scenario):
        column = ("revenue", month_column(ALL, month))
        if column in result.replications:
            out.append(_revenue(month.label(lang), result.replications[column], month))
    label = {"en": "whole period", "sv": "hela perioden"}[lang]
    out.append(_revenue(label, result.replications[("revenue", ALL)], None))
    return out


def _revenue(label: str, values: object, month: Month | None) -> RevenueRow:
    x = np.asarray(values, dtype=float)
    p10, p50, p90 = (float(v) for v in np.quantile(x, (0.1, 0.5, 0.9)))
    return RevenueRow(label, float(x.mean()), p10, p50, p90, month)
