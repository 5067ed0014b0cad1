"""Figures of an optimization: the cost-revenue frontier and the value of speed.

Like :mod:`slasim.render.plots`, every function takes ``ax=None`` (a new figure when None,
:func:`slasim.render.axes.axes_or_new`) and returns the Axes; nothing is shown.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, NullFormatter

from slasim.render.axes import axes_or_new

__all__ = ["frontier_plot", "speed_plot"]


def _millions(axis: Axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:.2f}M"))


def frontier_plot(
    frontier: pd.DataFrame, *, currency: str = "", ax: Axes | None = None
) -> Axes:
    """Cost vs revenue per month of every simulated candidate; the frontier joined by a line.

    ``frontier`` is :attr:`OptimizeResult.frontier` (every candidate on the same months). Point
    colour is how often sales would keep all the proposed terms there; the proposal is ringed.
    ``currency`` (e.g. ``scenario.costs.currency``) names the money axes' unit.
    """
    ax = axes_or_new(ax, (6, 4))
    points = ax.scatter(
        frontier["cost"], frontier["revenue"], c=frontier["p_sales"], cmap="viridis",
        vmin=0, vmax=1, s=40, zorder=3,
    )
    edge = frontier[frontier["on_frontier"]].sort_values("cost")
    ax.plot(edge["cost"], edge["revenue"], color="0.4", lw=1, zorder=2, label="frontier")
    chosen = frontier[frontier["proposal"]]
    if len(chosen):
        ax.scatter(chosen["cost"], chosen["revenue"], s=160, facecolors="none",
                   edgecolors="crimson", lw=2, zorder=4, label="proposal")
    ax.figure.colorbar(points, ax=ax, label="P(sales keeps the proposed terms)")
    _millions(ax.xaxis)
    _millions(ax.yaxis)
    ax.set_xlabel(f"cost per month (sellers + leads{', ' + currency if currency else ''})")
    ax.set_ylabel(f"revenue + pipeline value per month{f' ({currency})' if currency else ''}")
    ax.legend(loc="lower right")
    return ax


def speed_plot(
    value_of_speed: pd.DataFrame, *, currency: str = "", ax: Axes | None = None
) -> Axes:
    """Profit and revenue per month against the response target (log scale), with staffing;
    ``currency`` names the money axis' unit."""
    ax = axes_or_new(ax, (6, 4))
    reached = value_of_speed.dropna(subset=["profit"])
    for column, style in (("revenue", "o-"), ("profit", "s--")):
        ax.plot(reached["target_minutes"], reached[column], style, label=column)
    for row in reached.itertuples():
        ax.annotate(f"{row.sellers} sellers", (row.target_minutes, row.revenue),
                    textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    # A target no simulated staffing reached has no point: say so at its tick, or the reader
    # takes the missing point for a missing target.
    for target in value_of_speed.loc[value_of_speed["profit"].isna(), "target_minutes"]:
        ax.axvline(target, color="0.6", linestyle=":", linewidth=1)
        ax.annotate("not reached", (target, 0.5), xycoords=("data", "axes fraction"),
                    rotation=90, ha="left", va="center", fontsize=8, color="0.35",
                    xytext=(3, 0), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xticks(list(value_of_speed["target_minutes"]))
    ax.set_xticklabels([f"{t:g}" for t in value_of_speed["target_minutes"]])
    ax.xaxis.set_minor_formatter(NullFormatter())  # no "6x10^0" between the targets
    ax.margins(y=0.15)  # room for the "N sellers" labels above the top point
    _millions(ax.yaxis)
    ax.set_xlabel("response target (minutes)")
    ax.set_ylabel(f"{currency} per month" if currency else "per month")
    ax.legend()
    return ax
