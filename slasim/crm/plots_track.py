"""Figures of ``slasim track``: actual versus target and the simulated p10-p90 band.

Same style as :mod:`slasim.plots`: tiers keep their colours, targets are dashed grey lines,
every function takes ``ax=None`` and returns the Axes, nothing calls ``plt.show()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from slasim.plots import TARGET_STYLE, tier_color

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from slasim.crm.track import TrackResult

__all__ = ["FIGURE_MEASURES", "LABELS", "measure_panel", "track_figure"]

#: Readable names of the tracked measures (axis titles and tables).
LABELS: dict[str, str] = {
    "leads_created": "leads delivered",
    "first_attempt_within_target": "share called within target",
    "response_minutes_p90": "response p90 (wall min)",
    "response_business_minutes_p90": "response p90 (business min)",
    "attempts_per_lead": "attempts per lead",
    "contact_rate": "contact rate",
    "qualify_rate": "qualify rate",
    "win_rate": "win rate",
    "won_deals": "deals won",
    "revenue": "revenue",
}
#: Measures drawn on the dashboard, one panel each (those measurable in the export).
FIGURE_MEASURES: tuple[str, ...] = (
    "leads_created",
    "first_attempt_within_target",
    "attempts_per_lead",
    "contact_rate",
    "qualify_rate",
    "won_deals",
)
_SHARES = {"first_attempt_within_target", "contact_rate", "qualify_rate", "win_rate"}


def measure_panel(
    rows: pd.DataFrame, tiers: Sequence[str], *, ax: Axes | None = None
) -> Axes:
    """One measure per tier: the simulated p10-p90 band (bar), the actual (dot), the target.

    Parameters
    ----------
    rows
        Rows of ``TrackResult.by_tier`` for one period and one measure.
    tiers
        Tier names in the order (and colours) of the agreement.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3))
    numbers = rows[["sim_p10", "sim_p90", "target", "actual"]].to_numpy(dtype=float)
    values = {
        str(tier): (float(a), float(b), float(c), float(d))
        for tier, (a, b, c, d) in zip(rows["tier"], numbers, strict=True)
    }
    for i, tier in enumerate(tiers):
        if tier not in values:
            continue
        color = tier_color(i)
        low, high, target, actual = values[tier]
        first = i == 0  # one legend entry per element
        if not math.isnan(low):
            # A band of zero width (e.g. no wins in any simulated month) still shows as a line.
            ax.bar(i, max(high - low, 1e-9), bottom=low, width=0.5, color=color, alpha=0.3,
                   edgecolor=color, label="simulated p10-p90" if first else "_nolegend_")
        if not math.isnan(target):
            ax.hlines(target, i - 0.35, i + 0.35, label="target" if first else "_nolegend_",
                      **TARGET_STYLE)
        if not math.isnan(actual):
            ax.plot(i, actual, "o", color="black", markersize=6,
                    label="actual" if first else "_nolegend_")
    # Bars pin the axis to their bottoms ("sticky edges"); a band is not a bar from zero.
    ax.use_sticky_edges = False
    ax.margins(y=0.08)
    ax.autoscale_view()
    measure = str(rows["measure"].iloc[0]) if len(rows) else ""
    ax.set_title(LABELS.get(measure, measure), fontsize=10)
    ax.set_xticks(np.arange(len(tiers)), list(tiers))
    ax.set_xlim(-0.6, len(tiers) - 0.4)
    if measure in _SHARES:
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.grid(axis="y", alpha=0.3)
    return ax


def track_figure(result: TrackResult, period: str) -> Figure:
    """All measurable :data:`FIGURE_MEASURES` of one period, one panel each, tiers side by side."""
    data = result.by_tier[(result.by_tier["period"] == period) & (result.by_tier["tier"] != "all")]
    measures = [
        m for m in FIGURE_MEASURES if data.loc[data["measure"] == m, "actual"].notna().any()
    ]
    cols = min(3, max(1, len(measures)))
    nrows = max(1, math.ceil(len(measures) / cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 2.9 * nrows), squeeze=False)
    for ax, measure in zip(axes.flat, measures, strict=False):
        measure_panel(data[data["measure"] == measure], result.tiers, ax=ax)
    for ax in list(axes.flat)[len(measures):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False,
                   bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(f"{period}: actual vs target and simulated band", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
