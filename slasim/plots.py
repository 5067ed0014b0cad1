"""Matplotlib figures: each takes ``ax=None``, returns the Axes, never calls ``plt.show()``.

One visual style for all figures: tiers keep the same colour everywhere, targets are dashed
grey lines, units are in the axis labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from slasim.decay import DecayCurve

if TYPE_CHECKING:
    from slasim.experiment import SimulationResult

__all__ = ["TIER_COLORS", "decay_curves", "p_met_bars", "response_time_distribution", "tier_color"]

#: Colour per tier position (hot, warm, cold, ...), colour-blind safe (Okabe–Ito).
TIER_COLORS = ("#D55E00", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#F0E442")
TARGET_STYLE: dict[str, Any] = {"color": "0.35", "linestyle": "--", "linewidth": 1.0}


def tier_color(index: int) -> str:
    """The colour of the tier at ``index`` (stable across figures)."""
    return TIER_COLORS[index % len(TIER_COLORS)]


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    return ax


def response_time_distribution(
    result: SimulationResult,
    *,
    clock: str | None = None,
    max_minutes: float | None = None,
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
        Right end of the x axis (default: 4 x the largest target, at least 60).
    """
    if result.records is None:
        raise ValueError("result has no records: run simulate(..., keep_records=True).")
    ax = _axes(ax)
    scenario = result.scenario
    terms = scenario.sla.tiers
    if clock is None:
        clock = next((t.response_clock for t in terms.values()), "wall")
    targets = [t.response_target_minutes for t in terms.values()] or [60.0]
    right = max_minutes or max(60.0, 4 * max(targets))
    grid = np.linspace(0, right, 400)
    leads = np.concatenate([r.leads for r in result.records])
    for i, name in enumerate(scenario.tiers):
        mine = leads[leads["tier"] == i]
        if not len(mine):
            continue
        if clock == "business":
            response = mine["response_business"]
        else:
            response = mine["first_attempt"] - mine["created"]
        response = np.where(np.isnan(response), np.inf, response)
        share = np.searchsorted(np.sort(response), grid, side="right") / len(response)
        ax.step(grid, share, where="post", color=tier_color(i), label=name, linewidth=1.8)
        term = terms.get(name)
        if term is not None:
            ax.plot(
                [term.response_target_minutes],
                [term.response_share],
                marker="o",
                color=tier_color(i),
                markeredgecolor="white",
                markersize=8,
                zorder=3,
            )
            ax.axvline(term.response_target_minutes, **TARGET_STYLE)
    ax.set_xlim(0, right)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"response time ({clock} minutes from lead creation to first attempt)")
    ax.set_ylabel("share of leads attempted")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    ax.set_title(
        f"Response times vs SLA targets (dots: promised share at target) - {scenario.name}"
    )
    ax.grid(alpha=0.3)
    ax.legend(title="tier", loc="lower right")
    return ax


def decay_curves(
    curves: Sequence[tuple[str, DecayCurve]],
    *,
    max_minutes: float = 240.0,
    log: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Plot decay multipliers f(age) for named curves."""
    ax = _axes(ax)
    age = np.linspace(0, max_minutes, 500)
    for i, (label, curve) in enumerate(curves):
        ax.plot(age, np.asarray(curve(age)), label=label, color=tier_color(i), linewidth=1.8)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("lead age at the attempt (minutes)")
    ax.set_ylabel("probability multiplier f(age)")
    ax.set_title("How fast leads go cold")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return ax


def p_met_bars(result: SimulationResult, *, ax: Axes | None = None) -> Axes:
    """P(term met) per tier and term, with the agreed confidence as a dashed line."""
    ax = _axes(ax)
    scenario = result.scenario
    terms = ("marketing", "response", "attempts", "conversion")
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
        ax.bar(
            x + (i - (len(tiers) - 1) / 2) * width,
            values,
            width,
            label=tier,
            color=tier_color(list(scenario.tiers).index(tier)),
        )
    ax.axhline(
        scenario.sla.confidence, **TARGET_STYLE, label=f"confidence {scenario.sla.confidence:.0%}"
    )
    ax.set_xticks(x, terms)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    ax.set_ylabel("P(met) over simulated periods")
    ax.set_title(f"How often each SLA term is met - {scenario.name}")
    ax.legend(loc="lower left", fontsize="small")
    return ax
