"""Matplotlib figures: each takes ``ax=None``, returns the Axes, never calls ``plt.show()``.

One visual style for all figures: tiers keep the same colour everywhere, targets are dashed
grey lines, units are in the axis labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.ticker import FixedLocator, NullFormatter

from slasim.measure.shares import bar_percent
from slasim.measure.terms import TERMS
from slasim.model.decay import DecayCurve
from slasim.render.axes import axes_or_new

if TYPE_CHECKING:
    from slasim.measure.experiment import SimulationResult

__all__ = [
    "TIER_COLORS",
    "decay_curves",
    "funnel_bars",
    "money_axis",
    "option_bars",
    "p_met_bars",
    "percent_axis",
    "response_time_distribution",
    "staffing_attainment",
    "tier_color",
]

#: Colour per tier position (hot, warm, cold, ...), colour-blind safe (Okabe–Ito).
TIER_COLORS = ("#D55E00", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#F0E442")
TARGET_STYLE: dict[str, Any] = {"color": "0.35", "linestyle": "--", "linewidth": 1.0}


def tier_color(index: int) -> str:
    """The colour of the tier at ``index`` (stable across figures)."""
    return TIER_COLORS[index % len(TIER_COLORS)]


def percent_axis(axis: Axis, decimal: str = ".") -> None:
    """Label ``axis`` (``ax.xaxis``/``ax.yaxis``) in percent: 0.8 -> ``80 %``.

    ``decimal`` is the decimal sign of the ticks (``","`` in Swedish reports).
    """

    def label(value: float, _: object) -> str:
        text = (
            f"{100 * value:.0f}"
            if abs(100 * value - round(100 * value)) < 1e-9
            else (f"{100 * value:.1f}")
        )
        return text.replace(".", decimal) + "\u00a0%"

    axis.set_major_formatter(plt.FuncFormatter(label))


def money_axis(axis: Axis) -> None:
    """Label ``axis`` in money as a reader writes it: ``1.5 M`` or ``950 k`` (matplotlib put a
    ``1e6`` offset above the axis, which a slide reader misses).

    The unit follows the largest value in view, so one axis has one unit; below 10,000 the
    amounts are whole numbers with thousands separators.
    """

    def label(value: float, _: object) -> str:
        top = max(abs(v) for v in axis.get_view_interval())
        scale, unit = ((1e6, "\u00a0M") if top >= 1e6
                       else (1e3, "\u00a0k") if top >= 1e4 else (1.0, ""))
        # As many decimals as the tick step needs (a 1.0-1.2 M axis read "1.1 M" six times).
        locs = np.unique(axis.get_majorticklocs())
        step = float(np.min(np.diff(locs))) / scale if len(locs) > 1 else 1.0
        decimals = min(3, max(1 if unit == "\u00a0M" else 0, math.ceil(-math.log10(step))))
        return f"{value / scale:,.{decimals}f}{unit}"

    axis.set_major_formatter(plt.FuncFormatter(label))


#: Line style per tier position: tiers stay apart where their curves coincide (hot and warm
#: leads are often called equally fast), also in greyscale print.
TIER_LINESTYLES = ("-", (0, (6, 2)), (0, (1.5, 1.5)), "-.")
#: Ticks of a log minute axis: the usual response targets, then hours and days.
_MINUTE_TICKS = (1, 5, 15, 30, 60, 120, 240, 480, 960, 1440, 2880, 5760, 11520, 20160, 43200)


def response_time_distribution(
    result: SimulationResult,
    *,
    clock: str | None = None,
    max_minutes: float | None = None,
    log: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Share of leads attempted within t minutes, per tier, against each tier's target.

    Uses every replication's records (``simulate(..., keep_records=True)``). Leads never
    attempted count as not-yet-attempted, so a curve ends below 100 % when leads were left
    waiting or nurtured without an attempt.

    Parameters
    ----------
    result
        A simulation result with records.
    clock
        ``"business"`` or ``"wall"``; default: the clock of the first tier's SLA term.
    max_minutes
        Right end of the x axis (default: the slowest first attempt on a log axis, else 4 x
        the largest target, at least 60).
    log
        Log x axis from 1 minute: the 5- and 60-minute targets and the multi-day tail of
        leads created before a weekend fit on one axis. Each target is labelled on its line.
    """
    if result.records is None:
        raise ValueError("result has no records: run simulate(..., keep_records=True).")
    ax = axes_or_new(ax)
    scenario = result.scenario
    terms = scenario.sla.tiers
    if clock is None:
        clock = next((t.response_clock for t in terms.values()), "wall")
    targets = [t.response_target_minutes for t in terms.values()] or [60.0]
    leads = np.concatenate([r.leads for r in result.records])
    responses: list[tuple[int, str, np.ndarray]] = []
    for i, name in enumerate(scenario.tiers):
        mine = leads[leads["tier"] == i]
        if not len(mine):
            continue
        if clock == "business":
            response = mine["response_business"]
        else:
            response = mine["first_attempt"] - mine["created"]
        responses.append((i, name, np.where(np.isnan(response), np.inf, response)))
    finite = [float(r[np.isfinite(r)].max()) for _, _, r in responses if np.isfinite(r).any()]
    if max_minutes:
        right = float(max_minutes)
    elif log:
        right = max([2 * max(targets), *finite])
    else:
        right = max(60.0, 4 * max(targets))
    left = 1.0 if log else 0.0
    grid = np.geomspace(left, right, 600) if log else np.linspace(0, right, 400)
    for i, name, response in responses:
        share = np.searchsorted(np.sort(response), grid, side="right") / len(response)
        ax.step(
            grid,
            share,
            where="post",
            color=tier_color(i),
            label=name,
            # The first (most urgent) tier wide and underneath, the others thinner and dashed
            # on top of it: where curves coincide (hot and warm leads are often called equally
            # fast) each stays visible. Hot on top hid warm's curve entirely.
            linewidth=3.2 if i == 0 else 1.6,
            linestyle=TIER_LINESTYLES[i % len(TIER_LINESTYLES)],
            zorder=3 + i,
        )
    for name, term in terms.items():
        if name not in scenario.tiers:
            continue
        i = list(scenario.tiers).index(name)
        target = term.response_target_minutes
        ax.plot(
            [target],
            [term.response_share],
            marker="o",
            color=tier_color(i),
            markeredgecolor="white",
            markersize=8,
            zorder=10,
        )
        ax.axvline(target, **TARGET_STYLE)
        ax.annotate(
            f"{target:g} min",
            (target, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, 4),
            textcoords="offset points",
            fontsize="small",
            color="0.3",
            va="bottom",
        )
    if log:
        ax.set_xscale("log")
        ax.set_xlim(left, right)
        ticks = [t for t in _MINUTE_TICKS if left <= t <= right]
        ax.set_xticks(ticks, [f"{t:,}" for t in ticks])
        ax.xaxis.set_minor_locator(plt.NullLocator())
    else:
        ax.set_xlim(0, right)
    ax.set_ylim(0, 1.02)
    scale = ", log scale" if log else ""
    ax.set_xlabel(f"response time ({clock} minutes from lead creation to first attempt{scale})")
    ax.set_ylabel("share of leads attempted")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    ax.set_title(
        f"Response times vs SLA targets (dots: promised share at target) - {scenario.name}"
    )
    ax.grid(alpha=0.3)
    # Curves rise to the right: the lower right holds the target labels, the centre is free.
    ax.legend(title="tier", loc="center right")
    return ax


#: Ticks of a log probability axis, 1-2-5 per decade.
_LOG_TICKS = tuple(m * 10.0**-d for d in range(5) for m in (1, 0.5, 0.2))


def decay_curves(
    curves: Sequence[tuple[str, DecayCurve]],
    *,
    max_minutes: float = 240.0,
    log: bool = True,
    decimal: str = ".",
    ax: Axes | None = None,
) -> Axes:
    """Plot decay multipliers f(age) for named curves (``decimal``: the ticks' decimal sign,
    ``","`` in Swedish reports)."""
    ax = axes_or_new(ax)
    age = np.linspace(0, max_minutes, 500)
    for i, (label, curve) in enumerate(curves):
        ax.plot(age, np.asarray(curve(age)), label=label, color=tier_color(i), linewidth=1.8)
    if log:
        ax.set_yscale("log")
        # 1-2-5 ticks in plain numbers: the decades alone left 1 and 0.1 on an axis whose
        # curve falls to 0.017.
        ax.yaxis.set_major_locator(FixedLocator(_LOG_TICKS))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}".replace(".", decimal)))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("lead age at the attempt (minutes)")
    ax.set_ylabel("probability multiplier f(age)")
    ax.set_title("How fast leads go cold")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return ax


def p_met_bars(result: SimulationResult, *, ax: Axes | None = None) -> Axes:
    """P(term met) per tier and term, with the agreed confidence as a dashed line."""
    ax = axes_or_new(ax)
    scenario = result.scenario
    terms = tuple(t.name for t in TERMS)
    tiers = [t for t in scenario.tiers if t in scenario.sla.tiers]
    width = 0.8 / max(len(tiers), 1)
    x = np.arange(len(terms))
    for i, tier in enumerate(tiers):
        values = [
            float(result.replications[(f"{term}_met", tier)].mean())
            if (f"{term}_met", tier) in result.replications
            else np.nan
            for term in terms
        ]
        at = x + (i - (len(tiers) - 1) / 2) * width
        ax.bar(at, values, width, label=tier, color=tier_color(list(scenario.tiers).index(tier)))
        for xi, v in zip(at, values, strict=True):
            if v < 0.03:  # a bar this short draws nothing: write its value, so 0 % is seen
                ax.text(xi, 0.01, f"{v:.0%}", ha="center", va="bottom", fontsize="x-small")
    ax.axhline(
        scenario.sla.confidence, **TARGET_STYLE,
        label=f"confidence {bar_percent(scenario.sla.confidence)}",
    )
    ax.set_xticks(x, terms)
    # Headroom above 100 % holds the legend in one row, so it covers no bar.
    ax.set_ylim(0, 1.3)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    ax.set_ylabel("P(met) over simulated periods")
    ax.set_title(f"How often each SLA term is met - {scenario.name}")
    ax.legend(loc="upper center", ncol=len(tiers) + 1, fontsize="small", frameon=False)
    return ax


def funnel_bars(funnel: pd.DataFrame, *, log: bool = True, ax: Axes | None = None) -> Axes:
    """Leads per stage (columns, in funnel order) and tier (rows), as grouped bars.

    Parameters
    ----------
    funnel
        One row per tier (the index names it), one column per stage, e.g. leads created,
        reached, qualified, opportunities, won (expected counts per month).
    log
        Log scale: late stages are 100x smaller than the first and would vanish otherwise.
    """
    ax = axes_or_new(ax)
    stages = [str(c) for c in funnel.columns]
    x = np.arange(len(stages))
    width = 0.8 / max(len(funnel), 1)
    for i, (tier, row) in enumerate(funnel.iterrows()):
        values = row.to_numpy(dtype=float)
        ax.bar(
            x + (i - (len(funnel) - 1) / 2) * width,
            np.where(values > 0, values, np.nan),  # log scale cannot show 0
            width,
            label=str(tier),
            color=tier_color(i),
        )
    if log:
        ax.set_yscale("log")
    ax.set_xticks(x, stages)
    ax.set_ylabel("leads per month")
    ax.set_title("The funnel: expected leads per stage and month")
    ax.grid(alpha=0.3, axis="y", which="both")
    ax.legend(title="tier")
    return ax


def staffing_attainment(
    attainment: pd.DataFrame,
    *,
    confidence: float | None = None,
    current: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """P(met) against the number of sellers: one line per column of ``attainment``.

    Parameters
    ----------
    attainment
        Index: number of sellers; columns: shares of periods met. The first column is drawn as
        the headline (black, thick), the others in the tier colours in order.
    confidence
        The agreed confidence (dashed line).
    current
        Today's number of sellers (a vertical marker).
    """
    ax = axes_or_new(ax)
    sellers = attainment.index.to_numpy(dtype=float)
    for i, column in enumerate(attainment.columns):
        style: dict[str, Any] = (
            {"color": "black", "linewidth": 2.4}
            if i == 0
            else {"color": tier_color(i - 1), "linewidth": 1.6}
        )
        # Policies may be simulated at different levels: draw each line through its own points.
        known = attainment[column].notna().to_numpy()
        ax.plot(
            sellers[known],
            attainment[column].to_numpy(dtype=float)[known],
            marker="o",
            label=str(column),
            **style,
        )
    if confidence is not None:
        ax.axhline(confidence, **TARGET_STYLE)
    if current is not None:
        ax.axvline(current, color="0.6", linewidth=6, alpha=0.25, zorder=0)
    ax.set_xticks(sellers)
    ax.set_ylim(-0.02, 1.05)
    percent_axis(ax.yaxis)
    ax.set_xlabel("sellers")
    ax.set_ylabel("share of periods met")
    ax.set_title("Staffing against SLA attainment")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def option_bars(
    names: Sequence[str],
    mean: Sequence[float],
    ci_low: Sequence[float],
    ci_high: Sequence[float],
    *,
    reference: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One horizontal bar per option with its 95 % confidence interval.

    The first option (the base) is grey, the others blue, so the eye compares against it.
    ``reference`` draws a dashed line (e.g. the agreed confidence on a P(met) axis).
    """
    ax = axes_or_new(ax)
    y = np.arange(len(names))[::-1]  # first option on top
    m = np.asarray(mean, dtype=float)
    lo = np.asarray(ci_low, dtype=float)
    hi = np.asarray(ci_high, dtype=float)
    err = np.vstack([np.nan_to_num(m - lo), np.nan_to_num(hi - m)])
    colors = ["0.6", *([TIER_COLORS[2]] * (len(names) - 1))]
    ax.barh(
        y,
        m,
        xerr=err,
        color=colors,
        capsize=4,
        height=0.6,
        error_kw={"elinewidth": 1.2, "ecolor": "black"},
    )
    # A dot at each mean: an option at 0 (e.g. P(met) 0 %) has no bar to see, only whiskers.
    ax.plot(m, y, linestyle="none", marker="o", markersize=4, color="black", zorder=3)
    if reference is not None:
        ax.axvline(reference, **TARGET_STYLE)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, list(names))
    ax.grid(alpha=0.3, axis="x")
    return ax
