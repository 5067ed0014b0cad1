"""Figures of ``slasim track``: actual versus target and the simulated p10-p90 band.

Same style as :mod:`slasim.render.plots`: tiers keep their colours, targets are dashed grey lines,
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

from slasim.measure.catalogue import metric as catalogue_metric
from slasim.render.axes import axes_or_new
from slasim.render.i18n import TRACK_MEASURES, measure_label, tr
from slasim.render.plots import TARGET_STYLE, percent_axis, tier_color

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from slasim.crm.track.tracker import TrackResult

__all__ = ["FIGURE_MEASURES", "LABELS", "measure_panel", "track_figure"]

#: Readable English names of the tracked measures (axis titles and tables); every language's
#: names come from :func:`slasim.render.i18n.measure_label`.
LABELS: dict[str, str] = {m: measure_label("en", m) for m in TRACK_MEASURES}
#: Measures drawn on the dashboard, one panel each (those measurable in the export).
FIGURE_MEASURES: tuple[str, ...] = (
    "leads_created",
    "first_attempt_within_target",
    "attempts_per_lead",
    "contact_rate",
    "qualify_rate",
    "won_deals",
)


def measure_panel(
    rows: pd.DataFrame, tiers: Sequence[str], *, ax: Axes | None = None, lang: str = "en"
) -> Axes:
    """One measure per tier: the simulated p10-p90 band (bar), the actual (dot), the target.

    Parameters
    ----------
    rows
        Rows of ``TrackResult.by_tier`` for one period and one measure.
    tiers
        Tier names in the order (and colours) of the agreement.
    lang
        Language of the title and legend labels (``"en"`` or ``"sv"``).
    """
    ax = axes_or_new(ax, (4, 3))
    numbers = rows[["sim_p10", "sim_p90", "target", "actual"]].to_numpy(dtype=float)
    values = {
        str(tier): (float(a), float(b), float(c), float(d))
        for tier, (a, b, c, d) in zip(rows["tier"], numbers, strict=True)
    }
    names = {k: tr(lang, k) for k in ("track_sim_band", "col_target", "track_col_actual")}
    for i, tier in enumerate(tiers):
        if tier not in values:
            continue
        color = tier_color(i)
        low, high, target, actual = values[tier]

        def label(key: str, first: bool = i == 0) -> str:
            return names[key] if first else "_nolegend_"  # one legend entry per element

        if not math.isnan(low):
            # A band of zero width (e.g. no wins in any simulated month) still shows as a line.
            ax.bar(i, max(high - low, 1e-9), bottom=low, width=0.5, color=color, alpha=0.3,
                   edgecolor=color, label=label("track_sim_band"))
        if not math.isnan(target):
            ax.hlines(target, i - 0.35, i + 0.35, label=label("col_target"), **TARGET_STYLE)
        if not math.isnan(actual):
            ax.plot(i, actual, "o", color="black", markersize=6, label=label("track_col_actual"))
    # Bars pin the axis to their bottoms ("sticky edges"); a band is not a bar from zero.
    ax.use_sticky_edges = False
    ax.margins(y=0.08)
    ax.autoscale_view()
    measure = str(rows["measure"].iloc[0]) if len(rows) else ""
    ax.set_title(measure_label(lang, measure) if measure in LABELS else measure, fontsize=10)
    ax.set_xticks(np.arange(len(tiers)), list(tiers))
    ax.set_xlim(-0.6, len(tiers) - 0.4)
    if catalogue_metric(measure).kind == "share":
        percent_axis(ax.yaxis, "," if lang == "sv" else ".")
    ax.grid(axis="y", alpha=0.3)
    return ax


def track_figure(result: TrackResult, period: str, *, lang: str = "en") -> Figure:
    """All measurable :data:`FIGURE_MEASURES` of one period, one panel each, tiers side by side.

    ``lang`` (``"en"`` or ``"sv"``) is the language of titles, legend and tick labels.
    """
    data = result.by_tier[(result.by_tier["period"] == period) & (result.by_tier["tier"] != "all")]
    measures = [
        m for m in FIGURE_MEASURES if data.loc[data["measure"] == m, "actual"].notna().any()
    ]
    cols = min(3, max(1, len(measures)))
    nrows = max(1, math.ceil(len(measures) / cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 2.9 * nrows), squeeze=False)
    for ax, measure in zip(axes.flat, measures, strict=False):
        measure_panel(data[data["measure"] == measure], result.tiers, ax=ax, lang=lang)
    for ax in list(axes.flat)[len(measures):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False,
                   bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(tr(lang, "track_fig_title").format(period=period), fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
