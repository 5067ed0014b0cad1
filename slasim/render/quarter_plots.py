"""A multi-month horizon in figures: P(each side kept) month by month, revenue by month.

The figures of the tables in :mod:`slasim.measure.quarter` (the report's month pages and the
notebook *Plan the quarter* draw them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.ticker import FuncFormatter

from slasim.measure.quarter import revenue_rows
from slasim.measure.shares import bar_percent
from slasim.measure.terms import SIDES
from slasim.render.axes import axes_or_new
from slasim.render.plots import TARGET_STYLE, percent_axis, tier_color

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from slasim.measure.experiment import SimulationResult
    from slasim.measure.verdict import Verdict

__all__ = ["month_p_met_plot", "revenue_plot"]


_NOT_JUDGED = {"en": "(not judged)", "sv": "(bedöms inte)"}


def month_p_met_plot(verdict: Verdict, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """P(each side keeps all its terms) month by month, with the confidence as a dashed line.

    Markers below the line are the months that make the horizon not realistic.
    """
    ax = axes_or_new(ax, (7, 4))
    x = np.arange(len(verdict.months))
    # The sides the confidence level judges, solid; the others grey and dotted, "(not judged)":
    # at level side "both sides" under the line looked like a failing month of a realistic
    # quarter.
    judged = {r.side for m in verdict.months for r in m.verdict.requirements if not r.term}
    for i, side in enumerate(SIDES):
        p = [m.verdict.p[side.name] for m in verdict.months]
        if side.name in judged:
            ax.plot(x, p, marker="o", color=tier_color(i), label=side.label[lang])
        else:
            ax.plot(x, p, marker="o", color="0.6", linestyle=":",
                    label=f"{side.label[lang]} {_NOT_JUDGED[lang]}")
    ax.axhline(verdict.confidence, **TARGET_STYLE,
               label=f"confidence {bar_percent(verdict.confidence)}")
    ax.set_xticks(x, [m.labels[lang] for m in verdict.months])
    ax.set_ylim(0, 1.25)
    ax.set_yticks(np.linspace(0, 1, 6))
    percent_axis(ax.yaxis, "," if lang == "sv" else ".")
    ax.set_ylabel("P(kept) over simulated horizons")
    ax.set_title("Each side's terms, month by month")
    ax.legend(loc="upper center", ncol=len(SIDES) + 1, fontsize="small", frameon=False)
    return ax


#: The legend of :func:`revenue_plot` per language: box, line, dot.
_KEY = {
    "en": ("8 horizons in 10 (p10-p90)", "median", "mean"),
    "sv": ("8 perioder av 10 (p10-p90)", "median", "medelvärde"),
}


def revenue_plot(result: SimulationResult, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """Revenue won per month and in the whole horizon: the spread over simulated horizons
    (box: 10th-90th percentile, line: median, dot: mean)."""
    ax = axes_or_new(ax, (7, 4))
    rows = revenue_rows(result, lang)
    x = np.arange(len(rows))
    for i, r in enumerate(rows):
        color = tier_color(0 if r.month is not None else 1)
        ax.bar(i, r.p90 - r.p10, bottom=r.p10, width=0.5, color=color, alpha=0.35)
        ax.hlines(r.p50, i - 0.25, i + 0.25, color=color)
        ax.plot(i, r.mean, "o", color=color)
    ax.set_xticks(x, [r.label for r in rows])
    # The key to the marks, in grey (the colours tell a month from the whole horizon).
    grey = "0.45"
    ax.bar(np.nan, np.nan, color=grey, alpha=0.35, label=_KEY[lang][0])
    ax.hlines(np.nan, np.nan, np.nan, color=grey, label=_KEY[lang][1])
    ax.plot(np.nan, np.nan, "o", color=grey, label=_KEY[lang][2])
    ax.legend(fontsize="small", loc="upper left")
    ax.margins(y=0.12)  # room for the key above the bars
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.0f}"))
    ax.set_ylabel(f"revenue won ({result.scenario.costs.currency})")
    ax.set_title("Revenue of deals won, month by month and in the horizon")
    return ax
