"""A multi-month horizon in tables: P(term met) month by month, revenue by month.

What every command shows for a quarter (or a year) is built here from the one verdict
(:func:`slasim.measure.verdict.judge_months`, reached through
:attr:`slasim.measure.experiment.SimulationResult.verdict`) and the monthly columns of the
replications (:func:`slasim.measure.metrics.month_metrics`); nothing here judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from slasim.measure.metrics import ALL
from slasim.measure.months import Month, month_column, months_of
from slasim.measure.terms import SIDES, get_term

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from slasim.measure.experiment import SimulationResult
    from slasim.measure.verdict import Requirement, Verdict
    from slasim.scenario.schema import Scenario

__all__ = [
    "MonthRow",
    "RevenueRow",
    "month_p_met_plot",
    "month_rows",
    "months",
    "revenue_plot",
    "revenue_rows",
]


@dataclass(frozen=True)
class MonthRow:
    """One row of the month x term table: a term of a tier (or a side), P(met) per month.

    ``every`` is P(met in every month); ``met`` whether each month's P reaches the confidence.
    """

    label: str
    p: tuple[float, ...]
    every: float
    met: tuple[bool, ...]


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
    confidence = verdict.confidence
    for side in SIDES:
        p = tuple(m.verdict.p[side.name] for m in verdict.months)
        rows.append(MonthRow(side.label[lang], p, verdict.p[side.name],
                             tuple(x >= confidence - 1e-12 for x in p)))
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


def month_p_met_plot(verdict: Verdict, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """P(each side keeps all its terms) month by month, with the confidence as a dashed line.

    Markers below the line are the months that make the horizon not realistic.
    """
    import matplotlib.pyplot as plt

    from slasim.render.plots import TARGET_STYLE, percent_axis, tier_color

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(verdict.months))
    for i, side in enumerate(SIDES):
        p = [m.verdict.p[side.name] for m in verdict.months]
        ax.plot(x, p, marker="o", color=tier_color(i), label=side.label[lang])
    ax.axhline(verdict.confidence, **TARGET_STYLE, label=f"confidence {verdict.confidence:.0%}")
    ax.set_xticks(x, [m.labels[lang] for m in verdict.months])
    ax.set_ylim(0, 1.25)
    ax.set_yticks(np.linspace(0, 1, 6))
    percent_axis(ax.yaxis, "," if lang == "sv" else ".")
    ax.set_ylabel("P(kept) over simulated horizons")
    ax.set_title("Each side's terms, month by month")
    ax.legend(loc="upper center", ncol=len(SIDES) + 1, fontsize="small", frameon=False)
    return ax


def revenue_plot(result: SimulationResult, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """Revenue won per month and in the whole horizon: the spread over simulated horizons
    (box: 10th-90th percentile, line: median, dot: mean)."""
    import matplotlib.pyplot as plt

    from slasim.render.plots import tier_color

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    rows = revenue_rows(result, lang)
    x = np.arange(len(rows))
    for i, r in enumerate(rows):
        color = tier_color(0 if r.month is not None else 1)
        ax.bar(i, r.p90 - r.p10, bottom=r.p10, width=0.5, color=color, alpha=0.35)
        ax.hlines(r.p50, i - 0.25, i + 0.25, color=color)
        ax.plot(i, r.mean, "o", color=color)
    ax.set_xticks(x, [r.label for r in rows])
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:,.0f}"))
    ax.set_ylabel(f"revenue won ({result.scenario.costs.currency})")
    ax.set_title("Revenue of deals won, month by month and in the horizon")
    return ax
