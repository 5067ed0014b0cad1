"""The figure of ``slasim sweep``: a heat map over two grid axes, a line over one.

Each function takes ``ax=None`` and returns the Axes; :func:`sweep_figure` lays out the whole
figure (one panel per combination of the axes after the second) for the CLI. Points whose
agreement is realistic (:mod:`slasim.measure.verdict`) are framed (heat map) or filled (line).
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from slasim.measure.catalogue import metric
from slasim.measure.terms import SIDES
from slasim.render.axes import axes_or_new
from slasim.render.figures import runs_text
from slasim.render.plots import TIER_COLORS, money_axis, percent_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from slasim.measure.sweeps import SweepResult
    from slasim.scenario.grid import GridAxis

__all__ = ["MAX_PANELS", "panel_count", "sweep_figure", "sweep_heatmap", "sweep_line"]

#: Panels of one figure at most (one per combination of the axes after the second).
MAX_PANELS = 12


def _label(value: str, result: SweepResult | None = None) -> str:
    """``p_joint`` -> ``P(both sides keep every term)``; ``profit`` -> the catalogue label
    (with the currency of ``result``'s scenario)."""
    if value.startswith("p_"):
        side = next(s for s in SIDES if s.name == value[2:])
        verb = "keep" if side.name == "joint" else "keeps"
        return f"P({side.label['en']} {verb} every term)"
    unit = f" ({result.scenario.costs.currency})" if result is not None else ""
    return metric(value).label["en"] + unit


def _column(value: str) -> str:
    return value if value.startswith("p_") else f"{value}_mean"


def _bounds(value: str) -> tuple[str, str]:
    return (f"{value}_low", f"{value}_high") if value.startswith("p_") else (
        f"{value}_ci_low", f"{value}_ci_high")


def _text(value: str, x: float) -> str:
    if math.isnan(x):
        return "–"
    if value.startswith("p_"):
        return f"{100 * x:.0f}\u00a0%"
    return f"{x / 1e6:.2f}M" if abs(x) >= 1e6 else f"{x / 1e3:.0f}k"


def _ticks(axis: GridAxis) -> list[str]:
    return [str(t) for t in axis.texts]


def panel_count(axes: tuple[GridAxis, ...]) -> int:
    """Panels :func:`sweep_figure` draws: one per combination of the axes after the second."""
    return math.prod(len(a) for a in axes[2:])


def sweep_heatmap(
    result: SweepResult, value: str = "p_joint", *, where: dict[str, Any] | None = None,
    limits: tuple[float, float] | None = None, ax: Axes | None = None,
) -> Axes:
    """``value`` over the first two grid axes (rows: first axis, columns: second).

    ``where`` fixes the other axes (``{path: value}``); ``limits`` are the colour scale's
    (default: 0 to 1 for a P, else this panel's range; panels side by side share one);
    realistic points are framed.
    """
    ax = axes_or_new(ax, (7, 4.5))
    first, second = result.axes[0], result.axes[1]
    where = where or {}
    grid = np.full((len(first), len(second)), np.nan)
    ok = np.zeros(grid.shape, dtype=bool)
    shown = result.table[_column(value)].to_numpy(dtype=float)
    realistic = result.table["realistic"].to_numpy(dtype=bool)
    for k, point in enumerate(result.points):  # table row k is point k
        at = dict(zip((a.path for a in result.axes), point.values, strict=True))
        if any(at[path] != fixed for path, fixed in where.items()):
            continue
        i, j = first.values.index(point.values[0]), second.values.index(point.values[1])
        grid[i, j], ok[i, j] = shown[k], realistic[k]
    share = value.startswith("p_")
    low, high = limits if limits is not None else ((0.0, 1.0) if share else (None, None))
    image = ax.imshow(grid, aspect="auto", origin="lower", cmap="viridis", vmin=low, vmax=high)
    colorbar = ax.figure.colorbar(image, ax=ax)
    if share:
        percent_axis(colorbar.ax.yaxis)
    else:
        money_axis(colorbar.ax.yaxis)
    colorbar.set_label(_label(value, result))
    finite = grid[np.isfinite(grid)]
    middle = float(np.mean(image.get_clim())) if finite.size else 0.0
    for (i, j), x in np.ndenumerate(grid):
        ax.text(j, i, _text(value, x), ha="center", va="center", fontsize="small",
                color="black" if x > middle else "white")
        if ok[i, j]:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="white",
                                   linewidth=2.5))
    ax.set_yticks(range(len(first)), _ticks(first))
    ax.set_xticks(range(len(second)), _ticks(second))
    ax.set_ylabel(first.path)
    ax.set_xlabel(second.path)
    return ax


def sweep_line(
    result: SweepResult, value: str = "p_joint", *, ax: Axes | None = None
) -> Axes:
    """``value`` along the only grid axis, with its 95 % interval; realistic points filled."""
    ax = axes_or_new(ax)
    axis = result.axes[0]
    table = result.table
    x = np.asarray(axis.values, dtype=float) if axis.numeric else np.arange(len(axis))
    y = table[_column(value)].to_numpy(dtype=float)
    low, high = (table[c].to_numpy(dtype=float) for c in _bounds(value))
    ok = table["realistic"].to_numpy(dtype=bool)
    color = TIER_COLORS[2]
    ax.fill_between(x, low, high, color=color, alpha=0.2, linewidth=0, label="95 % interval")
    ax.plot(x, y, color=color, linewidth=1.5)
    ax.plot(x[ok], y[ok], "o", color=color, label="realistic")
    ax.plot(x[~ok], y[~ok], "o", markerfacecolor="white", color=color, label="not realistic")
    if not axis.numeric:
        ax.set_xticks(x, _ticks(axis))
    elif all(isinstance(v, int) for v in axis.values):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if value.startswith("p_"):
        ax.set_ylim(-0.02, 1.02)
        percent_axis(ax.yaxis)
    else:
        money_axis(ax.yaxis)
    ax.set_xlabel(axis.path)
    ax.set_ylabel(_label(value, result))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return ax


def sweep_figure(result: SweepResult, value: str = "p_joint") -> Figure:
    """The whole figure: a line (one axis) or heat maps (one per value of the later axes)."""
    axes = result.axes
    runs = runs_text(result.scenario, result.reps, "en", short=True)
    title = f"{_label(value, result)}\n{runs} per point (seed {result.seed})"
    if len(axes) == 1:
        ax = sweep_line(result, value, ax=axes_or_new(None, layout="constrained"))
        ax.set_title(title, fontsize="medium")
        return ax.figure  # type: ignore[return-value]  # a top-level Axes' figure is a Figure
    combos = list(itertools.product(*(a.values for a in axes[2:])))
    if len(combos) > MAX_PANELS:
        raise ValueError(f"panels(={len(combos)}) must be at most {MAX_PANELS}.")
    cols = min(len(combos), 3)
    rows = math.ceil(len(combos) / cols)
    width = max(5.5, 0.9 * len(axes[1]) + 2.5)
    height = max(2.5, 0.5 * len(axes[0]) + 1.5)
    fig, grid = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.6),
                             squeeze=False, layout="constrained")
    limits = None
    if not value.startswith("p_"):  # one colour scale for every panel
        shown = result.table[_column(value)].to_numpy(dtype=float)
        shown = shown[np.isfinite(shown)]
        limits = (float(shown.min()), float(shown.max())) if shown.size else None
    for ax, combo in zip(grid.flat, combos, strict=False):
        where = {a.path: v for a, v in zip(axes[2:], combo, strict=True)}
        sweep_heatmap(result, value, where=where, limits=limits, ax=ax)
        if where:
            ax.set_title(", ".join(f"{k}={_show(axes, k, v)}" for k, v in where.items()),
                         fontsize="small")
    for ax in list(grid.flat)[len(combos):]:
        ax.set_visible(False)
    fig.suptitle(f"{title}; framed: realistic", fontsize="medium")
    return fig


def _show(axes: tuple[GridAxis, ...], path: str, value: Any) -> str:
    axis = next(a for a in axes if a.path == path)
    return axis.texts[axis.values.index(value)]
