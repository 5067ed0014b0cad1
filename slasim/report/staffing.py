"""The report's staffing sweep: P(met) and profit at other staffing levels of one shift.

Every level is simulated with the report's seed, so each level sees the same leads (common
random numbers) and the curve shows the effect of staffing, not of different months.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from slasim.experiment import simulate
from slasim.report.doc import Block, Heading, Paragraph, Table
from slasim.report.figures import finish_axes, metric_mean, new_axes, percent_ticks, report_figure
from slasim.report.i18n import tr
from slasim.report.page import format_money, format_percent
from slasim.scenario import Scenario

__all__ = ["StaffingSweep", "staffing_blocks", "staffing_sweep"]


@dataclass(frozen=True)
class StaffingSweep:
    """P(met) and profit at other staffing levels of one shift (same seed: same leads).

    Attributes
    ----------
    shift
        Name of the shift varied (the one with most sellers).
    current
        Its sellers today.
    levels
        Index ``sellers``; columns ``sales_met``, ``response_met:<tier>``,
        ``seller_utilization``, ``profit`` (means over the replications).
    reps
        Replications per level.
    """

    shift: str
    current: int
    levels: pd.DataFrame
    reps: int


def staffing_sweep(
    scenario: Scenario,
    reps: int,
    seed: int,
    workers: int = 1,
    *,
    below: int = 2,
    above: int = 3,
) -> StaffingSweep:
    """Simulate ``scenario`` with the largest shift at ``n - below`` ... ``n + above`` sellers."""
    shifts = scenario.team.shifts
    # The largest shift moves attainment most; ties go to the first one listed.
    index = max(range(len(shifts)), key=lambda i: (shifts[i].sellers, -i))
    current = shifts[index].sellers
    rows = {}
    for n in range(max(1, current - below), current + above + 1):
        changed = [
            sh.model_copy(update={"sellers": n}) if i == index else sh
            for i, sh in enumerate(shifts)
        ]
        variant = scenario.model_copy(
            update={"team": scenario.team.model_copy(update={"shifts": changed})}
        )
        result = simulate(variant, reps, seed, workers)
        row = {"sales_met": metric_mean(result, "sales_met")}
        for tier in scenario.sla.tiers:
            row[f"response_met:{tier}"] = metric_mean(result, "response_met", tier)
        row["seller_utilization"] = metric_mean(result, "seller_utilization")
        row["profit"] = metric_mean(result, "profit")
        rows[n] = row
    levels = pd.DataFrame.from_dict(rows, orient="index")
    levels.index.name = "sellers"
    return StaffingSweep(shifts[index].name or f"#{index + 1}", current, levels, reps)


def staffing_blocks(sweep: StaffingSweep, scenario: Scenario, lang: str) -> list[Block]:
    """The staffing sweep as a table and a line chart."""
    from slasim.plots import staffing_attainment

    cur = scenario.costs.currency
    levels = sweep.levels
    names = {"sales_met": tr(lang, "label_sales_all")}
    for tier in scenario.sla.tiers:
        names[f"response_met:{tier}"] = tr(lang, "col_response_met_tier").format(tier=tier)
    shown = pd.DataFrame(
        {
            **{names[c]: [format_percent(v, lang) for v in levels[c]] for c in names},
            tr(lang, "m_seller_utilization"): [
                format_percent(v, lang) for v in levels["seller_utilization"]
            ],
            tr(lang, "m_profit"): [format_money(v, cur, lang) for v in levels["profit"]],
        },
        index=pd.Index([str(n) for n in levels.index], name=tr(lang, "col_sellers")),
    )
    fig, ax = new_axes()
    staffing_attainment(
        levels[list(names)].rename(columns=names),
        confidence=scenario.sla.confidence,
        current=sweep.current,
        ax=ax,
    )
    ax.set_xlabel(tr(lang, "axis_sellers").format(shift=sweep.shift))
    ax.set_ylabel(tr(lang, "axis_p_met"))
    percent_ticks(ax.yaxis, lang)
    finish_axes(ax, lang)
    return [
        Heading(tr(lang, "h_staffing"), 3),
        Paragraph(tr(lang, "staffing_text").format(shift=sweep.shift, reps=sweep.reps)),
        Table(shown),
        report_figure(fig, "staffing", tr(lang, "fig_staffing")),
    ]
