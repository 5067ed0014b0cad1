"""Helpers shared by the evidence sections: result means and report-styled figures.

The figures themselves come from :mod:`slasim.render.plots` (English defaults); these helpers size
them for the page, drop their titles (the caption says it), translate legends and turn them
into :class:`~slasim.render.doc.Figure` blocks.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from slasim.measure.catalogue import CATALOGUE
from slasim.measure.metrics import ALL
from slasim.render.axes import axes_or_new
from slasim.render.doc import Figure
from slasim.render.page import figure_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure as MplFigure

    from slasim.measure.experiment import SimulationResult
    from slasim.scenario.schema import Scenario

__all__ = [
    "finish_axes",
    "metric_mean",
    "new_axes",
    "per_month",
    "percent_ticks",
    "report_figure",
    "runs_text",
]


def metric_mean(result: SimulationResult, metric: str, tier: str = ALL) -> float:
    """Mean of a metric over the replications (NaN when the metric is not defined)."""
    key = (metric, tier)
    return float(result.replications[key].mean()) if key in result.replications else math.nan


def per_month(scenario: Scenario, metric: str) -> float:
    """The factor that turns a simulated period's value of ``metric`` into its value per month.

    Counts and money add up over the period: where the report says "per month" it divides them
    by the period's months (days / 30.44), the basis of the scenario's monthly volumes and
    costs, of the funnel and of ``slasim optimize`` (a 30-day baseline month costs
    30/30.44 of a month's salaries). Shares, rates and minutes are the same per month: 1.
    """
    kind = CATALOGUE[metric].kind if metric in CATALOGUE else ""
    return 1.0 / scenario.horizon.months if kind in ("count", "money") else 1.0


def runs_text(scenario: Scenario, reps: int, lang: str, *, short: bool = False) -> str:
    """What ``reps`` replications of ``scenario`` are, in words: "200 simulated months", or for
    a horizon judged month by month or shorter than a month "60 simulated periods of 90 days"
    (``short``: "200 months")."""
    from slasim.measure.months import short_period
    from slasim.measure.quarter import months
    from slasim.render.i18n import tr

    suffix = "_short" if short else ""
    if months(scenario) or short_period(scenario.horizon.days):
        return tr(lang, f"runs_periods{suffix}").format(reps=reps, days=scenario.horizon.days)
    return tr(lang, f"runs_months{suffix}").format(reps=reps)


def new_axes(size: tuple[float, float] = (7.5, 3.8)) -> tuple[MplFigure, Axes]:
    """A new figure and axes in the report's default size (inches)."""
    ax = axes_or_new(None, size)
    return ax.figure, ax  # type: ignore[return-value]  # a top-level Axes' figure is a Figure


def finish_axes(
    ax: Axes, lang: str, legend: dict[str, str] | None = None, title: str | None = None
) -> None:
    """Drop the English title (the caption says it) and translate legend entries.

    ``lang`` is unused today (labels arrive translated in ``legend``) but kept so that every
    call states the language it renders.
    """
    ax.set_title("")
    old = ax.get_legend()
    if old is not None:
        handles, labels = ax.get_legend_handles_labels()
        mapping = legend or {}
        ax.legend(
            handles,
            [mapping.get(label, label) for label in labels],
            title=title,
            loc=old._loc,  # type: ignore[attr-defined]  # keep the plot function's position
            ncols=old._ncols,  # type: ignore[attr-defined]  # and its columns
            frameon=old.get_frame_on(),
            fontsize="small",
        )


def percent_ticks(axis: Axis, lang: str) -> None:
    """Percent tick labels with the decimal sign of ``lang``."""
    from slasim.render.plots import percent_axis

    percent_axis(axis, "," if lang == "sv" else ".")


def report_figure(fig: MplFigure, name: str, caption: str) -> Figure:
    """A figure block (PNG bytes, caption as alt text); closes ``fig``."""
    return Figure(figure_png(fig), alt=caption, caption=caption, name=name)
