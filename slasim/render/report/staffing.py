"""The report's staffing section: the fewest sellers that make what staffing controls realistic.

The answer comes from :func:`slasim.planning.staffing.fewest_sellers` (the one ``plan`` and
``optimize``
give) for the scenario's routing and hot-first routing, on the report's own months, so it agrees
with the verdict at today's staffing.
"""

from __future__ import annotations

import pandas as pd

from slasim.measure.quarter import months
from slasim.measure.shares import SIDE_NAMES, decimals_against, judged_sides, side_decimals
from slasim.planning.staffing import StaffingAnswer
from slasim.planning.workload import hires_text
from slasim.render.doc import Block, Callout, Heading, Paragraph, Table
from slasim.render.figures import (
    finish_axes,
    new_axes,
    per_month,
    percent_ticks,
    report_figure,
    runs_text,
)
from slasim.render.i18n import tr
from slasim.render.page import format_money, format_percent
from slasim.scenario.schema import Scenario

__all__ = ["answer_text", "staffing_blocks"]


def _policy(routing: str, scenario: Scenario, lang: str) -> str:
    return tr(lang, f"policy_{routing}").format(order=" > ".join(scenario.tier_order()))


def answer_text(answer: StaffingAnswer, scenario: Scenario, lang: str) -> str:
    """One policy's answer in words (``lang``)."""
    policy = _policy(answer.routing, scenario, lang)
    if answer.sellers is None:
        most = int(answer.levels["total"].max())
        text = tr(lang, "fewest_none").format(policy=policy, most=most)
        if answer.blocking:
            # At level term each blocking term is judged: never "80 %" for 0.798.
            conf = scenario.sla.confidence if answer.level == "term" else None
            weakest = ", ".join(
                f"{r.describe(lang)} {format_percent(r.p, lang, decimals_against(r.p, conf))}"
                for r in answer.blocking[:3]
            )
            text += " " + tr(lang, "fewest_blocking").format(weakest=weakest)
        return text
    per = ", ".join(f"{name} {n}" for name, n in zip(answer.shifts, answer.sellers, strict=True))
    per += hires_text(answer.hires, lang)
    key = ("fewest" if answer.realistic
           else "fewest_sales_terms" if answer.level == "term" else "fewest_sales")
    return tr(lang, key).format(policy=policy, total=answer.total, per=per)


def staffing_blocks(answers: list[StaffingAnswer], scenario: Scenario, lang: str) -> list[Block]:
    """The answers per policy, the levels simulated, and P(sales) against sellers."""
    from slasim.render.plots import staffing_attainment

    cur = scenario.costs.currency
    rows, curves = [], {}
    # A level's P the verdict compares with the confidence keeps its side of it ("79,8 %" one
    # seller below the answer, not "80 %"); a quarter's columns are of every month, not judged.
    judged = () if months(scenario) else judged_sides(scenario.sla.confidence_level)

    def against(side: str) -> float | None:
        return scenario.sla.confidence if side in judged else None

    for a in answers:
        policy = _policy(a.routing, scenario, lang)
        for r in a.levels.to_dict("records"):
            p = {side: float(r[f"p_{side}"]) for side in SIDE_NAMES}
            d = side_decimals(p, against)
            rows.append({
                tr(lang, "row_routing"): policy,
                tr(lang, "col_sellers"): str(r["sellers"]),
                tr(lang, "col_p_marketing"): format_percent(p["marketing"], lang, d),
                tr(lang, "col_p_sales"): format_percent(p["sales"], lang, d),
                tr(lang, "col_p_joint"): format_percent(p["joint"], lang, d),
                tr(lang, "per_month_label").format(label=tr(lang, "m_profit")): format_money(
                    float(r["profit"]) * per_month(scenario, "profit"), cur, lang
                ),
            })
        # The chance the level judges: the sales side, or both sides at level joint (at level
        # term each sales term is judged: the sales side is drawn without the line).
        column = "p_joint_judged" if a.level == "joint" else "p_sales_judged"
        key = "label_joint_policy" if a.level == "joint" else "label_sales_policy"
        curves[tr(lang, key).format(policy=policy)] = a.levels.set_index("total")[column]
    shown = pd.DataFrame(rows).set_index([tr(lang, "row_routing"), tr(lang, "col_sellers")])
    frame = pd.DataFrame(curves).sort_index()
    fig, ax = new_axes()
    staffing_attainment(frame, confidence=(None if answers[0].level == "term"
                                           else scenario.sla.confidence),
                        current=sum(answers[0].current), ax=ax)
    ax.set_xlabel(tr(lang, "axis_sellers_total"))
    # A week: "of 7-day periods"; several months: the weakest month, as the verdict judges.
    variant = "_months" if months(scenario) else "_period" if answers[0].period_days else ""
    days = answers[0].period_days
    axis = "axis_p_joint" if answers[0].level == "joint" else "axis_p_sales"
    ax.set_ylabel(tr(lang, axis + variant).format(days=days))
    percent_ticks(ax.yaxis, lang)
    finish_axes(ax, lang)
    reps = answers[0].reps
    return [
        Heading(tr(lang, "h_staffing"), 3),
        Paragraph(tr(lang, "staffing_text").format(
            runs=runs_text(scenario, reps, lang, short=True))),
        *(Callout(answer_text(a, scenario, lang)) for a in answers),
        Table(shown),
        report_figure(fig, "staffing", tr(lang, "fig_staffing" + variant).format(days=days)),
    ]
